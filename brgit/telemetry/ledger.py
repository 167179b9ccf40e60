"""Cost-ledger records: reading one (any version, any damage) as a valid current record, and
summaries by period, model and day, and of token usage."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from brgit.telemetry import validate
from brgit.telemetry.money import TOKEN_FIELDS, Money, Row, Tally
from brgit.telemetry.reader import ReadStats

LEDGER_VERSION = 1


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
    requests_by_model: dict[str, int] = field(default_factory=dict)


def _num(record: dict[str, Any], key: str) -> float:
    value = record.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # an int too large for a float
            return 0.0
        return number if math.isfinite(number) else 0.0
    return 0.0


def row_of(record: dict[str, Any]) -> Row:
    """What a valid record (see `load_cost`) adds to the spend and to a summary."""
    return Row(
        record.get("idempotency_key") or None,
        record["timestamp"],
        record.get("cost_usd") or 0.0,
        record.get("model_name") or record.get("model") or "unknown",
        tuple(record.get(k) or 0 for k in TOKEN_FIELDS),
        (record.get("model") or "None") if record.get("unknown_model") else None,
        record.get("price_version") or None,
    )


def summarize(period: str, records: Iterable[dict[str, Any]]) -> CostSummary:
    """The summary of valid records (each key once already), by a full scan."""
    tally = Tally()
    for record in records:
        tally.add(row_of(record))
    return summary_of(period, tally)


def summary_of(period: str, tally: Tally) -> CostSummary:
    """A tally as the API's CostSummary: models by cost (highest first), days in order."""
    models = sorted(tally.models.items(), key=lambda kv: (-kv[1].money.value(), kv[0]))
    total = Money()
    for group in tally.models.values():
        total.merge(group.money)
    out = CostSummary(period=period, total_cost=total.value())
    out.request_count = sum(group.requests for _, group in models)
    out.by_model = {name: group.money.value() for name, group in models}
    out.requests_by_model = {name: group.requests for name, group in models}
    out.by_day = {day: money.value() for day, money in sorted(tally.days.items())}
    for i, key in enumerate(TOKEN_FIELDS):
        out.tokens[key] = sum(group.tokens[i] for group in tally.models.values())
    if out.request_count:
        out.avg_cost_per_request = out.total_cost / out.request_count
    out.unknown_models = sorted(tally.unknown)
    out.price_versions = sorted(tally.versions)
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
    if record.get("schema_version") == LEDGER_VERSION:
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
        warnings=record["warnings"] if isinstance(record.get("warnings"), list) else [],
    )
    return out


def load_cost(raw: dict[str, Any], stats: ReadStats) -> dict[str, Any] | None:
    """A stored record of any version as a current, valid one; None (counted as a corrupt
    line) when it has no usable time. Fields of the wrong type are left out (a list as
    `idempotency_key`: the record is not de-duplicated) and the record counted in
    `stats.repaired`."""
    return stats.accept(upgrade_cost(raw), validate.COST_FIELDS, ("timestamp",))
