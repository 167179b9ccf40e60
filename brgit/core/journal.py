"""A session's journal: the changes since its last snapshot, one JSON line each.

A running session changes one task at a time. Rewriting the whole record (plan included) on
every change made a session's bookkeeping grow with the square of its tasks, so the supervisor
appends each change instead: a line `{"t": {...}, "at": TIME}` holds one task's whole record,
a line `{"s": {...}, "at": TIME}` the session's own fields (TIME becomes its `updated_at`).
Lines are whole states, not deltas, so applying one twice changes nothing, which is what lets
a reader or a compaction race safely.

Every line is one `write()` on an `O_APPEND` descriptor (no torn or interleaved lines between
threads); a line that did not end in a newline (a kill mid-write) is ignored when read.
Compaction writes the whole record as the snapshot (`session.json`, atomically, fsynced) and
then empties the journal; a reader that saw the snapshot change while it read starts again.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

JOURNAL_NAME = "journal.jsonl"
TASK, SESSION = "t", "s"


class Journal:
    """Appends lines to one session's journal file; thread-safe."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.lines = 0  # appended since the journal was last emptied
        self._lock = threading.Lock()
        self._fd: int | None = None

    def append(self, kind: str, value: dict[str, Any], at: str, *, durable: bool = False) -> None:
        """One change made at `at`; `durable` also flushes it to the disk (a task's final
        state, which `br parallel resume` must find after a power loss)."""
        line = json.dumps({kind: value, "at": at}, separators=(",", ":")) + "\n"
        with self._lock:
            fd = self._open()
            _write_all(fd, line.encode("utf-8"))
            if durable:
                os.fdatasync(fd)
            self.lines += 1

    def empty(self) -> None:
        """Drop every line (after a snapshot that holds them): truncated, not removed, so an
        open descriptor keeps appending to the same file."""
        with self._lock:
            os.ftruncate(self._open(), 0)
            self.lines = 0

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None

    def _open(self) -> int:
        if self._fd is None:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        return self._fd

    def __del__(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            try:
                os.close(fd)
            except OSError:
                pass


def _write_all(fd: int, data: bytes) -> None:
    """One write for the whole line; a short write (a full disk) is an error, not a torn line
    passed over in silence."""
    written = os.write(fd, data)
    if written != len(data):
        raise OSError(f"short write to the session journal ({written} of {len(data)} bytes)")


def read_lines(file: Path) -> Iterator[tuple[str, dict[str, Any], str]]:
    """The journal's changes in order (kind, value, time); a torn or unreadable line is
    skipped."""
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        return
    for raw in data.split(b"\n")[:-1]:  # the part after the last newline is unfinished
        try:
            line = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(line, dict):
            continue
        at = str(line.get("at") or "")
        for kind in (TASK, SESSION):
            value = line.get(kind)
            if isinstance(value, dict):
                yield kind, value, at


def empty_file(file: Path) -> None:
    """Empty the journal at `file` from outside the writer (a snapshot written by another
    process, once the supervisor is gone)."""
    try:
        with file.open("r+b") as handle:
            handle.truncate(0)
    except FileNotFoundError:
        pass
