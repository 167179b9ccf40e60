"""Reading and walking files for the scanners: binary, oversized, non-UTF-8 and unreadable files
(symlink loops included) are skipped with a note, never a crash."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from brgit.security.model import Note

MAX_FILE_BYTES = 5_000_000
SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox",
    ".mypy_cache", ".ruff_cache", ".pytest_cache", ".buildrunner", ".worktrees",
})


def decode(data: bytes, name: str, max_bytes: int = MAX_FILE_BYTES) -> str | Note:
    """The text of a file's bytes, or the note saying why it is skipped."""
    if len(data) > max_bytes:
        return Note(name, f"skipped: larger than {max_bytes} bytes")
    if b"\0" in data[:8192]:
        return Note(name, "skipped: binary file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return Note(name, "skipped: not UTF-8 text")


def read_text(path: Path, name: str, max_bytes: int = MAX_FILE_BYTES) -> str | Note:
    try:
        if path.stat().st_size > max_bytes:
            return Note(name, f"skipped: larger than {max_bytes} bytes")
        data = path.read_bytes()
    except OSError as exc:
        return Note(name, f"skipped: {exc.strerror or type(exc).__name__}")
    return decode(data, name, max_bytes)


def excluded(rel_path: str, patterns: Iterable[str]) -> bool:
    name = rel_path.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(rel_path, p) or fnmatch.fnmatchcase(name, p)
               or rel_path.startswith(p.rstrip("/") + "/") for p in patterns)


def walk(directory: Path, *, recursive: bool = True, exclude: Iterable[str] = ()) -> Iterator[Path]:
    """Regular files under `directory` (symlinks to directories are not followed)."""
    patterns = tuple(exclude)
    for top, dirs, files in os.walk(directory, followlinks=False):
        if not recursive:
            dirs.clear()
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS)
        for name in sorted(files):
            path = Path(top, name)
            rel = relative(path, directory)
            if not excluded(rel, patterns):
                yield path


def relative(path: Path, base: Path) -> str:
    """`path` relative to `base` in POSIX form (never follows a symlink of `path` itself)."""
    absolute = Path(os.path.abspath(path))  # noqa: PTH100 - resolve() would follow the link
    for candidate in (absolute, Path(os.path.realpath(absolute.parent)) / absolute.name):
        try:
            return candidate.relative_to(base).as_posix()
        except ValueError:
            continue
    return path.as_posix()
