"""MetricsAnalyzer: success rate, latency percentiles, cost and errors over a time window.

Numbers come from the pre-aggregated hourly buckets (see `aggregate`), so a summary over a
long history reads only cached aggregates plus the live segment, and stays exact.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brgit.telemetry import aggregate, validate
from brgit.telemetry.aggregate import Bucket
from brgit.telemetry.events import EventType
from brgit.telemetry.reader import ReadStats
from brgit.telemetry.settings import Telemetry, resolve
from brgit.telemetry.validate import since_hours

if TYPE_CHECKING:
    from brgit.config import Config


@dataclass
class ErrorSummary:
    message: str
    count: int


@dataclass
class TelemetryMetrics:
    """The API reference's TelemetryMetrics, plus counts that explain them."""

    period_hours: float | None
    success_rate: float | None  # percent of finished tasks that completed; None: none finished
    avg_latency_ms: float | None
    p50_latency_ms: float | None
    p95_latency_ms: float | None
    p99_latency_ms: float | None
    total_cost: float
    error_count: int
    event_count: int
    top_errors: list[ErrorSummary] = field(default_factory=list)
    tasks_completed: int = 0
    tasks_failed: int = 0
    events_by_type: dict[str, int] = field(default_factory=dict)
    corrupt_lines: int = 0
    bad_segments: list[str] = field(default_factory=list)
    last_event: str | None = None
    # the merge outcome, apart from task success: a task can complete and its branch still
    # be ejected by the train (from merge_completed events, repairs included)
    merge_trains: int = 0
    branches_merged: int = 0
    branches_ejected: int = 0
    merge_rate: float | None = None  # percent of the branches trains decided on that merged
    repaired_records: int = 0  # records read without fields of the wrong type


def percentile(latencies: Counter[int], pct: float) -> float | None:
    """Nearest-rank percentile of a value -> count table."""
    n = sum(latencies.values())
    if not n:
        return None
    rank = max(1, math.ceil(pct / 100 * n))
    seen = 0
    for value in sorted(latencies):
        seen += latencies[value]
        if seen >= rank:
            return float(value)
    return float(max(latencies))  # pragma: no cover - unreachable


def metrics_of(
    bucket: Bucket, hours: float | None, cost: float, stats: ReadStats
) -> TelemetryMetrics:
    done, failed = bucket.by_type[EventType.TASK_COMPLETED], bucket.by_type[EventType.TASK_FAILED]
    n = sum(bucket.latencies.values())
    avg = sum(v * c for v, c in bucket.latencies.items()) / n if n else None
    trains, merged, ejected = bucket.trains
    return TelemetryMetrics(
        period_hours=hours,
        success_rate=100.0 * done / (done + failed) if done + failed else None,
        avg_latency_ms=avg,
        p50_latency_ms=percentile(bucket.latencies, 50),
        p95_latency_ms=percentile(bucket.latencies, 95),
        p99_latency_ms=percentile(bucket.latencies, 99),
        total_cost=cost,
        error_count=sum(bucket.errors.values()),
        event_count=bucket.events,
        top_errors=[ErrorSummary(m, c) for m, c in bucket.errors.most_common(5)],
        tasks_completed=done,
        tasks_failed=failed,
        events_by_type=dict(sorted(bucket.by_type.items())),
        corrupt_lines=stats.corrupt_lines,
        bad_segments=list(stats.bad_segments),
        last_event=bucket.last,
        merge_trains=trains,
        branches_merged=merged,
        branches_ejected=ejected,
        merge_rate=100.0 * merged / (merged + ejected) if merged + ejected else None,
        repaired_records=stats.repaired,
    )


class MetricsAnalyzer:
    def __init__(
        self,
        root: Path | None = None,
        *,
        config: Config | None = None,
        telemetry: Telemetry | None = None,
    ) -> None:
        self.root = root
        self._config = config
        self._telemetry = telemetry

    @property
    def telemetry(self) -> Telemetry:
        if self._telemetry is None:
            self._telemetry = resolve(self.root, self._config)
        return self._telemetry

    def hours(self, hours: float | None, stats: ReadStats) -> dict[str, Bucket]:
        tel = self.telemetry
        return aggregate.window_hours(
            tel.stream("events"), tel.aggregates_dir, since_hours(hours), stats
        )

    def _costs_by_day(self, hours: float | None) -> tuple[float, dict[str, float]]:
        from brgit.telemetry.costs import CostTracker

        tracker = CostTracker(self.root, telemetry=self.telemetry)
        summary = tracker.get_summary("all", hours=hours)
        return summary.total_cost, summary.by_day

    def analyze(self, hours: float | None = 24) -> TelemetryMetrics:
        """Metrics over the last `hours` (None: all history)."""
        hours = validate.window(hours)
        stats = ReadStats()
        bucket = aggregate.total(self.hours(hours, stats))
        cost, _ = self._costs_by_day(hours)
        return metrics_of(bucket, hours, cost, stats)

    def get_trends(self, days: int = 7) -> dict[str, TelemetryMetrics]:
        """One TelemetryMetrics per UTC day of the last `days` days (days without events too)."""
        stats = ReadStats()
        by_day = aggregate.rollup(self.hours(days * 24, stats), "day")
        _, cost_by_day = self._costs_by_day(days * 24)
        today = dt.datetime.now(dt.UTC).date()
        labels = [(today - dt.timedelta(days=i)).isoformat() for i in range(days - 1, -1, -1)]
        return {
            day: metrics_of(by_day.get(day, Bucket()), 24, cost_by_day.get(day, 0.0), ReadStats())
            for day in labels
        }

    def rollups(
        self, period: str, hours: float | None = None, stats: ReadStats | None = None
    ) -> dict[str, Bucket]:
        """Pre-aggregated buckets per "hour", "day" or "week"."""
        return aggregate.rollup(self.hours(hours, stats or ReadStats()), period)

    def table(
        self, period: str = "hour", hours: float | None = None, stats: ReadStats | None = None
    ) -> list[dict[str, object]]:
        """Metrics rows per "hour" | "day" | "week": tasks, successes, failures, cost, tokens,
        latency (what `br telemetry export --type metrics` writes). `stats` gets what the
        reads skipped."""
        from brgit.telemetry.costs import CostTracker

        stats = stats if stats is not None else ReadStats()
        tracker = CostTracker(self.root, telemetry=self.telemetry)
        costs = list(tracker.records("all", hours))
        stats.add(tracker.last_read)
        return metrics_table(self.rollups(period, hours, stats), costs, period)


def metrics_table(
    buckets: dict[str, Bucket], costs: list[dict[str, Any]], period: str
) -> list[dict[str, object]]:
    """The metrics table per hour, day or week: tasks, outcomes, cost, tokens, latency.
    `buckets` are already rolled up to `period`; `costs` are ledger records."""
    spend: dict[str, list[float]] = {}
    for record in costs:
        label = aggregate.label(str(record.get("timestamp", ""))[:13], period)
        cell = spend.setdefault(label, [0.0, 0.0])
        cell[0] += float(record.get("cost_usd") or 0.0)
        cell[1] += sum(int(record.get(k) or 0) for k in _TOKEN_KEYS)
    rows: list[dict[str, object]] = []
    for label in sorted(set(buckets) | set(spend)):
        m = metrics_of(buckets.get(label, Bucket()), None, 0.0, ReadStats())
        cost, tokens = spend.get(label, [0.0, 0.0])
        rows.append({"period": label, "events": m.event_count,
                     "total_tasks": m.tasks_completed + m.tasks_failed,
                     "successful_tasks": m.tasks_completed, "failed_tasks": m.tasks_failed,
                     "success_rate": m.success_rate, "total_cost_usd": cost,
                     "total_tokens": int(tokens), "avg_duration_ms": m.avg_latency_ms,
                     "p50_latency_ms": m.p50_latency_ms, "p95_latency_ms": m.p95_latency_ms,
                     "p99_latency_ms": m.p99_latency_ms, "error_count": m.error_count})  # fmt: skip
    return rows


_TOKEN_KEYS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_5m_tokens",
               "cache_write_1h_tokens")  # fmt: skip
