"""Exports: CSV (events, costs, hourly metrics) and OpenTelemetry GenAI spans as OTLP JSON lines.

The OTLP file holds one `ExportTraceServiceRequest` (OTLP/JSON encoding) per line, one span per
model call, named `chat <model>` with the GenAI semantic-convention attributes
(`gen_ai.operation.name`, `gen_ai.provider.name`, `gen_ai.request.model`,
`gen_ai.usage.input_tokens` = input + cache read + cache creation, `gen_ai.usage.output_tokens`,
`gen_ai.usage.cache_read.input_tokens`, `gen_ai.usage.cache_creation.input_tokens`), so the file
can be replayed into an OpenTelemetry collector (`otlpjsonfile` receiver).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brgit.telemetry.events import parse_utc
from brgit.ui.output import to_csv

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
    _write(path, to_csv(flat, COLUMNS[kind]))
    return len(rows)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _attr(key: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, float):
        return {"key": key, "value": {"doubleValue": value}}
    return {"key": key, "value": {"stringValue": str(value)}}


def _nanos(ts: str | None) -> int | None:
    moment = parse_utc(ts)
    return None if moment is None else int(moment.timestamp() * 1_000_000) * 1000


def genai_span(record: dict[str, Any]) -> dict[str, Any]:
    """One cost-ledger record as an OTLP span with GenAI attributes."""
    seed = str(record.get("idempotency_key") or record.get("record_id") or json.dumps(record))
    digest = hashlib.sha256(seed.encode()).hexdigest()
    end = _nanos(record.get("finished_at") or record.get("timestamp")) or 0
    duration = record.get("duration_ms")
    start = _nanos(record.get("started_at"))
    if start is None:
        start = end - int(float(duration) * 1e6) if isinstance(duration, int | float) else end
    writes = int(record.get("cache_write_5m_tokens") or 0) + int(
        record.get("cache_write_1h_tokens") or 0
    )
    attrs: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": record.get("provider") or "anthropic",
        "gen_ai.request.model": record.get("model"),
        "gen_ai.response.id": record.get("message_id"),
        "gen_ai.usage.input_tokens": int(record.get("total_input_tokens") or 0),
        "gen_ai.usage.output_tokens": int(record.get("output_tokens") or 0),
        "gen_ai.usage.cache_read.input_tokens": int(record.get("cache_read_tokens") or 0),
        "gen_ai.usage.cache_creation.input_tokens": writes,
        "brgit.cost_usd": float(record.get("cost_usd") or 0.0),
        "brgit.price_version": record.get("price_version"),
        "brgit.task_id": record.get("task_id"),
        "brgit.session_id": record.get("session_id"),
        "brgit.agent_id": record.get("agent_id"),
        "brgit.command_name": record.get("command_name"),
    }
    return {
        "traceId": digest[:32],
        "spanId": digest[32:48],
        "name": f"chat {record.get('model')}",
        "kind": 3,  # SPAN_KIND_CLIENT
        "startTimeUnixNano": str(start),
        "endTimeUnixNano": str(end),
        "attributes": [_attr(k, v) for k, v in attrs.items() if v is not None],
        "status": {"code": 1},
    }


def write_otlp(path: Path, records: Iterable[dict[str, Any]], version: str) -> int:
    """Write one OTLP/JSON ExportTraceServiceRequest per line; return the span count."""
    resource = {"attributes": [_attr("service.name", "brgit")]}
    scope = {"name": "brgit.telemetry", "version": version}
    lines = []
    for record in records:
        request = {
            "resourceSpans": [
                {
                    "resource": resource,
                    "scopeSpans": [{"scope": scope, "spans": [genai_span(record)]}],
                }
            ]
        }
        lines.append(json.dumps(request, separators=(",", ":")))
    _write(path, "".join(f"{line}\n" for line in lines))
    return len(lines)


def export_to(path: Path, kind: str, hours: float | None, *, config: Config) -> int:
    """`br telemetry export`: write `kind` (metrics | events | costs | otlp) of the last
    `hours` to `path`; return the number of rows or spans."""
    from brgit import __version__
    from brgit.telemetry.collector import EventCollector
    from brgit.telemetry.costs import CostTracker
    from brgit.telemetry.metrics import MetricsAnalyzer

    root = config.root
    if kind == "events":
        return write_csv(
            path, EventCollector(root, config=config).get_events(hours=hours), "events"
        )
    if kind in ("costs", "otlp"):
        records = list(CostTracker(root, config=config).records("all", hours))
        if kind == "otlp":
            return write_otlp(path, records, __version__)
        return write_csv(path, records, "costs")
    rows = MetricsAnalyzer(root, config=config).table("hour", hours)
    return write_csv(path, rows, "metrics")
