"""Suppression: inline comments and the whitelist file.

Inline forms, on the finding's line (any comment syntax):

- `pragma: allowlist secret` (detect-secrets; `pragma: allowlist nextline secret` on the line
  above also works);
- `nosec` (bandit), optionally followed by codes;
- `br: ignore` (everything on the line) or `br: ignore[rule-a, rule-b]` (only those rules).

The whitelist file (`security.whitelist_file`, default `.buildrunner/security/whitelist.txt`)
holds one entry a line: a path glob (`tests/fixtures/**`, `*.pem`) or a finding fingerprint
(16 hex digits, as printed by `br security scan --format json`). `#` starts a comment.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path

_BR_IGNORE = re.compile(r"br:\s*ignore(?:\[([^\]]*)\])?")
_FINGERPRINT = re.compile(r"^[0-9a-f]{16}$")


def inline_suppressed(line: str, previous: str, rule: str) -> bool:
    """Whether an inline comment on `line` (or a nextline pragma above it) silences `rule`."""
    if "pragma: allowlist secret" in line or "pragma: allowlist nextline secret" in previous:
        return True
    if "nosec" in line and re.search(r"[#/*]\s*nosec\b", line):
        return True
    for match in _BR_IGNORE.finditer(line):
        names = match.group(1)
        if names is None or rule in {n.strip() for n in names.split(",")}:
            return True
    return False


@dataclass(frozen=True)
class Whitelist:
    globs: tuple[str, ...] = ()
    fingerprints: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def parse(cls, text: str) -> Whitelist:
        globs: list[str] = []
        prints: set[str] = set()
        for raw in text.splitlines():
            entry = raw.split("#", 1)[0].strip()
            if not entry:
                continue
            (prints.add(entry) if _FINGERPRINT.match(entry) else globs.append(entry))
        return cls(tuple(globs), frozenset(prints))

    @classmethod
    def load(cls, path: Path) -> Whitelist:
        """The whitelist file (a missing, unreadable or special file, a FIFO say, is empty)."""
        from brgit.security.files import read_bytes

        data = read_bytes(path, 1_000_000)
        return cls.parse(data.decode("utf-8", "replace")) if isinstance(data, bytes) else cls()

    def path_allowed(self, rel_path: str) -> bool:
        """Whether the whole file is whitelisted by a glob."""
        name = rel_path.rsplit("/", 1)[-1]
        for glob in self.globs:
            pattern = glob.rstrip("/")
            if fnmatch.fnmatchcase(rel_path, pattern) or fnmatch.fnmatchcase(name, pattern):
                return True
            if rel_path.startswith(pattern + "/") or fnmatch.fnmatchcase(rel_path, pattern + "/*"):
                return True
        return False

    def allows(self, rel_path: str, finding_fingerprint: str) -> bool:
        return finding_fingerprint in self.fingerprints or self.path_allowed(rel_path)
