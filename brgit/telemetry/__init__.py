"""Telemetry: versioned events and the token/cost ledger, appended as JSONL under
`.buildrunner/telemetry/` and rotated into gzip segments.

Collection never raises into the caller's work. The public classes are importable from here
(`from brgit.telemetry import EventCollector, MetricsAnalyzer, CostTracker`); they are loaded
on first use so importing this package stays cheap. See docs/TELEMETRY.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from brgit.telemetry.collector import EventCollector
    from brgit.telemetry.costs import CostTracker
    from brgit.telemetry.events import EventType, TelemetryEvent
    from brgit.telemetry.ledger import CostSummary
    from brgit.telemetry.metrics import MetricsAnalyzer, TelemetryMetrics

_EXPORTS = {
    "EventCollector": "brgit.telemetry.collector",
    "CostTracker": "brgit.telemetry.costs",
    "CostSummary": "brgit.telemetry.ledger",
    "TelemetryEvent": "brgit.telemetry.events",
    "EventType": "brgit.telemetry.events",
    "MetricsAnalyzer": "brgit.telemetry.metrics",
    "TelemetryMetrics": "brgit.telemetry.metrics",
}
__all__ = [
    "CostSummary",
    "CostTracker",
    "EventCollector",
    "EventType",
    "MetricsAnalyzer",
    "TelemetryEvent",
    "TelemetryMetrics",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'brgit.telemetry' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
