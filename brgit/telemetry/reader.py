"""Reading segments defensively: corrupt and truncated lines are skipped and counted, a
truncated or damaged gzip segment yields what precedes the damage."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from brgit.telemetry.validate import clean

log = logging.getLogger("brgit.telemetry")

RECORD_START = b'{"schema_version":'


@dataclass
class ReadStats:
    """What a read skipped: corrupt lines, and segments that ended early or were damaged."""

    records: int = 0
    corrupt_lines: int = 0
    bad_segments: list[str] = field(default_factory=list)
    repaired: int = 0  # records read with fields of the wrong type left out

    def accept(
        self, record: dict[str, Any], spec: Mapping[str, Any], required: tuple[str, ...]
    ) -> dict[str, Any] | None:
        """`record` made valid by `spec` (see `brgit.telemetry.validate.clean`); None, counted
        as a corrupt line, when a `required` field has no text left. A record that lost
        fields of the wrong type counts as repaired."""
        record, dropped = clean(record, spec)
        if any(type(record.get(key)) is not str for key in required):
            self.records -= 1
            self.corrupt_lines += 1
            return None
        if dropped:
            self.repaired += 1
        return record

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": self.records,
            "corrupt_lines": self.corrupt_lines,
            "bad_segments": list(self.bad_segments),
            "repaired": self.repaired,
        }

    def add(self, other: ReadStats) -> None:
        self.records += other.records
        self.corrupt_lines += other.corrupt_lines
        self.bad_segments += other.bad_segments
        self.repaired += other.repaired

    @classmethod
    def from_dict(cls, data: Any) -> ReadStats:
        """Raises KeyError, TypeError or ValueError unless `data` is what `to_dict` gave."""
        counts = [data["records"], data["corrupt_lines"], data.get("repaired", 0)]
        if not all(type(n) is int and n >= 0 for n in counts):
            raise ValueError("bad counts")
        bad = data["bad_segments"]
        if type(bad) is not list or not all(type(b) is str for b in bad):
            raise ValueError("bad segment list")
        return cls(counts[0], counts[1], list(bad), counts[2])


_DECODE = json.JSONDecoder().decode
MAX_NESTING = 34  # a record, a field, and the 32 levels a field's value may hold
_OPENERS = (b"{", b"[")


def _loads(raw: bytes) -> dict[str, Any] | None:
    """One JSON object, or None. Lines nested deeper than any record brgit writes are not
    records (and would exhaust the stack of whatever prints them); text with lone
    surrogates (`\\ud800` escapes) gets U+FFFD in their place, so it can be printed."""
    if sum(raw.count(b) for b in _OPENERS) > MAX_NESTING and _too_deep(raw):
        return None
    try:
        value = _DECODE(raw.decode())  # UnicodeDecodeError is a ValueError too
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    if b"\\ud" in raw or b"\\uD" in raw:
        fixed: dict[str, Any] = _whole_text(value, 0)
        return fixed
    return value


def _too_deep(raw: bytes) -> bool:
    """True when brackets outside strings nest deeper than MAX_NESTING."""
    depth, in_text, escaped = 0, False, False
    for byte in raw:
        if in_text:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_text = False
        elif byte == 0x22:
            in_text = True
        elif byte in (0x7B, 0x5B):
            depth += 1
            if depth > MAX_NESTING:
                return True
        elif byte in (0x7D, 0x5D):
            depth -= 1
    return False


def _whole_text(value: Any, depth: int) -> Any:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
        return value
    if depth > MAX_NESTING:
        return value
    if isinstance(value, dict):
        return {_whole_text(k, depth): _whole_text(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_text(v, depth + 1) for v in value]
    return value


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
