"""Summaries of cost-ledger records: by period, model and day, and token usage reports."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

TOKEN_FIELDS = (
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "thinking_tokens",
)


@dataclass
class CostSummary:
    """The API reference's CostSummary, plus token totals and pricing warnings."""

    period: str
    total_cost: float = 0.0
    request_count: int = 0
    by_model: dict[str, float] = field(default_factory=dict)
    by_day: dict[str, float] = field(default_factory=dict)
    avg_cost_per_request: float = 0.0
    tokens: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TOKEN_FIELDS, 0))
    unknown_models: list[str] = field(default_factory=list)
    price_versions: list[str] = field(default_factory=list)


def _num(record: dict[str, Any], key: str) -> float:
    value = record.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def summarize(period: str, records: Iterable[dict[str, Any]]) -> CostSummary:
    out = CostSummary(period=period)
    unknown: set[str] = set()
    versions: set[str] = set()
    for record in records:
        cost = _num(record, "cost_usd")
        name = str(record.get("model_name") or record.get("model") or "unknown")
        day = str(record.get("timestamp", ""))[:10]
        out.total_cost += cost
        out.request_count += 1
        out.by_model[name] = out.by_model.get(name, 0.0) + cost
        out.by_day[day] = out.by_day.get(day, 0.0) + cost
        for key in TOKEN_FIELDS:
            out.tokens[key] += int(_num(record, key))
        if record.get("unknown_model"):
            unknown.add(str(record.get("model")))
        if record.get("price_version"):
            versions.add(str(record["price_version"]))
    out.by_day = dict(sorted(out.by_day.items()))
    out.avg_cost_per_request = out.total_cost / out.request_count if out.request_count else 0.0
    out.unknown_models = sorted(unknown)
    out.price_versions = sorted(versions)
    return out


@dataclass
class TokenRow:
    """Tokens (cached included) and durations of one command, model and day."""

    day: str
    command: str
    model: str
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    thinking_tokens: int = 0
    total_tokens: int = 0
    duration_ms: float = 0.0
    avg_duration_ms: float = 0.0
    cost_usd: float = 0.0


def token_report(records: Iterable[dict[str, Any]]) -> list[TokenRow]:
    rows: dict[tuple[str, str, str], TokenRow] = {}
    for r in records:
        day = str(r.get("timestamp", ""))[:10]
        command = str(r.get("command_name") or "-")
        model = str(r.get("model_name") or r.get("model") or "unknown")
        row = rows.setdefault((day, command, model), TokenRow(day, command, model))
        writes = int(_num(r, "cache_write_5m_tokens") + _num(r, "cache_write_1h_tokens"))
        row.requests += 1
        row.input_tokens += int(_num(r, "input_tokens"))
        row.output_tokens += int(_num(r, "output_tokens"))
        row.cache_read_tokens += int(_num(r, "cache_read_tokens"))
        row.cache_write_tokens += writes
        row.thinking_tokens += int(_num(r, "thinking_tokens"))
        row.total_tokens += (
            int(_num(r, "input_tokens") + _num(r, "output_tokens") + _num(r, "cache_read_tokens"))
            + writes
        )
        row.duration_ms += _num(r, "duration_ms")
        row.cost_usd += _num(r, "cost_usd")
    for row in rows.values():
        row.avg_duration_ms = row.duration_ms / row.requests if row.requests else 0.0
    return sorted(rows.values(), key=lambda row: (row.day, row.command, row.model))


def upgrade_cost(record: dict[str, Any]) -> dict[str, Any]:
    """A ledger record of any version -> the current shape (version 0: the foundation's
    `.buildrunner/costs/ledger.jsonl`, without schema_version or idempotency key)."""
    if record.get("schema_version") == 1:
        return record
    import hashlib
    import json

    out: dict[str, Any] = {"schema_version": 1, **record}
    digest = hashlib.sha1(
        json.dumps(record, sort_keys=True, default=str).encode(), usedforsecurity=False
    ).hexdigest()[:20]
    ids = (record.get("message_id"), record.get("request_id"))
    writes = int(_num(record, "cache_write_5m_tokens") + _num(record, "cache_write_1h_tokens"))
    out.update(
        schema_version=1,
        record_id=record.get("record_id") or f"v0-{digest}",
        model_name=record.get("model_name") or record.get("model"),
        cache_write_tokens=writes,
        total_input_tokens=int(_num(record, "input_tokens") + _num(record, "cache_read_tokens"))
        + writes,
        idempotency_key=f"{ids[0] or ''}:{ids[1] or ''}" if any(ids) else None,
        currency=record.get("currency") or "USD",
        unknown_model=bool(record.get("unknown_model", False)),
        warnings=list(record.get("warnings") or []),
    )
    return out
