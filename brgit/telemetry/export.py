"""Exports: CSV (events, costs, hourly metrics) and OTLP JSON lines (see `otlp`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brgit.files import atomic_write
from brgit.telemetry.reader import ReadStats
from brgit.view import to_csv

if TYPE_CHECKING:
    from brgit.config import Config

EVENT_COLUMNS = [
    "timestamp", "event_type", "event_id", "session_id", "task_id", "worker_id", "agent",
    "role", "model", "duration_ms", "success", "error", "attempt", "data",
]  # fmt: skip
COST_COLUMNS = [
    "timestamp", "provider", "model", "model_id", "input_tokens", "output_tokens",
    "cache_read_tokens", "cache_write_5m_tokens", "cache_write_1h_tokens", "thinking_tokens",
    "cost_usd", "currency", "price_version", "unknown_model", "idempotency_key", "command_name",
    "action", "invocation_kind", "agent_id", "task_id", "session_id", "role", "started_at",
    "finished_at", "duration_ms",
]  # fmt: skip
METRIC_COLUMNS = [
    "period", "events", "total_tasks", "successful_tasks", "failed_tasks", "success_rate",
    "total_cost_usd", "total_tokens", "avg_duration_ms", "p50_latency_ms", "p95_latency_ms",
    "p99_latency_ms", "error_count",
]  # fmt: skip
COLUMNS = {"events": EVENT_COLUMNS, "costs": COST_COLUMNS, "metrics": METRIC_COLUMNS}


def write_csv(path: Path, rows: list[dict[str, Any]], kind: str) -> int:
    """Write rows as CSV with the kind's stable columns; nested values become JSON text."""
    flat = [
        {
            k: json.dumps(v, sort_keys=True) if isinstance(v, dict | list) else v
            for k, v in r.items()
        }
        for r in rows
    ]
    write_text(path, to_csv(flat, COLUMNS[kind]))
    return len(rows)


def write_text(path: Path, text: str) -> None:
    """Write through a temporary file and rename, so a reader never sees half an export."""
    atomic_write(path, text, durable=False)


def export_to(
    path: Path, kind: str, hours: float | None, *, config: Config, stats: ReadStats | None = None
) -> int:
    """`br telemetry export`: write `kind` (metrics | events | costs | otlp) of the last
    `hours` to `path`; return the number of rows or spans. `stats` gets what the reads
    skipped."""
    from brgit import __version__
    from brgit.telemetry.collector import EventCollector
    from brgit.telemetry.costs import CostTracker
    from brgit.telemetry.metrics import MetricsAnalyzer

    root = config.root
    stats = stats if stats is not None else ReadStats()
    if kind == "events":
        collector = EventCollector(root, config=config)
        rows = collector.get_events(hours=hours)
        stats.add(collector.last_read)
        return write_csv(path, rows, "events")
    if kind in ("costs", "otlp"):
        tracker = CostTracker(root, config=config)
        records = list(tracker.records("all", hours))
        stats.add(tracker.last_read)
        if kind == "otlp":
            from brgit.telemetry.otlp import write_otlp

            collector = EventCollector(root, config=config)
            tasks = collector.get_events(hours=hours)
            stats.add(collector.last_read)
            return write_otlp(path, records, tasks, __version__)
        return write_csv(path, records, "costs")
    analyzer = MetricsAnalyzer(root, config=config)
    return write_csv(path, analyzer.table("hour", hours, stats), "metrics")


def default_export_path(config: Config, kind: str) -> Path:
    """Where `br telemetry export` writes without a FILE: `telemetry.export_dir` (env
    BR_TELEMETRY_EXPORT_DIR), relative to the main worktree, a UTC-stamped name per type."""
    import datetime as dt

    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    suffix = "otlp.jsonl" if kind == "otlp" else "csv"
    return config.resolve(config.telemetry.export_dir) / f"{kind}-{stamp}.{suffix}"
