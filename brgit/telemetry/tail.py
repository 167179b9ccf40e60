"""The last records of a stream, newest segment first, stopping once enough are found.

`br telemetry events --last N` wants the N events recorded last. They sit in the live segment
(read backwards from its end) and, when it holds fewer, in the newest sealed segments (gzip
cannot be read backwards: each is streamed, keeping only the last few that match). Memory is
bounded by N and one block, and the time by what is read, not by the history's length.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from typing import IO, Any

from brgit.telemetry.reader import ReadStats, Segment, parse_line, read_segment
from brgit.telemetry.store import SegmentStore

BLOCK = 1 << 16
Loader = Callable[[dict[str, Any], ReadStats], "dict[str, Any] | None"]
Keep = Callable[[dict[str, Any]], bool]


def last_records(
    store: SegmentStore,
    want: int,
    load: Loader,
    keep: Keep,
    stats: ReadStats,
    before_window: Callable[[Segment], bool] | None = None,
) -> list[dict[str, Any]]:
    """Up to `want` records (valid per `load`, and `keep` true for them) recorded last,
    oldest first. `before_window(seg)`: True when a sealed segment, and every older one,
    holds nothing `keep` wants (the scan stops there)."""
    found: list[dict[str, Any]] = []  # newest first
    with store.newest_first(stats) as segments:
        for seg, handle in segments:
            if seg.sealed and before_window is not None and before_window(seg):
                break
            need = want - len(found)
            if seg.compressed:
                found += _last_of_stream(seg, handle, need, load, keep, stats)
            else:
                found += _last_of_plain(handle, need, load, keep, stats)
            if len(found) >= want:
                break
    found.reverse()
    return found


def _last_of_plain(
    handle: IO[bytes], need: int, load: Loader, keep: Keep, stats: ReadStats
) -> list[dict[str, Any]]:
    """Newest first, read from the end of an uncompressed segment."""
    out: list[dict[str, Any]] = []
    end = handle.seek(0, 2)
    for line in lines_backwards(handle, end):
        for raw in parse_line(line, stats):
            record = load(raw, stats)
            if record is not None and keep(record):
                out.append(record)
        if len(out) >= need:
            break
    return out[:need]


def _last_of_stream(
    seg: Segment, handle: IO[bytes], need: int, load: Loader, keep: Keep, stats: ReadStats
) -> list[dict[str, Any]]:
    """Newest first: the last `need` wanted records of a gzip segment, read forward."""
    last: deque[dict[str, Any]] = deque(maxlen=need)
    for raw in read_segment(seg, handle, stats):
        record = load(raw, stats)
        if record is not None and keep(record):
            last.append(record)
    return list(reversed(last))


def lines_backwards(handle: IO[bytes], end: int) -> Iterator[bytes]:
    """The lines of `handle` up to byte `end`, last first (blocks read from the end)."""
    pos, rest = end, b""
    while pos > 0:
        start = max(0, pos - BLOCK)
        handle.seek(start)
        block = handle.read(pos - start) + rest
        pos = start
        lines = block.split(b"\n")
        rest = lines[0]
        yield from reversed(lines[1:])
    yield rest
