"""Threshold alerts from config (`telemetry.thresholds`): success rate, p95 latency, daily cost.

Info-level alerts report data problems the numbers depend on: skipped corrupt lines, damaged
segments and cost records of models the price table does not know.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from brgit.config import Thresholds
    from brgit.telemetry.ledger import CostSummary
    from brgit.telemetry.metrics import TelemetryMetrics

LEVELS = ("info", "warning", "critical")


@dataclass
class Alert:
    level: str  # info | warning | critical
    name: str
    message: str
    current: float | None = None
    threshold: float | None = None
    last_triggered: str | None = None


def _grade(value: float, warn: float, crit: float, above: bool) -> tuple[str, float] | None:
    if above:
        return ("critical", crit) if value > crit else ("warning", warn) if value > warn else None
    return ("critical", crit) if value < crit else ("warning", warn) if value < warn else None


def check(metrics: TelemetryMetrics, today: CostSummary, limits: Thresholds) -> list[Alert]:
    """Every alert the metrics (last 24 hours) and today's costs raise, most severe first."""
    last_day = max(today.by_day) if today.by_day else None
    rules = [  # name, message, value, warning, critical, bad when above, last triggered
        ("success_rate", "Success rate below threshold", metrics.success_rate,
         limits.success_rate_warning, limits.success_rate_critical, False, metrics.last_event),
        ("latency_p95", "P95 task latency above threshold", metrics.p95_latency_ms,
         limits.latency_warning_ms, limits.latency_critical_ms, True, metrics.last_event),
        ("daily_cost", "Daily cost above threshold", today.total_cost,
         limits.daily_cost_warning, limits.daily_cost_critical, True, last_day),
    ]  # fmt: skip
    alerts: list[Alert] = []
    for name, message, value, warn, crit, above, last in rules:
        grade = None if value is None else _grade(value, warn, crit, above)
        if grade:
            alerts.append(Alert(grade[0], name, message, value, grade[1], last))
    alerts.extend(_data_alerts(metrics, today))
    return sorted(alerts, key=lambda a: -LEVELS.index(a.level))


def _data_alerts(metrics: TelemetryMetrics, today: CostSummary) -> list[Alert]:
    alerts = []
    if metrics.corrupt_lines:
        alerts.append(Alert("info", "corrupt_lines", "Corrupt telemetry lines were skipped",
                            float(metrics.corrupt_lines)))  # fmt: skip
    for segment in metrics.bad_segments:
        alerts.append(Alert("info", "damaged_segment", f"Damaged segment: {segment}"))
    for model in today.unknown_models:
        alerts.append(Alert("info", "unknown_model", f"Model {model!r} is not in the price "
                            "table; its calls are recorded at $0"))  # fmt: skip
    return alerts


def filter_level(alerts: list[Alert], level: str | None) -> list[Alert]:
    """Only alerts of `level` (None: all)."""
    return [a for a in alerts if level is None or a.level == level]
