"""SQLInjectionDetector: Python through its syntax tree, JavaScript and TypeScript by pattern."""

from __future__ import annotations

import ast
import warnings
from pathlib import Path

from brgit.security import files
from brgit.security.languages import language_of
from brgit.security.masking import mask_text
from brgit.security.model import Finding, Note, SQLVulnerability, fingerprint
from brgit.security.sql_js import analyze_js
from brgit.security.sql_python import PythonSQLAnalyzer, RawFinding, may_contain_sql
from brgit.security.suppress import inline_suppressed


class SQLInjectionDetector:
    """Find queries built from non-constant values that reach a database call."""

    def __init__(self, max_file_bytes: int = files.MAX_FILE_BYTES) -> None:
        self.max_file_bytes = max_file_bytes
        self.notes: list[Note] = []

    def findings(self, code: str, language: str, file_path: str = "<string>") -> list[Finding]:
        raw = self._analyze(code, language, file_path)
        lines = code.splitlines()
        results = []
        for item in raw:
            text = lines[item.line - 1] if item.line <= len(lines) else ""
            previous = lines[item.line - 2] if 1 < item.line <= len(lines) + 1 else ""
            if inline_suppressed(text, previous, item.rule):
                continue
            results.append(Finding(
                file=file_path, line=item.line, rule=item.rule, kind="sql",
                severity=item.severity, confidence=item.confidence,
                masked=mask_text(text.strip())[:160],
                message=item.message, fingerprint=fingerprint(item.rule, " ".join(text.split())),
            ))
        return results

    def _analyze(self, code: str, language: str, file_path: str) -> list[RawFinding]:
        if language in ("javascript", "typescript", "js", "ts"):
            return analyze_js(code)
        if language != "python":
            raise ValueError(f"unsupported language: {language}")
        if not may_contain_sql(code):  # no sink and no SQL verb: nothing either analysis finds
            return []
        tree = self._parses(code, file_path)
        if tree is not None:
            try:
                return PythonSQLAnalyzer(tree, code).findings()
            except RecursionError:  # nesting deeper than the analysis can follow
                self.notes.append(Note(file_path, "nested too deeply for the syntax tree",
                                       "pattern"))
        from brgit.security.sql_fallback import analyze_without_ast

        try:
            found, too_deep = analyze_without_ast(code)
        except RecursionError:
            too_deep, found = [0], []
        if too_deep:
            where = f" (line {too_deep[0]})" if too_deep[0] else ""
            self.notes.append(Note(file_path, f"SQL injection: statements nested too deeply to "
                                              f"analyse{where}", "error"))
        return found

    def _parses(self, code: str, file_path: str) -> ast.Module | None:
        """The syntax tree, or None (with a note) when this Python cannot parse the file."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return ast.parse(code, filename=file_path)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            where = f" (line {exc.lineno})" if isinstance(exc, SyntaxError) and exc.lineno else ""
            reason = exc.msg if isinstance(exc, SyntaxError) else type(exc).__name__
            self.notes.append(Note(file_path, f"does not parse: {reason}{where}", "pattern"))
            return None

    def check_code(self, code: str, language: str = "python",
                   file_path: str = "<string>") -> list[SQLVulnerability]:
        return [_vulnerability(f) for f in self.findings(code, language, file_path)]

    def check_file(self, file_path: str | Path) -> list[SQLVulnerability]:
        name = str(file_path)
        language = language_of(name)
        if language is None:
            return []
        text = files.read_text(Path(file_path), name, self.max_file_bytes)
        if isinstance(text, Note):
            self.notes.append(text)
            return []
        return self.check_code(text, language, name)


def _vulnerability(finding: Finding) -> SQLVulnerability:
    return SQLVulnerability(finding.file, finding.line, finding.rule, finding.severity,
                            finding.confidence, finding.message, finding.masked)
