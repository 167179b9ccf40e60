"""Per-model and per-role performance (spawns, outcomes, success rate) and routing history.

CONTRACT: model_role_stats(root=None, days=None, role=None) -> {(model, role): RoleStats},
computed from task_completed / task_failed / task_blocked events carrying model and role.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brgit.telemetry import validate
from brgit.telemetry.events import EventType
from brgit.telemetry.reader import ReadStats

if TYPE_CHECKING:
    from brgit.config import Config
    from brgit.telemetry.settings import Telemetry


@dataclass
class RoleStats:
    spawns: int = 0  # tasks with an outcome: completed + failed + blocked
    successes: int = 0
    failures: int = 0
    blocked: int = 0

    @property
    def success_rate(self) -> float:
        """successes / spawns, 0.0 .. 1.0 (0.0 when there are none)."""
        return self.successes / self.spawns if self.spawns else 0.0

    def add(self, counts: list[int]) -> None:
        ok, failed, blocked = counts
        self.successes += ok
        self.failures += failed
        self.blocked += blocked
        self.spawns += ok + failed + blocked

    def to_dict(self) -> dict[str, Any]:
        return {
            "spawns": self.spawns,
            "successes": self.successes,
            "failures": self.failures,
            "blocked": self.blocked,
            "success_rate": round(self.success_rate, 4),
        }


def model_role_stats(
    root: Path | None = None,
    days: int | None = None,
    role: str | None = None,
    *,
    config: Config | None = None,
    telemetry: Telemetry | None = None,
) -> dict[tuple[str, str], RoleStats]:
    """Outcome counts per (model, role) over the last `days` days (None: all history)."""
    from brgit.telemetry.metrics import MetricsAnalyzer

    analyzer = MetricsAnalyzer(root, config=config, telemetry=telemetry)
    pairs = _pairs_in_window(analyzer, days * 24 if days else None)
    return {k: v for k, v in pairs.items() if role is None or k[1] == role}


def model_stats(pairs: dict[tuple[str, str], RoleStats]) -> dict[str, RoleStats]:
    """Per-model totals over every role."""
    out: dict[str, RoleStats] = {}
    for (model, _), stats in pairs.items():
        out.setdefault(model, RoleStats()).add([stats.successes, stats.failures, stats.blocked])
    return out


def recent_routing_decisions(
    root: Path | None = None, limit: int = 10, *, config: Config | None = None
) -> list[dict[str, Any]]:
    """The last `limit` routing_decision events: when, task, role, model and source."""
    from brgit.telemetry.collector import EventCollector

    events = EventCollector(root, config=config).get_events(EventType.ROUTING_DECISION, limit=limit)
    return [
        {
            "timestamp": e.get("timestamp"),
            "task_id": e.get("task_id"),
            "role": e.get("role"),
            "model": e.get("model"),
            "source": (e.get("data") or {}).get("source"),
        }
        for e in events
    ]


def performance_report(
    root: Path | None,
    hours: float | None,
    *,
    config: Config | None = None,
    role: str | None = None,
    stats: ReadStats | None = None,
) -> dict[str, Any]:
    """`br telemetry performance`: latency percentiles, throughput, per model/role, storage.
    `stats` gets what the reads skipped."""
    from brgit.telemetry.metrics import MetricsAnalyzer

    hours = validate.window(hours)
    analyzer = MetricsAnalyzer(root, config=config)
    m = analyzer.analyze(hours)
    if stats is not None:
        stats.add(ReadStats(m.event_count, m.corrupt_lines, m.bad_segments, m.repaired_records))
    pairs = {k: v for k, v in _pairs_in_window(analyzer, hours).items() if role in (None, k[1])}
    span = hours or _span_hours(analyzer)
    segments = [
        s for name in ("events", "costs") for s in analyzer.telemetry.stream(name).segments()
    ]
    return {
        "period_hours": hours,
        "latency_ms": {
            "avg": m.avg_latency_ms,
            "p50": m.p50_latency_ms,
            "p95": m.p95_latency_ms,
            "p99": m.p99_latency_ms,
        },
        "throughput": {
            "tasks_per_hour": (m.tasks_completed + m.tasks_failed) / span if span else 0.0,
            "events_per_hour": m.event_count / span if span else 0.0,
        },
        "by_model": [{"model": k, **v.to_dict()} for k, v in model_stats(pairs).items()],
        "by_model_role": [{"model": k[0], "role": k[1], **v.to_dict()} for k, v in pairs.items()],
        "recent_routing_decisions": recent_routing_decisions(
            root, config=analyzer.telemetry.config
        ),
        "storage": {"segments": len(segments), "bytes": sum(_size(s.path) for s in segments)},
    }


def _pairs_in_window(analyzer: Any, hours: float | None) -> dict[tuple[str, str], RoleStats]:
    from brgit.telemetry import aggregate

    bucket = aggregate.total(analyzer.hours(hours, ReadStats()))
    out: dict[tuple[str, str], RoleStats] = {}
    for key, counts in bucket.outcomes.items():
        model, _, role = key.partition("\t")
        out.setdefault((model, role), RoleStats()).add(counts)
    return dict(sorted(out.items()))


def _span_hours(analyzer: Any) -> float:
    import datetime as dt

    from brgit.telemetry import aggregate

    bucket = aggregate.total(analyzer.hours(None, ReadStats()))
    if not bucket.first or not bucket.last:
        return 0.0
    first = dt.datetime.fromisoformat(bucket.first)
    last = dt.datetime.fromisoformat(bucket.last)
    return max((last - first).total_seconds() / 3600, 1.0)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
