"""Reading segments defensively: corrupt and truncated lines are skipped and counted, a
truncated or damaged gzip segment yields what precedes the damage."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

log = logging.getLogger("brgit.telemetry")

RECORD_START = b'{"schema_version":'


@dataclass
class ReadStats:
    """What a read skipped: corrupt lines, and segments that ended early or were damaged."""

    records: int = 0
    corrupt_lines: int = 0
    bad_segments: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "corrupt_lines": self.corrupt_lines,
            "bad_segments": list(self.bad_segments),
        }


_DECODE = json.JSONDecoder().decode


def _loads(raw: bytes) -> dict[str, Any] | None:
    try:
        value = _DECODE(raw.decode())  # UnicodeDecodeError is a ValueError too
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def parse_line(raw: bytes, stats: ReadStats) -> Iterator[dict[str, Any]]:
    """One line -> its record. A line that holds a torn record followed by a whole one (a
    writer hit a full disk mid-record, the next append continued the line) yields the whole
    one; the torn part is counted as corrupt."""
    raw = raw.strip()
    if not raw:
        return
    record = _loads(raw)
    if record is not None:
        stats.records += 1
        yield record
        return
    stats.corrupt_lines += 1
    cut = raw.rfind(RECORD_START)
    if cut > 0:
        tail = _loads(raw[cut:])
        if tail is not None:
            stats.records += 1
            yield tail


def parse_lines(lines: Iterable[bytes], stats: ReadStats) -> Iterator[dict[str, Any]]:
    for raw in lines:
        yield from parse_line(raw, stats)


SEALED_NAME = re.compile(
    r"^(?P<prefix>[a-z]+)-(?P<stamp>\d{8}T\d{12})Z-\d+-\d+\.jsonl(?P<gz>\.gz)?$"
)


@dataclass(frozen=True)
class Segment:
    path: Path
    sealed: bool
    compressed: bool
    sealed_at: dt.datetime | None

    @property
    def name(self) -> str:
        return self.path.name


def sealed_at(name: str) -> dt.datetime | None:
    match = SEALED_NAME.match(name)
    if not match:
        return None
    return dt.datetime.strptime(match["stamp"], "%Y%m%dT%H%M%S%f").replace(tzinfo=dt.UTC)


def read_segment(seg: Segment, handle: IO[bytes], stats: ReadStats) -> Iterator[dict[str, Any]]:
    """The records of one segment; damage is reported in `stats.bad_segments`, not raised."""
    lines = _gzip_lines(seg, handle, stats) if seg.compressed else handle
    try:
        yield from parse_lines(lines, stats)
    except OSError as exc:
        _damaged(seg, stats, str(exc))


def _damaged(seg: Segment, stats: ReadStats, why: str) -> None:
    stats.bad_segments.append(f"{seg.name}: {why}")
    log.warning("telemetry: segment %s is truncated or damaged: %s", seg.name, why)


def _gzip_lines(seg: Segment, handle: IO[bytes], stats: ReadStats) -> Iterator[bytes]:
    """Lines of a gzip segment, streamed; a truncated or corrupt stream yields every line
    before the damage (the torn last line included, for the parser to count)."""
    inflate = zlib.decompressobj(wbits=31)
    rest = b""
    while chunk := handle.read(1 << 16):
        while chunk:
            try:
                rest += inflate.decompress(chunk)
            except zlib.error as exc:
                _damaged(seg, stats, f"corrupt gzip data ({exc})")
                yield rest
                return
            *lines, rest = rest.split(b"\n")
            yield from lines
            chunk = b""
            if inflate.eof and inflate.unused_data:  # another gzip member follows
                chunk, inflate = inflate.unused_data, zlib.decompressobj(wbits=31)
    if not inflate.eof:
        _damaged(seg, stats, "compressed file ended before the end-of-stream marker")
    if rest:
        yield rest
