"""Result values of a scan: findings, the API reference's SecretMatch, notes and the report."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

CWE = {"secret": "CWE-798", "sql": "CWE-89"}


@dataclass(frozen=True)
class Finding:
    """One thing a scanner found. `masked` never holds a whole secret."""

    file: str
    line: int
    rule: str
    kind: str  # "secret" | "sql"
    severity: str  # "high" | "medium" | "low"
    confidence: str  # "high" | "medium" | "low"
    masked: str
    message: str
    fingerprint: str
    secret_hash: str = ""  # SHA-1 of the secret (detect-secrets' hashed_secret); secrets only
    commit: str = ""  # history scans: the commit that added the line, and its author date
    date: str = ""

    @property
    def type(self) -> str:
        return self.rule

    @property
    def cwe(self) -> str:
        return CWE[self.kind]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("secret_hash")
        data["masked_value"] = data.pop("masked")
        if not data["commit"]:
            data.pop("commit")
            data.pop("date")
        return {"file": printable(data.pop("file")), "line": data.pop("line"),
                "type": self.rule, **data, "cwe": self.cwe}


@dataclass(frozen=True)
class SecretMatch:
    """The API reference's record of one exposed secret."""

    file_path: str
    line_number: int
    secret_type: str
    masked_value: str
    context: str


@dataclass(frozen=True)
class SQLVulnerability:
    """The API reference's record of one SQL-injection risk."""

    file_path: str
    line_number: int
    rule: str
    severity: str
    confidence: str
    description: str
    snippet: str


@dataclass(frozen=True)
class Note:
    """A file that was skipped or not fully analysed, and why.

    `kind`: "skipped" (not read: too large, not a regular file, a symlink not followed),
    "pattern" (Python that does not parse here, checked for SQL by pattern instead) or
    "error" (a scanner failed on this file; the others' findings are kept).
    """

    file: str
    reason: str
    kind: str = "skipped"


@dataclass
class ScanReport:
    findings: list[Finding] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    files_scanned: int = 0
    suppressed: int = 0

    @property
    def clean(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict[str, Any]:
        return {
            "findings": [f.to_dict() for f in self.findings],
            "notes": [asdict(n) for n in self.notes],
            "files_scanned": self.files_scanned,
            "suppressed": self.suppressed,
        }


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


def fingerprint(rule: str, anchor: str) -> str:
    """A line-independent id: 16 hex digits of SHA-1 over the rule and the secret or code."""
    return sha1(f"{rule}\0{anchor}")[:16]


def printable(name: str) -> str:
    """`name` as valid UTF-8 text: bytes that are not UTF-8 become `\\xNN`."""
    if not any("\udc80" <= c <= "\udcff" for c in name):
        return name
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def display_name(name: str) -> str:
    """A file name safe for one `file:line:` line: a name holding a newline, a tab, any other
    control character or undecodable bytes is quoted with escapes, as git quotes paths."""
    if name.isprintable() and '"' not in name[:1]:
        return name
    escaped = []
    for char in name:
        if char in '"\\':
            escaped.append("\\" + char)
        elif char.isprintable():
            escaped.append(char)
        elif "\udc80" <= char <= "\udcff":
            escaped.append(f"\\x{ord(char) - 0xDC00:02x}")
        else:
            escaped.append(char.encode("unicode_escape").decode("ascii"))
    return '"' + "".join(escaped) + '"'
