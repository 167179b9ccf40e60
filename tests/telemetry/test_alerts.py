"""Alert grading against config thresholds."""

from __future__ import annotations

from brgit.config import Thresholds
from brgit.telemetry.aggregate import Bucket
from brgit.telemetry.alerts import check, filter_level
from brgit.telemetry.ledger import CostSummary
from brgit.telemetry.metrics import metrics_of
from brgit.telemetry.reader import ReadStats


def metrics(done: int, failed: int, latency_ms: int) -> Bucket:
    bucket = Bucket()
    for i in range(done + failed):
        kind = "task_completed" if i < done else "task_failed"
        bucket.add({"event_type": kind, "timestamp": f"2026-11-22T10:00:{i:02d}+00:00",
                    "duration_ms": latency_ms})  # fmt: skip
    return bucket


def test_levels_follow_thresholds() -> None:
    limits = Thresholds()  # 80/50 %, 2000/10000 ms, $40/$50
    stats = ReadStats()
    ok = check(metrics_of(metrics(9, 1, 500), 24, 0, stats), CostSummary("day"), limits)
    assert ok == []
    m = metrics_of(metrics(4, 6, 12_000), 24, 0, stats)
    today = CostSummary("day", total_cost=45.0, by_day={"2026-11-22": 45.0})
    alerts = check(m, today, limits)
    assert [(a.name, a.level) for a in alerts] == [
        ("success_rate", "critical"), ("latency_p95", "critical"), ("daily_cost", "warning")
    ]  # fmt: skip
    assert alerts[0].current == 40.0 and alerts[0].threshold == 50.0
    assert alerts[0].last_triggered == "2026-11-22T10:00:09+00:00"
    assert [a.name for a in filter_level(alerts, "warning")] == ["daily_cost"]


def test_no_finished_tasks_means_no_rate_alert() -> None:
    m = metrics_of(Bucket(), 24, 0, ReadStats())
    assert m.success_rate is None
    assert check(m, CostSummary("day"), Thresholds()) == []
