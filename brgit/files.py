"""Files written whole or not at all, and exclusive locks on files: the one place for both.

A crash, a full disk or a concurrent reader never sees half a file: everything is written to a
temporary file beside its target and renamed over it. Locks are `flock` on a lock file (Linux
and other POSIX systems; see the README's platform note), released when the block ends or the
process dies.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


@contextmanager
def replacing(
    target: Path, *, durable: bool = True, mode: int | None = None
) -> Iterator[IO[bytes]]:
    """A binary handle whose bytes become `target` when the block ends without an error.
    `durable` fsyncs them first (survives a power loss, at the cost of a disk flush); `mode`
    sets the file's permissions. On an error the target is left as it was."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with tmp.open("wb") as handle:
            yield handle
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        if mode is not None:
            tmp.chmod(mode)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write(
    file: Path, text: str, *, durable: bool = True, mode: int | None = None
) -> None:
    """Write `text` (UTF-8) to `file` whole or not at all (see `replacing`)."""
    with replacing(file, durable=durable, mode=mode) as handle:
        handle.write(text.encode("utf-8"))


@contextmanager
def locked(lock_file: Path, *, wait: bool = True) -> Iterator[bool]:
    """Hold an exclusive lock on `lock_file` (created if missing) while the block runs, across
    threads and processes. With `wait=False` it does not wait for another holder: the block
    then gets False and holds nothing."""
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # closing releases the lock
