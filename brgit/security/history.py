"""`br security scan --history`: secrets in every line a commit added, from one streaming
`git log -p` pass (oldest commit first), through the same rules, prefilter and masking as a
scan of files.

Each file of each commit is scanned as the run of lines that commit added to it (a hunk's
lines stay together, so a private key added in one piece is found whole). A finding names the
commit, its author date, the file and the line in that commit's version of the file. The same
secret in the same file is reported once, at the commit that first added it, however many
later commits touch it again. Merge commits add no lines of their own here (`git log -p` shows
no diff for them), so a secret typed while resolving a conflict is not seen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from brgit.errors import NotFoundError
from brgit.security import staged
from brgit.security.engine import Engine
from brgit.security.model import Note, ScanReport

_HUNK = re.compile(rb"^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@")
_ESCAPES = {b"n": b"\n", b"t": b"\t", b'"': b'"', b"\\": b"\\", b"a": b"\a", b"b": b"\b",
            b"f": b"\f", b"r": b"\r", b"v": b"\v"}


@dataclass
class Added:
    """The lines one commit added to one file."""

    commit: str
    date: str
    path: str
    numbers: list[int] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def unquote(raw: bytes) -> str:
    """A path as git prints it: C-quoted (`"a\\nb"`, octal escapes) when it needs to be."""
    if not (raw.startswith(b'"') and raw.endswith(b'"')):
        return raw.decode("utf-8", "surrogateescape")
    out, body, i = bytearray(), raw[1:-1], 0
    while i < len(body):
        if body[i : i + 1] == b"\\" and i + 1 < len(body):
            nxt = body[i + 1 : i + 2]
            if nxt in _ESCAPES:
                out += _ESCAPES[nxt]
                i += 2
                continue
            if body[i + 1 : i + 4].isdigit():
                out.append(int(body[i + 1 : i + 4], 8))
                i += 4
                continue
        out += body[i : i + 1]
        i += 1
    return bytes(out).decode("utf-8", "surrogateescape")


def added_lines(stream: Iterable[bytes]) -> Iterator[Added]:
    """Parse `git log -p -U0` output into the added lines of each (commit, file)."""
    commit = date = ""
    current: Added | None = None
    in_hunk, number = False, 0
    for raw in stream:
        line = raw.rstrip(b"\n")
        if line.startswith(b"\0commit "):
            commit, date = line[8:].decode("ascii", "replace").partition(" ")[::2]
        elif line.startswith(b"diff --git "):
            in_hunk = False
        elif not in_hunk and line.startswith(b"+++ "):
            if current is not None and current.lines:
                yield current
            target = line[4:].removesuffix(b"\t")  # git ends a name holding a space with a tab
            path = unquote(target)[2:] if target != b"/dev/null" else ""
            current = Added(commit, date, path) if path else None
        elif (hunk := _HUNK.match(line)) is not None:
            in_hunk, number = True, int(hunk.group(1))
        elif in_hunk and line.startswith(b"+") and current is not None:
            current.numbers.append(number)
            current.lines.append(line[1:].decode("utf-8", "replace"))
            number += 1
    if current is not None and current.lines:
        yield current


def scan_history(engine: Engine, top: Path, since: str | None = None) -> ScanReport:
    """Every secret any commit of the current branch added (after `since`, if given);
    `files_scanned` counts (commit, file) pairs."""
    staged.require_repository(top)
    if not staged.has_commits(top):
        raise NotFoundError("the repository has no commits yet: nothing to scan in its history")
    seen: set[tuple[str, str, str]] = set()
    limit = engine.settings.max_file_bytes
    for added in added_lines(staged.log_patches(top, since)):
        if not engine.wanted(added.path):
            continue
        engine.report.files_scanned += 1
        text = "\n".join(added.lines)
        if len(text) > limit:
            engine.report.notes.append(Note(added.path, f"lines added by {added.commit[:12]} "
                                                        f"are larger than {limit} bytes"))
            continue
        for finding in engine.scan_text(added.path, text):
            key = (added.path, finding.rule, finding.secret_hash or finding.fingerprint)
            if key in seen:
                continue
            seen.add(key)
            engine.report.findings.append(replace(
                finding, line=added.numbers[finding.line - 1], commit=added.commit,
                date=added.date))
    return engine.report
