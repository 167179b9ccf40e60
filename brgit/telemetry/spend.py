"""Spend per segment and UTC day, kept up to date from what changed: what `CostTracker.spent`
(budget checks, before every model choice) reads instead of the whole ledger.

Sealed segments are immutable: each is summarised once (per-day sums, the idempotency keys,
skipped-line counts) and the summary cached in `spend/<segment>.json` (valid while the file's
inode, size and mtime match). The live segment is read on from the byte offset already read,
as long as it is the same file (same inode, not shorter, the same bytes at its start and just
before the offset). A last line without its newline is counted but read again next time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from brgit.telemetry import segcache
from brgit.telemetry.daily import DayDetail, SegmentSpend, first_seen, segment_spend
from brgit.telemetry.money import Money, Row, Tally
from brgit.telemetry.reader import ReadStats, Segment, parse_line, parse_lines, read_segment

SPEND_VERSION = 2  # bump whenever what a `spend/<segment>.json` cache holds changes


Handles = dict[str, tuple[Segment, IO[bytes]]]
DAYS_KEPT = 4  # days whose records are kept in order, for periods that start inside them
HEAD = 256  # bytes of the live segment's start and of the end of what was read, compared
CHUNK = 1 << 20


@dataclasses.dataclass
class _Sealed:
    name: str
    ident: tuple[int, int, int]  # inode, size, mtime (ns) of the file read
    summary: SegmentSpend  # every record, de-duplicated within the segment
    exclude: frozenset[Any]  # its keys that an earlier segment holds (rare)
    effective: SegmentSpend  # the summary without the records of those keys


class _Live:
    """What was read of the live segment: whole lines up to `offset` of one file."""

    def __init__(self, st: os.stat_result) -> None:
        self.file = (st.st_dev, st.st_ino)
        self.offset = 0
        self.head = b""  # the file's first bytes
        self.anchor = b""  # the bytes just before `offset`
        self.stats = ReadStats()
        self.local: set[Any] = set()
        self.rows: list[Row] = []  # every key's first record
        self.spend = SegmentSpend()  # rows whose key no sealed segment holds
        self.generation = -1  # of the sealed keys `spend` was computed against
        self.tail: list[Row] = []  # a last line without its newline yet
        self.tail_stats = ReadStats()

    def same_file(self, fd: int, st: os.stat_result) -> bool:
        """Still the file read so far, grown or not (a rotation or a replacement, even one
        that reuses the inode number, changes the bytes compared; a truncation the size)."""
        if (st.st_dev, st.st_ino) != self.file or st.st_size < self.offset:
            return False
        at = self.offset - len(self.anchor)
        return os.pread(fd, len(self.head), 0) == self.head and (
            os.pread(fd, len(self.anchor), at) == self.anchor
        )

    def recount(self, seen: set[Any], generation: int) -> None:
        self.spend = SegmentSpend()
        for row in self.rows:
            if row.key is None or row.key not in seen:
                self.spend.add(row)
        self.generation = generation

    def read(self, handle: IO[bytes], seen: set[Any]) -> None:
        """Read on from `offset`: whole lines are kept; a last line without its newline (a
        writer may be halfway through it) is parsed but left to be read again next time."""
        handle.seek(self.offset)
        pending = b""
        while chunk := handle.read(CHUNK):
            data = pending + chunk
            end = data.rfind(b"\n") + 1
            if end:
                self._consume(data[:end], seen)
            pending = data[end:]
        self.tail_stats = stats = ReadStats()
        found = first_seen(parse_line(pending, stats), stats, set(), self.local)
        self.tail = [row for row in found if row.key is None or row.key not in seen]

    def _consume(self, block: bytes, seen: set[Any]) -> None:
        stats, local = ReadStats(), set[Any]()
        rows = list(first_seen(parse_lines(block.split(b"\n"), stats), stats, local, self.local))
        for row in rows:  # nothing is kept unless every line was taken
            if row.key is None or row.key not in seen:
                self.spend.add(row)
        self.rows += rows
        self.local |= local
        self.stats.add(stats)
        if len(self.head) < HEAD:
            self.head = (self.head + block)[:HEAD]
        self.anchor = (self.anchor + block)[-HEAD:]
        self.offset += len(block)

    def add_since(self, since: str | None, seen: set[Any], out: Money) -> None:
        if not self.spend.add_since(since, out) and since is not None:
            for row in self._day_share(since, seen):
                out.add(row.cost)
        for row in self.tail:
            if since is None or row.ts >= since:
                out.add(row.cost)

    def tally_since(self, since: str | None, seen: set[Any], out: Tally) -> None:
        if not self.spend.tally_since(since, out) and since is not None:
            for row in self._day_share(since, seen):
                out.add(row)
        for row in self.tail:
            if since is None or row.ts >= since:
                out.add(row)

    def _day_share(self, since: str, seen: set[Any]) -> Iterator[Row]:
        """The counted rows of the day `since` falls in, at or after it."""
        day = since[:10]
        for row in self.rows:
            counted = row.key is None or row.key not in seen
            if counted and row.ts[:10] == day and row.ts >= since:
                yield row


class SpendIndex:
    """The spend of one ledger directory by segment and UTC day, brought up to date from
    what changed: new sealed segments are summarised once (or loaded from their cache), the
    live one is read on from where the last call stopped. Exact: de-duplication follows the
    ledger's order and sums are exact (see `Money`), so every total equals a full rescan."""

    def __init__(self, directory: Path, cache_dir: Path) -> None:
        self.directory = directory
        self.cache_dir = cache_dir
        self.lock = threading.Lock()
        self.sealed: list[_Sealed] = []
        self.seen: set[Any] = set()  # every key of the sealed segments
        self.generation = 0  # bumped whenever `seen` changes
        self.live: _Live | None = None
        self.details: dict[tuple[Any, ...], DayDetail] = {}
        self.days: list[str] = []  # the days of `details`, most recent last

    def refresh(self, handles: list[tuple[Segment, IO[bytes]]]) -> None:
        """Catch up with a snapshot of the store (handles opened under its shared lock)."""
        self._refresh_sealed([(seg, h) for seg, h in handles if seg.sealed])
        live = next((h for seg, h in handles if not seg.sealed), None)
        if live is None:
            self.live = None
            return
        st = os.fstat(live.fileno())
        if self.live is None or not self.live.same_file(live.fileno(), st):
            self.live = _Live(st)
        if self.live.generation != self.generation:
            self.live.recount(self.seen, self.generation)
        self.live.read(live, self.seen)

    def _refresh_sealed(self, sealed: list[tuple[Segment, IO[bytes]]]) -> None:
        idents = [(seg.name, _ident(handle)) for seg, handle in sealed]
        known = [(part.name, part.ident) for part in self.sealed]
        if idents == known:
            return
        previous = {(part.name, part.ident): part for part in self.sealed}
        if idents[: len(known)] == known:  # new segments after the known ones: the usual case
            start, parts, seen = len(known), self.sealed, self.seen
        else:  # retention, a migration or a crash leftover changed the order: recombine
            start, parts, seen = 0, [], set()
        if start == 0:
            _prune(self.cache_dir, self.directory)
        self.generation += 1
        for (seg, handle), (name, ident) in zip(sealed[start:], idents[start:], strict=True):
            old = previous.get((name, ident))
            summary = old.summary if old else self._summary(seg, handle, ident)
            exclude = frozenset(seen.intersection(summary.keys))
            if old is not None and old.exclude == exclude:
                effective = old.effective
            elif exclude:  # a key repeated from an earlier segment: leave its records out
                again = ReadStats()
                effective = segment_spend(_reread(seg, handle, again), again, exclude)
            else:
                effective = summary
            parts.append(_Sealed(name, ident, summary, exclude, effective))
            seen.update(summary.keys)
        self.sealed, self.seen = parts, seen
        names = {(part.name, part.ident) for part in parts}
        self.details = {k: v for k, v in self.details.items() if k[:2] in names}

    def _summary(
        self, seg: Segment, handle: IO[bytes], ident: tuple[int, int, int]
    ) -> SegmentSpend:
        """A sealed segment's spend: from its cache when the cache matches the file, else
        read once (and cached when the store is writable)."""
        payload = segcache.load(seg, self.cache_dir, version=SPEND_VERSION)
        if payload is not None and payload.get("ident") == list(ident):
            # any damage inside a cache that matches the file: rebuild it from the segment
            with contextlib.suppress(Exception):
                return SegmentSpend.from_payload(payload)
        stats = ReadStats()
        summary = segment_spend(_reread(seg, handle, stats), stats)
        payload = {"version": SPEND_VERSION, "size": ident[1], "ident": list(ident)}
        segcache.save(seg, self.cache_dir, payload | summary.to_payload())
        return summary

    def total(self, since: str | None, handles: Handles) -> float:
        """USD of every counted record at or after `since` (None: all)."""
        out = Money()
        for part in self.sealed:
            if not part.effective.add_since(since, out) and since is not None:
                out.merge(self._detail(part, since[:10], handles).since(since))
        if self.live is not None:
            self.live.add_since(since, self.seen, out)
        return out.value()

    def tally(self, since: str | None, handles: Handles) -> Tally:
        """The summary of every counted record at or after `since` (None: all): what a full
        scan of the ledger gives, from the per-day sums of each segment."""
        out = Tally()
        for part in self.sealed:
            if not part.effective.tally_since(since, out) and since is not None:
                for row in self._detail(part, since[:10], handles).rows_since(since):
                    out.add(row)
        if self.live is not None:
            self.live.tally_since(since, self.seen, out)
        return out

    def _detail(self, part: _Sealed, day: str, handles: Handles) -> DayDetail:
        """The records of `day` in a sealed segment, read again once per day and segment."""
        key = (part.name, part.ident, part.exclude, day)
        detail = self.details.get(key)
        if detail is None:
            seg, handle = handles[part.name]
            again = ReadStats()
            rows = first_seen(_reread(seg, handle, again), again, set())
            detail = DayDetail.of(
                row for row in rows if row.ts[:10] == day and row.key not in part.exclude
            )
            self.details[key] = detail
        if day in self.days:
            self.days.remove(day)
        self.days.append(day)
        if len(self.days) > DAYS_KEPT:  # the three periods start in at most three days
            gone = self.days.pop(0)
            self.details = {k: v for k, v in self.details.items() if k[3] != gone}
        return detail

    def stats(self) -> ReadStats:
        """What a full read of the ledger would have skipped, segment by segment."""
        out = ReadStats()
        parts = [p.summary.stats for p in self.sealed]
        if self.live is not None:
            parts += [self.live.stats, self.live.tail_stats]
        for stats in parts:
            out.add(stats)
        return out


def _ident(handle: IO[bytes]) -> tuple[int, int, int]:
    st = os.fstat(handle.fileno())
    return st.st_ino, st.st_size, st.st_mtime_ns


def _reread(
    seg: Segment, handle: IO[bytes], stats: ReadStats | None = None
) -> Iterator[dict[str, Any]]:
    handle.seek(0)
    return read_segment(seg, handle, stats if stats is not None else ReadStats())


def _prune(cache_dir: Path, directory: Path) -> None:
    """Drop the caches of segments that are gone (retention, a migration)."""
    with contextlib.suppress(OSError):
        for cache in cache_dir.iterdir():
            if cache.suffix == ".json" and not (directory / cache.stem).exists():
                cache.unlink(missing_ok=True)
