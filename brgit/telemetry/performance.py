"""Per-model and per-role performance (spawns, outcomes, success rate) and routing history.

CONTRACT: model_role_stats(root=None, days=None, role=None) -> {(model, role): RoleStats},
computed from task_completed / task_failed / task_blocked events carrying model and role.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brgit.telemetry.reader import ReadStats

if TYPE_CHECKING:
    from brgit.config import Config


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
) -> dict[tuple[str, str], RoleStats]:
    """Outcome counts per (model, role) over the last `days` days (None: all history)."""
    from brgit.telemetry import aggregate
    from brgit.telemetry.metrics import MetricsAnalyzer

    analyzer = MetricsAnalyzer(root, config=config)
    bucket = aggregate.total(analyzer.hours(days * 24 if days else None, ReadStats()))
    out: dict[tuple[str, str], RoleStats] = {}
    for key, counts in bucket.outcomes.items():
        model, _, task_role = key.partition("\t")
        if role is None or task_role == role:
            out.setdefault((model, task_role), RoleStats()).add(counts)
    return dict(sorted(out.items()))


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

    events = EventCollector(root, config=config).get_events("routing_decision", limit=limit)
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
