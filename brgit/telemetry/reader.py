"""Parsing JSONL lines defensively: corrupt and truncated lines are skipped and counted."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

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


def _loads(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw)
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
