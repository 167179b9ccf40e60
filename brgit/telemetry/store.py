"""Append-only JSONL segments with gzip rotation, safe for many processes at once.

Layout of one stream directory (events, costs):
    current.jsonl                       the live segment; every writer appends here
    <prefix>-<utc>-<pid>-<n>.jsonl      a sealed segment not yet compressed (crash leftover)
    <prefix>-<utc>-<pid>-<n>.jsonl.gz   a sealed, compressed segment
    .lock                               flock: shared while appending, exclusive to rotate

Guarantees: one `os.write` per record on an O_APPEND descriptor (no torn or lost records);
a writer holds the shared lock while it checks the rotation generation (a counter in the
mmapped lock file that every rotation bumps) and writes, so a rotation (exclusive lock) never
seals a file someone is still writing. The live file's size is checked every CHECK_EVERY
appends, so a segment may pass `max_bytes` by a few records per writer. Sealing is
rename -> gzip to a temporary file -> fsync -> rename -> unlink; a crash at any step leaves a
state readers read exactly once and the next rotation (or `recover()`) finishes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import gzip
import logging
import mmap
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from brgit.files import replacing
from brgit.telemetry.reader import SEALED_NAME, ReadStats, Segment, read_segment, sealed_at

log = logging.getLogger("brgit.telemetry")

LIVE = "current.jsonl"
LOCK = ".lock"
CHECK_EVERY = 16  # appends between checks of the live file's size and identity
_flock, _SH, _EX, _UN = fcntl.flock, fcntl.LOCK_SH, fcntl.LOCK_EX, fcntl.LOCK_UN


class SegmentStore:
    """One stream of JSONL records: `append(line)` never raises; reading skips bad lines."""

    def __init__(self, directory: Path, prefix: str, max_bytes: int, retention_days: int) -> None:
        self.directory = directory
        self.prefix = prefix
        self.max_bytes = max(1, max_bytes)
        self.retention_days = retention_days
        self.live = directory / LIVE
        self._live = os.fspath(self.live)
        self.errors = 0
        self.last_error: str | None = None
        self._fd: int | None = None
        self._ino = -1
        self._lock_fd: int | None = None
        self._map: mmap.mmap | None = None  # the lock file's rotation generation counter
        self._gen: bytes | None = None
        self._size = 0  # live size at the last check plus what this process wrote since
        self._budget = 0  # appends left before the live file is checked again
        self._seq = 0
        self._mutex = threading.RLock()  # threads of one process share the descriptors

    # ------------------------------------------------------------------ writing

    def append(self, line: bytes) -> bool:
        """Append one encoded record (ending in a newline); False (counted, logged) on error."""
        with self._mutex:
            try:
                return self._append(line)
            except OSError as exc:
                self._fail(f"cannot append to {self.live}: {exc.strerror or exc}")
                self._close_live()
                return False

    def _append(self, line: bytes) -> bool:
        lock = self._lock_fd if self._lock_fd is not None else self._lock()
        for _ in range(8):
            _flock(lock, _SH)
            try:
                gen = self._map[:8] if self._map is not None else None
                if gen is None or gen != self._gen or self._fd is None or self._budget <= 0:
                    self._size = self._ensure_live()
                    self._gen, self._budget = gen, CHECK_EVERY
                if self._size > 0 and self._size + len(line) > self.max_bytes:
                    self._budget = 0
                else:
                    written = os.write(self._fd or -1, line)
                    self._size += written
                    self._budget -= 1
                    if written != len(line):
                        self._fail(f"short write to {self.live} ({written}/{len(line)} bytes)")
                        return False
                    return True
            finally:
                _flock(lock, _UN)
            self.rotate(incoming=len(line))
        raise OSError(f"{self.live} kept changing under rotation")

    def _ensure_live(self) -> int:
        """(Re)open the live segment if it was rotated away; return its current size."""
        try:
            st = os.stat(self._live)  # noqa: PTH116 - hot path, str path
        except FileNotFoundError:
            st = None
        if st is None or st.st_ino != self._ino or self._fd is None:
            self._close_live()
            self._fd = os.open(self._live, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            st = os.fstat(self._fd)
            self._ino = st.st_ino
        return st.st_size

    def _lock(self) -> int:
        if self._lock_fd is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._lock_fd = os.open(self.directory / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
            with contextlib.suppress(OSError, ValueError):
                if os.fstat(self._lock_fd).st_size < 8:
                    os.ftruncate(self._lock_fd, 8)
                self._map = mmap.mmap(self._lock_fd, 8)
        return self._lock_fd

    def _bump_generation(self) -> None:
        """Tell every writer (under the exclusive lock) that the live file changed."""
        if self._map is not None:
            value = int.from_bytes(self._map[:8], "little") + 1
            self._map[:8] = value.to_bytes(8, "little")

    def _close_live(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
        self._fd, self._ino = None, -1

    def close(self) -> None:
        self._close_live()
        if self._map is not None:
            self._map.close()
            self._map = None
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._lock_fd)
            self._lock_fd = None

    def __del__(self) -> None:  # a store nobody holds any more gives its descriptors back
        with contextlib.suppress(Exception):
            self.close()

    def _fail(self, message: str) -> None:
        self.errors += 1
        self.last_error = message
        log.warning("telemetry: %s", message)

    # ------------------------------------------------------------------ rotation

    def rotate(self, force: bool = False, incoming: int = 0) -> Path | None:
        """Seal the live segment if `incoming` more bytes would overflow it (or `force`);
        compress sealed segments; apply retention. Returns the new sealed segment, if any."""
        with self._mutex:
            return self._rotate(force, incoming)

    def _rotate(self, force: bool, incoming: int) -> Path | None:
        lock = self._lock()
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            sealed = None
            with contextlib.suppress(FileNotFoundError):
                size = self.live.stat().st_size
                if size > 0 and (force or size + incoming > self.max_bytes):
                    sealed = self._sealed_name()
                    self.live.replace(sealed)
                    self._bump_generation()
            self._finish_pending()
            self._apply_retention()
            return sealed.with_name(sealed.name + ".gz") if sealed else None
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)

    def recover(self) -> None:
        """Finish any sealing a crash interrupted (compress leftovers, drop temp files)."""
        with self.exclusive():
            self._finish_pending()

    @contextlib.contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold the rotation lock: no writer appends and no rotation runs meanwhile."""
        with self._mutex:
            lock = self._lock()
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def write_sealed(self, lines: Iterable[bytes], replace: Segment | None = None) -> Path:
        """Write a sealed gzip segment atomically (replacing `replace` if given); call it
        under `exclusive()`."""
        if replace is None:
            target = self._sealed_name().with_suffix(".jsonl.gz")
        else:
            target = (
                replace.path if replace.compressed else replace.path.with_name(replace.name + ".gz")
            )
        with replacing(target) as raw, _gzip(raw) as gz:
            for line in lines:
                gz.write(line)
        if replace is not None and not replace.compressed:
            replace.path.unlink(missing_ok=True)
        return target

    def _sealed_name(self) -> Path:
        self._seq += 1
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        return self.directory / f"{self.prefix}-{stamp}Z-{os.getpid()}-{self._seq}.jsonl"

    def _finish_pending(self) -> None:
        for pattern in (".*.gz.*.tmp", "*.gz.tmp"):  # a sealing cut short by a crash
            for tmp in self.directory.glob(pattern):
                tmp.unlink(missing_ok=True)
        for plain in sorted(self.directory.glob(f"{self.prefix}-*.jsonl")):
            target = plain.with_name(plain.name + ".gz")
            if not target.exists():
                compress_file(plain, target)
            plain.unlink(missing_ok=True)

    def _apply_retention(self) -> None:
        if self.retention_days <= 0:
            return
        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=self.retention_days)
        for seg in self.segments():
            if seg.sealed and seg.sealed_at is not None and seg.sealed_at < cutoff:
                seg.path.unlink(missing_ok=True)

    # ------------------------------------------------------------------ reading

    def segments(self) -> list[Segment]:
        """Sealed segments oldest first, then the live one; each record appears in one."""
        if not self.directory.is_dir():
            return []
        names = {p.name for p in self.directory.iterdir()}
        out = []
        for name in sorted(names):
            match = SEALED_NAME.match(name)
            if not match or match["prefix"] != self.prefix:
                continue
            if not match["gz"] and f"{name}.gz" in names:
                continue  # compressed copy is complete; the plain one is a crash leftover
            out.append(Segment(self.directory / name, True, bool(match["gz"]), sealed_at(name)))
        if LIVE in names:
            out.append(Segment(self.live, False, False, None))
        return out

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[list[tuple[Segment, IO[bytes]]]]:
        """Open every segment under the shared lock, so a concurrent rotation is seen once."""
        handles: list[tuple[Segment, IO[bytes]]] = []
        with self._mutex:
            lock = self._try_lock() if self.directory.is_dir() else None
            try:
                for seg in self.segments():
                    with contextlib.suppress(FileNotFoundError):
                        handles.append((seg, seg.path.open("rb")))
            finally:
                if lock is not None:
                    fcntl.flock(lock, fcntl.LOCK_UN)
        try:
            yield handles
        finally:
            for _, handle in handles:
                handle.close()

    @contextlib.contextmanager
    def newest_first(self, stats: ReadStats) -> Iterator[Iterator[tuple[Segment, IO[bytes]]]]:
        """The segments newest first, each opened when it is reached (so a reader that stops
        early opens few). The list and the live segment are taken under the shared lock, so
        a rotation that runs meanwhile is seen once: the live handle stays on the file the
        list ends with. A segment that cannot be opened is reported in `stats`."""
        live: IO[bytes] | None = None
        with self._mutex:
            lock = self._try_lock() if self.directory.is_dir() else None
            try:
                listed = self.segments()
                if listed and not listed[-1].sealed:
                    live = _open(listed[-1], stats)
            finally:
                if lock is not None:
                    fcntl.flock(lock, fcntl.LOCK_UN)
        opened: list[IO[bytes]] = [live] if live is not None else []

        def walk() -> Iterator[tuple[Segment, IO[bytes]]]:
            for seg in reversed(listed):
                handle = live if not seg.sealed else _open_sealed(seg, stats)
                if handle is None:
                    continue
                if handle is not live:
                    opened.append(handle)
                yield (_compressed(seg) if handle.name.endswith(".gz") else seg), handle

        try:
            yield walk()
        finally:
            for handle in opened:
                handle.close()

    def _try_lock(self) -> int | None:
        try:
            lock = self._lock()
            fcntl.flock(lock, fcntl.LOCK_SH)
            return lock
        except OSError:
            return None  # read-only store: read without the lock

    def read(self, stats: ReadStats | None = None) -> Iterator[dict[str, Any]]:
        """Every record of every segment, oldest segment first."""
        stats = stats if stats is not None else ReadStats()
        with self.snapshot() as handles:
            for seg, handle in handles:
                yield from read_segment(seg, handle, stats)


def compress_file(plain: Path, target: Path) -> None:
    """plain -> target.gz through a temporary file, fsynced, then renamed into place."""
    with plain.open("rb") as src, replacing(target) as raw, _gzip(raw) as gz:
        while chunk := src.read(1 << 20):
            gz.write(chunk)


def _gzip(raw: IO[bytes]) -> gzip.GzipFile:
    """A gzip writer whose output depends only on the bytes written (no name, no time)."""
    return gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=3, mtime=0)


def _open(seg: Segment, stats: ReadStats) -> IO[bytes] | None:
    try:
        return seg.path.open("rb")
    except FileNotFoundError:
        return None  # removed by retention meanwhile
    except OSError as exc:
        stats.bad_segments.append(f"{seg.name}: cannot be read ({exc.strerror or exc})")
        return None


def _open_sealed(seg: Segment, stats: ReadStats) -> IO[bytes] | None:
    """A sealed segment; a plain one that a rotation has compressed since it was listed is
    opened as its `.gz`."""
    if not seg.compressed:
        try:
            return seg.path.open("rb")
        except FileNotFoundError:
            seg = _compressed(seg)
        except OSError:
            pass  # reported by the call below
    return _open(seg, stats)


def _compressed(seg: Segment) -> Segment:
    if seg.compressed:
        return seg
    return Segment(seg.path.with_name(seg.name + ".gz"), True, True, seg.sealed_at)
