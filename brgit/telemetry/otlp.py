"""OpenTelemetry export: GenAI spans as an OTLP JSON-lines file.

One `ExportTraceServiceRequest` (OTLP/JSON encoding) per line:
- one `chat <model>` CLIENT span per model call in the cost ledger, with the GenAI semantic
  conventions (`gen_ai.operation.name`, `gen_ai.provider.name`, `gen_ai.request.model`,
  `gen_ai.response.id`, `gen_ai.usage.input_tokens` = input + cache read + cache creation,
  `gen_ai.usage.output_tokens`, `gen_ai.usage.cache_read.input_tokens`,
  `gen_ai.usage.cache_creation.input_tokens`);
- one `invoke_agent <agent>` INTERNAL span per finished task (task_completed / task_failed
  event), status ERROR with `error.type` when it failed.
Spans of one session share a trace id (derived from the session id), so a collector shows a
session's tasks and model calls together. Ids derive from stable record ids: exporting twice
gives the same ids. An OpenTelemetry Collector's `otlpjsonfile` receiver can replay the file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from brgit.telemetry.events import EventType, parse_utc


def _hex(seed: str, size: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:size]


def _attr(key: str, value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"key": key, "value": {"boolValue": value}}
    if isinstance(value, int):
        return {"key": key, "value": {"intValue": str(value)}}
    if isinstance(value, float):
        return {"key": key, "value": {"doubleValue": value}}
    return {"key": key, "value": {"stringValue": str(value)}}


def _times(end_ts: Any, start_ts: Any, duration_ms: Any) -> tuple[str, str]:
    end_at = parse_utc(end_ts)
    end = int(end_at.timestamp() * 1_000_000) * 1000 if end_at else 0
    start_at = parse_utc(start_ts)
    if start_at is not None:
        start = int(start_at.timestamp() * 1_000_000) * 1000
    elif isinstance(duration_ms, int | float) and not isinstance(duration_ms, bool):
        start = end - int(float(duration_ms) * 1_000_000)
    else:
        start = end
    return str(start), str(end)


def _span(name: str, kind: int, trace: str, span_id: str, times: tuple[str, str],
          attrs: dict[str, Any], error: str | None = None) -> dict[str, Any]:  # fmt: skip
    status: dict[str, Any] = {"code": 2, "message": error} if error else {"code": 1}
    return {
        "traceId": trace,
        "spanId": span_id,
        "name": name,
        "kind": kind,
        "startTimeUnixNano": times[0],
        "endTimeUnixNano": times[1],
        "attributes": [_attr(k, v) for k, v in attrs.items() if v is not None],
        "status": status,
    }


def genai_span(record: dict[str, Any]) -> dict[str, Any]:
    """One cost-ledger record as a `chat <model>` span."""
    own = str(record.get("idempotency_key") or record.get("record_id") or json.dumps(record))
    trace = _hex(str(record.get("session_id") or own), 32)
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
    times = _times(record.get("finished_at") or record.get("timestamp"),
                   record.get("started_at"), record.get("duration_ms"))  # fmt: skip
    return _span(f"chat {record.get('model')}", 3, trace, _hex(own, 16), times, attrs)


def agent_span(event: dict[str, Any]) -> dict[str, Any]:
    """One task_completed / task_failed event as an `invoke_agent <agent>` span."""
    own = str(event.get("event_id"))
    trace = _hex(str(event.get("session_id") or own), 32)
    agent = event.get("agent") or "agent"
    failed = event.get("event_type") == EventType.TASK_FAILED
    attrs: dict[str, Any] = {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": agent,
        "gen_ai.request.model": event.get("model"),
        "error.type": str(EventType.TASK_FAILED) if failed else None,
        "brgit.task_id": event.get("task_id"),
        "brgit.session_id": event.get("session_id"),
        "brgit.worker_id": event.get("worker_id"),
        "brgit.role": event.get("role"),
        "brgit.attempt": event.get("attempt"),
    }
    times = _times(event.get("timestamp"), None, event.get("duration_ms"))
    error = str(event.get("error") or "task failed") if failed else None
    return _span(f"invoke_agent {agent}", 1, trace, _hex(own, 16), times, attrs, error)


def write_otlp(path: Path, calls: Iterable[dict[str, Any]], events: Iterable[dict[str, Any]],
               version: str) -> int:  # fmt: skip
    """Write one ExportTraceServiceRequest per span; return the span count."""
    from brgit.telemetry.export import write_text

    resource = {"attributes": [_attr("service.name", "brgit")]}
    scope = {"name": "brgit.telemetry", "version": version}
    spans = [genai_span(r) for r in calls]
    spans += [
        agent_span(e)
        for e in events
        if e.get("event_type") in (EventType.TASK_COMPLETED, EventType.TASK_FAILED)
    ]
    lines = []
    for span in spans:
        batch = {"resource": resource, "scopeSpans": [{"scope": scope, "spans": [span]}]}
        lines.append(json.dumps({"resourceSpans": [batch]}, separators=(",", ":")))
    write_text(path, "".join(f"{line}\n" for line in lines))
    return len(lines)
