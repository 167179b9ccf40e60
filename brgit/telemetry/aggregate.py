"""Pre-aggregated hourly metrics, cached per sealed segment, rolled up to days and weeks.

A sealed segment never changes, so it is aggregated once (on first read) into
`aggregates/<segment>.json`: one bucket per UTC hour. A summary then merges cached buckets of
segments wholly inside its window and scans only the live segment and the (at most one or two)
segments that straddle the window's start, so the answer stays exact without rescanning
history. Task latencies are kept as counts of values rounded to 3 significant digits (exact
below 1000 ms), so percentiles are within 0.5%.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brgit.telemetry import events, validate
from brgit.telemetry.events import EventType
from brgit.telemetry.reader import ReadStats, Segment, read_segment
from brgit.telemetry.store import SegmentStore

ERROR_TYPES = frozenset(
    {EventType.TASK_FAILED, EventType.VERIFICATION_FAILED, EventType.MERGE_CONFLICT}
)
# Events whose `success: false` is not a failure of the work: roll-ups report on work already
# counted event by event (a train that ejected a branch ends unsuccessful, but the ejection is
# the error worth listing), and a security scan that finds something did its job.
NOT_FAILURES = frozenset(
    {EventType.BUILD_COMPLETED, EventType.SESSION_COMPLETED, EventType.MERGE_COMPLETED,
     EventType.SECURITY_SCAN}
)
OUTCOMES: dict[str, int] = {
    EventType.TASK_COMPLETED: 0, EventType.TASK_FAILED: 1, EventType.TASK_BLOCKED: 2
}
MAX_ERRORS = 50


def quantize(ms: float) -> int:
    value = round(ms)
    if value < 1000:
        return value
    return int(round(value, 3 - len(str(value))))


@dataclass
class Bucket:
    """Counts over some span of events; buckets merge by addition."""

    events: int = 0
    by_type: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latencies: Counter[int] = field(default_factory=Counter)
    outcomes: dict[str, list[int]] = field(default_factory=dict)  # "model\trole": counts
    first: str | None = None
    last: str | None = None
    trains: list[int] = field(default_factory=lambda: [0, 0, 0])  # trains, merged, ejected

    def add(self, record: dict[str, Any]) -> None:
        """Count one valid record (see `events.load`)."""
        kind = record["event_type"]
        ts = record["timestamp"]
        self.events += 1
        self.by_type[kind] += 1
        if self.first is None or ts < self.first:
            self.first = ts
        if self.last is None or ts > self.last:
            self.last = ts
        error = record.get("error")
        failed = record.get("success") is False and kind not in NOT_FAILURES
        if error or failed or kind in ERROR_TYPES:
            message = str(error or kind).splitlines()[0][:200] if (error or kind) else kind
            if message in self.errors or len(self.errors) < MAX_ERRORS:
                self.errors[message] += 1
        if kind in (EventType.TASK_COMPLETED, EventType.TASK_FAILED):
            duration = record.get("duration_ms")
            if duration is not None:
                self.latencies[quantize(duration)] += 1
        if kind in OUTCOMES and record.get("model") and record.get("role"):
            key = f"{record['model']}\t{record['role']}"
            self.outcomes.setdefault(key, [0, 0, 0])[OUTCOMES[kind]] += 1
        if kind == EventType.MERGE_COMPLETED:  # a train's final outcome, repairs included
            data = record.get("data") or {}
            self.trains[0] += 1
            for i, name in ((1, "merged"), (2, "ejected")):
                number = validate.count(data.get(name, 0))
                self.trains[i] += 0 if number is validate.BAD else number

    def merge(self, other: Bucket) -> None:
        self.events += other.events
        self.by_type.update(other.by_type)
        self.errors.update(other.errors)
        self.latencies.update(other.latencies)
        for key, counts in other.outcomes.items():
            mine = self.outcomes.setdefault(key, [0, 0, 0])
            for i, n in enumerate(counts):
                mine[i] += n
        for i, n in enumerate(other.trains):
            self.trains[i] += n
        for ts in (other.first, other.last):
            if ts is not None:
                self.first = ts if self.first is None or ts < self.first else self.first
                self.last = ts if self.last is None or ts > self.last else self.last

    def to_dict(self) -> dict[str, Any]:
        return {
            "events": self.events,
            "by_type": dict(self.by_type),
            "errors": dict(self.errors),
            "latencies": {str(k): v for k, v in self.latencies.items()},
            "outcomes": self.outcomes,
            "first": self.first,
            "last": self.last,
            "trains": self.trains,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Bucket:
        """Raises KeyError, TypeError, ValueError or AttributeError unless `data` is what
        `to_dict` gave (a cache may be damaged in any way)."""
        outcomes = {str(k): _counts(v, 3) for k, v in data["outcomes"].items()}
        first, last = data.get("first"), data.get("last")
        if not all(t is None or type(t) is str for t in (first, last)):
            raise ValueError("bad bucket times")
        return cls(
            events=_count(data["events"]),
            by_type=_counter(data["by_type"]),
            errors=_counter(data["errors"]),
            latencies=Counter({int(k): _count(v) for k, v in data["latencies"].items()}),
            outcomes=outcomes,
            first=first,
            last=last,
            trains=_counts(data["trains"], 3),
        )


def _count(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise ValueError("bad count")
    return value


def _counts(value: Any, size: int) -> list[int]:
    if type(value) is not list or len(value) != size:
        raise ValueError("bad counts")
    return [_count(v) for v in value]


def _counter(value: Any) -> Counter[str]:
    return Counter({str(k): _count(v) for k, v in value.items()})


def hour_of(ts: str) -> str:
    return ts[:13]  # "2026-11-22T09"


def bucketize(
    records: Iterable[dict[str, Any]], stats: ReadStats, since: str | None = None
) -> dict[str, Bucket]:
    """Hourly buckets of stored records (`stats`: the reader's, which `events.load` adjusts
    for records it cannot use)."""
    hours: dict[str, Bucket] = {}
    for raw in records:
        record = events.load(raw, stats)
        if record is None:
            continue
        ts = record["timestamp"]
        if since is not None and ts < since:
            continue
        key = hour_of(ts)
        bucket = hours.get(key)
        if bucket is None:
            bucket = hours[key] = Bucket()
        bucket.add(record)
    return hours


def segment_hours(
    seg: Segment, cache_dir: Path, stats: ReadStats, memo: dict[str, Any] | None = None
) -> dict[str, Bucket]:
    """The hourly buckets of a sealed segment: computed by `warm()`, cached, or read once."""
    from brgit.telemetry import segcache

    payload = (memo or {}).get(seg.name) or segcache.load(seg, cache_dir)
    try:
        hours, own = _buckets(payload), ReadStats.from_dict(payload["stats"])  # type: ignore[index]
    except (KeyError, TypeError, ValueError, AttributeError):  # none, or damaged: rebuild
        payload = segcache.compute(seg)
        segcache.save(seg, cache_dir, payload)
        hours, own = _buckets(payload), ReadStats.from_dict(payload["stats"])
    stats.add(own)
    return hours


def _buckets(payload: Any) -> dict[str, Bucket]:
    """The hourly buckets of a cache payload; raises on anything malformed."""
    return {str(k): Bucket.from_dict(v) for k, v in payload["hours"].items()}


def ends_before(seg: Segment, cache_dir: Path, since: str) -> bool:
    """True when every record of the sealed segment is older than `since`."""
    try:
        hours = segment_hours(seg, cache_dir, ReadStats())
    except OSError:
        return False
    lasts = [b.last for b in hours.values() if b.last]
    return bool(lasts) and max(lasts) < since


def known_end(seg: Segment, cache_dir: Path) -> str | None:
    """The newest timestamp of a sealed segment, when its aggregate is cached (never reads
    the segment itself)."""
    from brgit.telemetry import segcache

    payload = segcache.load(seg, cache_dir)
    try:
        hours = _buckets(payload) if payload is not None else {}
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    lasts = [b.last for b in hours.values() if b.last]
    return max(lasts) if lasts else None


def window_hours(
    store: SegmentStore, cache_dir: Path, since: str | None, stats: ReadStats
) -> dict[str, Bucket]:
    """Hourly buckets of every event at or after `since` (None: all), exact."""
    from brgit.telemetry import segcache

    merged: dict[str, Bucket] = {}
    segments = store.segments()
    _prune(cache_dir, {f"{s.name}.json" for s in segments if s.sealed})
    memo = segcache.warm([s for s in segments if s.sealed], cache_dir)
    for seg in segments:
        try:
            hours = _segment_window(seg, cache_dir, since, stats, memo)
        except FileNotFoundError:
            continue  # removed by retention or compacted meanwhile
        except OSError as exc:
            stats.bad_segments.append(f"{seg.name}: cannot be read ({exc.strerror or exc})")
            continue
        for key, bucket in hours.items():
            merged.setdefault(key, Bucket()).merge(bucket)
    return merged


def _segment_window(
    seg: Segment, cache_dir: Path, since: str | None, stats: ReadStats, memo: dict[str, Any]
) -> dict[str, Bucket]:
    if not seg.sealed:
        with seg.path.open("rb") as handle:
            return bucketize(read_segment(seg, handle, stats), stats, since)
    hours = segment_hours(seg, cache_dir, stats, memo)
    if since is None:
        return hours
    firsts = [b.first for b in hours.values() if b.first]
    lasts = [b.last for b in hours.values() if b.last]
    if firsts and min(firsts) >= since:
        return hours
    if not lasts or max(lasts) < since:
        return {}
    with seg.path.open("rb") as handle:  # straddles the window's start: rescan exactly
        again = ReadStats()
        return bucketize(read_segment(seg, handle, again), again, since)


def _prune(cache_dir: Path, keep: set[str]) -> None:
    """Drop caches of segments that retention (or a migration) removed."""
    with contextlib.suppress(OSError):
        caches = [p for p in cache_dir.iterdir() if p.suffix == ".json"]
        if len(caches) > len(keep):
            for path in caches:
                if path.name not in keep:
                    path.unlink(missing_ok=True)


def total(hours: dict[str, Bucket]) -> Bucket:
    out = Bucket()
    for bucket in hours.values():
        out.merge(bucket)
    return out


def label(hour: str, period: str) -> str:
    """An hour key ("2026-11-22T09") -> its "hour", "day" or ISO "week" (2026-W47) label."""
    if period == "hour":
        return hour
    if period == "day":
        return hour[:10]
    year, week, _ = dt.date.fromisoformat(hour[:10]).isocalendar()
    return f"{year}-W{week:02d}"


def rollup(hours: dict[str, Bucket], period: str) -> dict[str, Bucket]:
    """hour buckets -> "hour" | "day" | "week" buckets."""
    out: dict[str, Bucket] = {}
    for key, bucket in sorted(hours.items()):
        out.setdefault(label(key, period), Bucket()).merge(bucket)
    return out
