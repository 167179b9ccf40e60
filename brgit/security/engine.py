"""One scan over files or staged blobs: secrets and SQL, then the whitelist and the baseline."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from brgit.security import files
from brgit.security.baseline import known_hashes
from brgit.security.languages import language_of
from brgit.security.masking import mask_text
from brgit.security.model import Finding, Note, ScanReport
from brgit.security.secrets import SecretScanner
from brgit.security.settings import SecuritySettings
from brgit.security.suppress import Whitelist

if TYPE_CHECKING:
    from brgit.security.sql import SQLInjectionDetector


def _sql_detector(max_file_bytes: int) -> SQLInjectionDetector:
    """Imported only when SQL is scanned (the secrets hook never loads the SQL analysers)."""
    from brgit.security.sql import SQLInjectionDetector

    return SQLInjectionDetector(max_file_bytes)


class Engine:
    def __init__(
        self,
        settings: SecuritySettings,
        *,
        secrets: bool = True,
        sql: bool = True,
        use_baseline: bool = True,
    ) -> None:
        self.settings = settings
        self.secret_scanner = SecretScanner(max_file_bytes=settings.max_file_bytes) \
            if secrets else None
        self.sql_detector = _sql_detector(settings.max_file_bytes) if sql else None
        self.whitelist = Whitelist.load(settings.whitelist_path)
        self.known = known_hashes(settings.baseline_path) if use_baseline and secrets else set()
        self.report = ScanReport()

    def scan_text(self, rel: str, text: str) -> list[Finding]:
        found: list[Finding] = []
        secrets, sql = self.secret_scanner, self.sql_detector
        if secrets is not None:
            found += self._guarded(rel, "secrets", lambda: secrets.findings(text, rel))
        language = language_of(rel)
        if sql is not None and language is not None:
            found += self._guarded(rel, "SQL injection",
                                   lambda: sql.findings(text, language, rel))
            self.report.notes += sql.notes
            sql.notes = []
        kept = [f for f in found if self._kept(rel, f)]
        self.report.suppressed += len(found) - len(kept)
        return kept

    def _guarded(self, rel: str, what: str, scan: Callable[[], list[Finding]]) -> list[Finding]:
        """One file's scan; if a scanner fails on it, the file is reported as not analysed
        (for that scanner) and the scan goes on with the other files."""
        try:
            return scan()
        except Exception as exc:
            detail = mask_text(str(exc).splitlines()[0][:120]) if str(exc) else ""
            self.report.notes.append(Note(
                rel, f"{what} scanner failed ({type(exc).__name__}{': ' if detail else ''}"
                f"{detail})", "error"))
            return []

    def _kept(self, rel: str, finding: Finding) -> bool:
        if (rel, finding.secret_hash) in self.known and finding.kind == "secret":
            return False
        return not self.whitelist.allows(rel, finding.fingerprint)

    def wanted(self, rel: str) -> bool:
        if files.SKIP_DIRS.intersection(rel.split("/")[:-1]):
            return False
        if files.excluded(rel, self.settings.exclude) or self.whitelist.path_allowed(rel):
            return False
        return rel != self.settings.baseline_file

    def add_text(self, rel: str, text: str | Note) -> None:
        if isinstance(text, Note):
            self.report.notes.append(text)
            return
        self.report.files_scanned += 1
        self.report.findings += self.scan_text(rel, text)

    def scan_paths(self, paths: Iterable[Path]) -> ScanReport:
        for path in paths:
            rel = files.relative(path, self.settings.top)
            if self.wanted(rel):
                self.add_text(rel, files.read_text(path, rel, self.settings.max_file_bytes,
                                                   self.settings.top))
        return self.report

    def scan_directory(self, directory: Path, *, recursive: bool = True) -> ScanReport:
        return self.scan_paths(files.walk(directory, recursive=recursive,
                                          exclude=self.settings.exclude))

    def scan_blobs(self, blobs: Iterable[tuple[str, bytes]]) -> ScanReport:
        for rel, data in blobs:
            if self.wanted(rel):
                self.add_text(rel, files.decode(data, rel, self.settings.max_file_bytes))
        return self.report
