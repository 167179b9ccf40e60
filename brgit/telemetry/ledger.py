"""Summaries of cost-ledger records: by period, model and day, token usage reports, and the
per-day spend of one segment that `CostTracker.spent()` keeps between calls."""

from __future__ import annotations

import bisect
import math
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from brgit.telemetry.reader import ReadStats

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


# ---------------------------------------------------------------------- spend per UTC day

EXACT_BITS = 1074  # every finite float is a whole number of 2**-1074


@dataclass
class Money:
    """An exact sum of floats, so a total never depends on how records were grouped: finite
    values as a whole number of 2**-1074, infinities and NaN summed apart as floats."""

    units: int = 0
    special: float = 0.0

    def add(self, value: float) -> None:
        if math.isfinite(value):
            num, den = value.as_integer_ratio()  # den is a power of two
            self.units += num << (EXACT_BITS + 1 - den.bit_length())
        else:
            self.special += value

    def merge(self, other: Money) -> None:
        self.units += other.units
        self.special += other.special

    def value(self) -> float:
        """The sum, correctly rounded (what `math.fsum` gives for the same values)."""
        try:
            return self.units / (1 << EXACT_BITS) + self.special
        except OverflowError:
            return math.copysign(math.inf, self.units) + self.special

    def to_list(self) -> list[Any]:
        """[m, e, special] with units = m * 2**(EXACT_BITS - e): short in JSON."""
        zeros = (self.units & -self.units).bit_length() - 1 if self.units else EXACT_BITS
        return [self.units >> zeros, EXACT_BITS - zeros, self.special]

    @classmethod
    def from_list(cls, m: Any, e: Any, special: Any) -> Money:
        if not (type(m) is int and type(e) is int and 0 <= EXACT_BITS - e <= 2 * EXACT_BITS):
            raise ValueError("bad money")
        if not isinstance(special, float):
            raise ValueError("bad money")
        return cls(m << (EXACT_BITS - e), special)


@dataclass
class DaySpend:
    """The spend of one UTC day and the lowest and highest timestamp text it covers."""

    low: str
    high: str
    money: Money = field(default_factory=Money)


@dataclass
class SegmentSpend:
    """What one segment adds to the spend: by day (the first 10 characters of `timestamp`,
    as text), with the idempotency keys that de-duplication against later records needs and
    what the read skipped."""

    days: dict[str, DaySpend] = field(default_factory=dict)
    keys: list[Any] = field(default_factory=list)
    stats: ReadStats = field(default_factory=ReadStats)

    def add(self, ts: str, cost: float) -> None:
        day = self.days.get(ts[:10])
        if day is None:
            day = self.days[ts[:10]] = DaySpend(ts, ts)
        elif ts < day.low:
            day.low = ts
        elif ts > day.high:
            day.high = ts
        day.money.add(cost)

    def add_since(self, since: str | None, out: Money) -> bool:
        """Add the spend at or after `since` (None: all) to `out`. False when the day of
        `since` holds records on both sides of it: the caller adds that day's share."""
        exact = True
        first = since[:10] if since is not None else ""
        for day, spend in self.days.items():
            if since is None or day > first or (day == first and spend.low >= since):
                out.merge(spend.money)  # a whole later day: every record is at or after since
            elif day == first and spend.high >= since:
                exact = False
        return exact

    def to_payload(self) -> dict[str, Any]:
        days = {d: [*s.money.to_list(), s.low, s.high] for d, s in self.days.items()}
        return {"stats": self.stats.to_dict(), "days": days, "keys": self.keys}

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> SegmentSpend:
        """Raises KeyError, TypeError or ValueError on anything malformed."""
        days = {}
        for day, (m, e, special, low, high) in data["days"].items():
            if not (isinstance(low, str) and isinstance(high, str)):
                raise ValueError("bad day")
            days[day] = DaySpend(low, high, Money.from_list(m, e, special))
        keys = list(data["keys"])
        frozenset(keys)  # TypeError for a list or an object: not a key the ledger could hold
        raw = data["stats"]
        bad = [str(b) for b in raw["bad_segments"]]
        stats = ReadStats(int(raw["records"]), int(raw["corrupt_lines"]), bad)
        return cls(days, keys, stats)


def first_seen(
    records: Iterable[dict[str, Any]], local: set[Any], known: Collection[Any] = ()
) -> Iterator[tuple[Any, str, float]]:
    """(key, timestamp text, cost) of each record whose idempotency key is not in `local`
    (nor `known`), adding it to `local`: the rules of `CostTracker.records()`. A record
    without a key (or with a falsy one) is never de-duplicated and yields key None."""
    for raw in records:
        record = upgrade_cost(raw)
        key = record.get("idempotency_key") or None
        if key is not None:
            if key in local or key in known:
                continue
            local.add(key)
        yield key, str(record.get("timestamp", "")), float(record.get("cost_usd") or 0.0)


def segment_spend(
    records: Iterable[dict[str, Any]], stats: ReadStats, exclude: Collection[Any] = ()
) -> SegmentSpend:
    """Spend of one segment's records, leaving out those whose key is in `exclude` (keys an
    earlier segment holds). `stats` is the one the records' reader fills."""
    out = SegmentSpend(stats=stats)
    for key, ts, cost in first_seen(records, set()):
        if key is not None:
            out.keys.append(key)
            if key in exclude:
                continue
        out.add(ts, cost)
    return out


@dataclass
class DayDetail:
    """One day's records in timestamp order, with exact sums from each record to the last,
    for a period that starts inside the day."""

    stamps: list[str]
    tails: list[Money]

    @classmethod
    def of(cls, rows: Iterable[tuple[str, float]]) -> DayDetail:
        ordered = sorted(rows, key=lambda row: row[0])
        tails, acc = [], Money()
        for _, cost in reversed(ordered):
            acc.add(cost)
            tails.append(Money(acc.units, acc.special))
        tails.reverse()
        return cls([ts for ts, _ in ordered], tails)

    def since(self, since: str) -> Money:
        i = bisect.bisect_left(self.stamps, since)
        return self.tails[i] if i < len(self.tails) else Money()
