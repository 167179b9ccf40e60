"""SecretScanner: named rules behind a keyword prefilter, plus generic assignments."""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from pathlib import Path

from brgit.redact import mask
from brgit.security import files
from brgit.security.filters import entropy, is_placeholder
from brgit.security.generic import generic_hits
from brgit.security.masking import mask_text
from brgit.security.model import Finding, Note, SecretMatch, fingerprint, sha1
from brgit.security.rules import GENERIC_RULE, RULES, Rule, active_rules
from brgit.security.suppress import inline_suppressed


class _Lines:
    """Line numbers and line text for offsets into one text, computed once."""

    def __init__(self, content: str) -> None:
        self.content = content
        self.starts = [0]
        index = content.find("\n")
        while index != -1:
            self.starts.append(index + 1)
            index = content.find("\n", index + 1)

    def number(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def text(self, number: int) -> str:
        if number < 1 or number > len(self.starts):
            return ""
        start = self.starts[number - 1]
        end = self.content.find("\n", start)
        return self.content[start : end if end != -1 else len(self.content)].rstrip("\r")


class SecretScanner:
    """Scan text, files and directories for secrets. Inline pragmas are honoured here; the
    whitelist and baseline are applied by `brgit.security.engine`."""

    def __init__(
        self,
        rules: Mapping[str, Rule] | None = None,
        *,
        generic: bool = True,
        max_file_bytes: int = files.MAX_FILE_BYTES,
    ) -> None:
        self.rules = dict(RULES if rules is None else rules)
        self.generic = generic
        self.max_file_bytes = max_file_bytes
        self.notes: list[Note] = []

    def findings(self, content: str, file_path: str = "<string>") -> list[Finding]:
        return [finding for finding, _ in self._scan(content, file_path)]

    def _scan(self, content: str, file_path: str) -> list[tuple[Finding, str]]:
        raw = list(self._raw(content, file_path))
        if not raw:
            return []
        lines = _Lines(content)
        found: dict[tuple[int, str], tuple[Finding, str]] = {}
        for rule_name, start, value in raw:
            number = lines.number(start)
            text = lines.text(number)
            if (number, value) in found or inline_suppressed(
                text, lines.text(number - 1), rule_name
            ):
                continue
            finding = self._finding(file_path, number, rule_name, value)
            found[(number, value)] = (finding, _context(text, value))
        return sorted(found.values(), key=lambda pair: (pair[0].line, pair[0].rule))

    def _raw(self, content: str, file_path: str) -> Iterator[tuple[str, int, str]]:
        seen: set[str] = set()
        for rule in active_rules(content, self.rules.values(), file_path):
            check = getattr(rule, "check", None)
            for match in rule.pattern.finditer(content):
                value = match.group(rule.group)
                if _rejected(rule, value) or (check is not None and not check(match)):
                    continue
                seen.add(value)
                yield rule.name, match.start(rule.group), value
        if self.generic:
            for hit in generic_hits(content, file_path):
                if not any(hit.value in s or s in hit.value for s in seen):
                    yield GENERIC_RULE, hit.start, hit.value

    def _finding(self, file_path: str, line: int, rule_name: str, value: str) -> Finding:
        rule = self.rules.get(rule_name)
        severity = rule.severity if rule else "medium"
        confidence = "high" if rule else "medium"
        description = rule.description if rule else "Password, secret or token assigned a value"
        return Finding(
            file=file_path, line=line, rule=rule_name, kind="secret", severity=severity,
            confidence=confidence, masked=mask(value), message=f"{description} in source",
            fingerprint=fingerprint(rule_name, value), secret_hash=sha1(value),
        )

    def scan_content(self, content: str, file_path: str = "<string>") -> list[SecretMatch]:
        return [
            SecretMatch(f.file, f.line, f.rule, f.masked, context)
            for f, context in self._scan(content, file_path)
        ]

    def scan_file(self, file_path: str | Path) -> list[SecretMatch]:
        path = Path(file_path)
        text = files.read_text(path, str(file_path), self.max_file_bytes)
        if isinstance(text, Note):
            self.notes.append(text)
            return []
        return self.scan_content(text, str(file_path))

    def scan_directory(self, directory: str | Path, recursive: bool = True) -> list[SecretMatch]:
        matches: list[SecretMatch] = []
        for path in files.walk(Path(directory), recursive=recursive):
            matches.extend(self.scan_file(path))
        return matches


def _rejected(rule: Rule, value: str) -> bool:
    lowered = value.lower()
    if "example" in lowered or "xxxx" in lowered or "${" in value or "{{" in value:
        return True
    if rule.min_entropy == 0 and getattr(rule, "check", None) is None and is_placeholder(value):
        return True
    return rule.min_entropy > 0 and entropy(value) < rule.min_entropy


def _context(line: str, value: str) -> str:
    """The finding's line with the secret (and anything else credential-like) masked."""
    text = mask_text(line.strip().replace(value, mask(value)))
    return text[:157] + "..." if len(text) > 160 else text
