"""Reading and walking files for the scanners, safely.

Reads are bounded (at most `max_bytes` + 1 bytes), never block and never follow a symlink out
of the tree being scanned: devices (`/dev/zero`), FIFOs and sockets are skipped, as are
symlinks to directories or to anything outside the root, with a note saying why. Bytes that
are not UTF-8, and binary files, are still scanned (decoded with replacement characters), so
one stray byte or a NUL can never let a secret through unseen.
"""

from __future__ import annotations

import codecs
import fnmatch
import os
import re
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path

from brgit.security.model import Note

MAX_FILE_BYTES = 5_000_000
SKIP_DIRS = frozenset({
    ".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox", ".nox",
    ".mypy_cache", ".ruff_cache", ".pytest_cache", ".buildrunner", ".worktrees",
})
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.MULTILINE)
_BINARY_NOISE = bytes(b if b in (9, 10) or 32 <= b < 127 else 32 for b in range(256))
_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0)


def decode(data: bytes, name: str, max_bytes: int = MAX_FILE_BYTES) -> str | Note:
    """The text of a file's bytes (always, unless it is too large): UTF-8, UTF-16 with a BOM,
    a declared Python source encoding, else UTF-8 with replacement characters."""
    if len(data) > max_bytes:
        return Note(name, f"larger than {max_bytes} bytes")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", "replace")
    if b"\0" in data[:8192]:  # binary: its printable runs, lines kept, other bytes spaces
        return data.translate(_BINARY_NOISE).decode("ascii")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _CODING.search(b"\n".join(data.split(b"\n", 2)[:2]))
    if declared:
        try:
            return data.decode(declared.group(1).decode("ascii"), "replace")
        except LookupError:
            pass
    return data.decode("utf-8", "replace")


def read_bytes(path: Path, max_bytes: int = MAX_FILE_BYTES,
               root: Path | None = None) -> bytes | str:
    """Up to `max_bytes` + 1 bytes of a regular file, or the reason it is not read."""
    try:
        target = _target(path, root)
        if isinstance(target, str):
            return target
        fd = os.open(target, _OPEN_FLAGS | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return f"not a regular file ({_kind(info.st_mode)})"
        if info.st_size > max_bytes:
            return f"larger than {max_bytes} bytes"
        return _read_at_most(fd, max_bytes + 1)
    except OSError as exc:
        return exc.strerror or type(exc).__name__
    finally:
        os.close(fd)


def _target(path: Path, root: Path | None) -> Path | str:
    """The path to open (a symlink resolved), or why a symlink is not followed."""
    if not path.is_symlink():
        return path
    real = os.path.realpath(path, strict=True)  # raises on a loop or a dangling link
    if root is not None and not _inside(real, os.path.realpath(root)):
        return "symlink pointing outside the repository (not followed)"
    if Path(real).is_dir():
        return "symlink to a directory"
    return Path(real)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "FIFO"), (stat.S_ISCHR, "device"),
                       (stat.S_ISBLK, "device"), (stat.S_ISSOCK, "socket"),
                       (stat.S_ISDIR, "directory")):
        if test(mode):
            return name
    return "special file"


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_text(path: Path, name: str, max_bytes: int = MAX_FILE_BYTES,
              root: Path | None = None) -> str | Note:
    data = read_bytes(path, max_bytes, root)
    if isinstance(data, str):
        return Note(name, data)
    return decode(data, name, max_bytes)


def excluded(rel_path: str, patterns: Iterable[str]) -> bool:
    name = rel_path.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatchcase(rel_path, p) or fnmatch.fnmatchcase(name, p)
               or rel_path.startswith(p.rstrip("/") + "/") for p in patterns)


def walk(directory: Path, *, recursive: bool = True, exclude: Iterable[str] = ()) -> Iterator[Path]:
    """Files under `directory` (symlinks to directories are not followed)."""
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
