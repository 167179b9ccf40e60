"""CostTracker: the token and cost ledger (`.buildrunner/telemetry/costs/`).

CONTRACT (other packages rely on it):
    CostTracker(root: Path | None = None)       # inside brgit: the context's `ctx.costs`
    tracker.track_usage(usage: TokenUsage, **context) -> dict   # context: task_id, session_id,
        agent_id, role, command_name, action, invocation_kind, started_at, finished_at,
        duration_ms ... ; returns the stored record; never raises.
    tracker.spent("day" | "week" | "month") -> float            # USD, current UTC day / 7 / 30 days

`spent()` is what budget checks call before model choices, so it reads only what changed
since the last call in the process (see `brgit.telemetry.spend`): the per-day spend of each sealed
segment is computed once (cached in `spend/<segment>.json`), the live segment is read on from
the byte offset already read.

Each record is priced with the bundled, versioned price table (config can override it) and
stamped with its version. An unknown model is recorded with `unknown_model: true` and a
warning, never silently as $0. Records carry an idempotency key (`call:<id>`, made once per
model call when its usage is read, or the caller's own for imports) and a key seen twice is
counted once. Values of the wrong type are left out of a record (named in its `warnings`,
counted in `errors`), so no record can break a reader.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from brgit.core.usage import TokenUsage
from brgit.telemetry import validate
from brgit.telemetry.events import IdSource, encode, utc_now
from brgit.telemetry.ledger import LEDGER_VERSION, CostSummary, load_cost, summary_of
from brgit.telemetry.money import Tally
from brgit.telemetry.reader import ReadStats
from brgit.telemetry.settings import Telemetry, resolve
from brgit.telemetry.spend import Handles, SpendIndex

if TYPE_CHECKING:
    from brgit.config import Config
    from brgit.llm.catalog import Catalog

log = logging.getLogger("brgit.telemetry")
T = TypeVar("T")
USAGE_COUNTS = ("input_tokens", "output_tokens", "cache_read_tokens", "cache_write_5m_tokens",
                "cache_write_1h_tokens", "thinking_tokens")  # fmt: skip
PERIOD_DAYS = {"week": 7, "month": 30}


def period_start(period: str, now: dt.datetime | None = None) -> str | None:
    """ "day": since 00:00 UTC today; "week"/"month": the last 7/30 days; "all": None."""
    now = now or dt.datetime.now(dt.UTC)
    if period == "day":
        return now.replace(hour=0, minute=0, second=0, microsecond=0).isoformat()
    if period in PERIOD_DAYS:
        return (now - dt.timedelta(days=PERIOD_DAYS[period])).isoformat()
    if period == "all":
        return None
    raise ValueError(f"unknown period {period!r} (expected day, week, month or all)")


class CostTracker:
    """Record what each model call cost; summarise by period, model and day."""

    def __init__(
        self,
        root: Path | None = None,
        *,
        config: Config | None = None,
        telemetry: Telemetry | None = None,
        catalog: Catalog | None = None,
    ) -> None:
        """`telemetry` and `catalog` are the command's own (see `brgit.context`); without them
        they are built from `config` (None: the repository's config at `root`)."""
        self.root = root
        self._config = config
        self._telemetry = telemetry
        self._catalog = catalog
        self._ids = IdSource()
        self.errors = 0
        self.last_read = ReadStats()

    @property
    def telemetry(self) -> Telemetry:
        if self._telemetry is None:
            self._telemetry = resolve(self.root, self._config)
        return self._telemetry

    @property
    def catalog(self) -> Catalog:
        from brgit.llm.catalog import load_catalog

        if self._catalog is None:
            try:
                self._catalog = load_catalog(self.telemetry.config.models)
            except Exception as exc:  # a bad [models] override: price with the bundled table
                log.warning("telemetry: model overrides ignored: %s", exc)
                self._catalog = load_catalog()
        return self._catalog

    # ------------------------------------------------------------------ writing

    def track_usage(self, usage: TokenUsage, **context: Any) -> dict[str, Any]:
        """Price and store one call's usage; return the record (stored or not). `context`
        may give `idempotency_key` (an import's own, stable across runs)."""
        try:
            record, invalid = self._build(usage, context)
        except Exception as exc:  # the ledger never fails the caller's work
            self.errors += 1
            log.warning("telemetry: cost record not built: %s", exc)
            return {}
        self.errors += bool(invalid)
        try:
            tel = self.telemetry
            if tel.enabled and not tel.stream("costs").append(encode(record)):
                self.errors += 1
        except Exception as exc:  # the ledger never fails the caller's work
            self.errors += 1
            log.warning("telemetry: cost record not stored: %s", exc)
        return record

    def track_request(
        self,
        model: str,
        input_tokens: int = 0,
        output_tokens: int = 0,
        cache_read_input_tokens: int = 0,
        cache_creation_input_tokens: int = 0,
        latency_ms: float | None = None,
        *,
        cache_creation_1h_input_tokens: int = 0,
        **context: Any,
    ) -> dict[str, Any]:
        """The API reference's call: SDK usage field names; cache writes are 5-minute ones
        unless `cache_creation_1h_input_tokens` says how many were 1-hour writes."""
        one_hour = cache_creation_1h_input_tokens
        total, hour = validate.count(cache_creation_input_tokens), validate.count(one_hour)
        five = cache_creation_input_tokens  # invalid: the ledger names it
        if total is not validate.BAD and hour is not validate.BAD:
            five = max(0, total - hour)
        usage = TokenUsage(
            model=model,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cache_read_tokens=cache_read_input_tokens,
            cache_write_5m_tokens=five,
            cache_write_1h_tokens=one_hour,
            message_id=context.pop("message_id", None),
            request_id=context.pop("request_id", None),
        )
        if latency_ms is not None:
            context.setdefault("duration_ms", latency_ms)
        return self.track_usage(usage, **context)

    def price_record(self, usage: TokenUsage, **context: Any) -> dict[str, Any]:
        """The ledger record of one call: priced, keyed, and valid (values of the wrong type
        are left out and named in `warnings` as `invalid <field>: <value>`)."""
        return self._build(usage, context)[0]

    def _build(self, usage: TokenUsage, context: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """The record, and how many values were invalid."""
        context = {
            k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in context.items()
        }
        usage, warnings = _valid_usage(usage)
        cost = self.catalog.cost(usage)
        info = self.catalog.find(usage.model)
        if not cost.model_known:
            warnings.insert(0, f"unknown model {usage.model!r}: not priced")
            log.warning("telemetry: %s", warnings[0])
        fields = dataclasses.asdict(usage)
        for name in ("model", "call_id"):
            fields.pop(name)
        record = {
            "schema_version": LEDGER_VERSION,
            "record_id": self._ids.next(),
            "timestamp": context.get("finished_at") or utc_now(),
            "model": usage.model,
            "model_id": info.id if info else None,
            "model_name": info.name if info else usage.model,
            **fields,
            "cache_write_tokens": usage.cache_write_5m_tokens + usage.cache_write_1h_tokens,
            "total_input_tokens": usage.total_input_tokens,
            "idempotency_key": usage.idempotency_key,
            "cost_usd": float(cost.usd),  # 0.0 for an unknown model, flagged below
            "currency": cost.currency,
            "price_version": cost.price_version,
            "unknown_model": not cost.model_known,
            "warnings": warnings,
        }
        for key, value in context.items():  # the caller's own fields; the priced ones stay
            if key in record and key != "idempotency_key":
                warnings.append(f"invalid {key}: computed by the ledger, not given")
            elif value is not None:
                record[key] = value
        record, dropped = _valid_record(record)
        record.setdefault("idempotency_key", usage.idempotency_key)  # the caller's was invalid
        return record, len(warnings) - (not cost.model_known) + dropped

    # ------------------------------------------------------------------ reading

    def records(self, period: str = "all", hours: float | None = None) -> Iterator[dict[str, Any]]:
        """Stored records in the period (or the last `hours`), each idempotency key once."""
        since = period_start(period)
        if hours is not None:
            since = validate.since_hours(hours)
        seen: set[str] = set()
        self.last_read = stats = ReadStats()
        for raw in self.telemetry.stream("costs").read(stats):
            record = load_cost(raw, stats)
            if record is None:
                continue
            key = record.get("idempotency_key")
            if key:
                if key in seen:
                    continue
                seen.add(key)
            if since is None or str(record.get("timestamp", "")) >= since:
                yield record

    def get_summary(self, period: str = "day", hours: float | None = None) -> CostSummary:
        """The period's (or the last `hours`') summary, from the spend index: the same
        figures as `ledger.summarize(period, self.records(period, hours))`, without reading
        more than what changed since the index last caught up."""
        since = period_start(period)
        if hours is not None:
            since = validate.since_hours(hours)
        tally: Tally = self._indexed(lambda index, handles: index.tally(since, handles))
        return summary_of(period, tally)

    def spent(self, period: str) -> float:
        """USD spent in the current UTC day ("day"), last 7 ("week") or 30 days ("month").
        Budget checks call this often: only what changed since the last call is read."""
        since = period_start(period)
        return self._indexed(lambda index, handles: index.total(since, handles))

    def _indexed(self, query: Callable[[SpendIndex, Handles], T]) -> T:
        """`query` on the spend index, brought up to date with a snapshot of the ledger."""
        tel = self.telemetry
        store = tel.stream("costs")
        index: SpendIndex = tel.spend_index()
        with index.lock, store.snapshot() as handles:
            index.refresh(handles)
            self.last_read = index.stats()
            return query(index, {seg.name: (seg, handle) for seg, handle in handles})

    def export_csv(self, path: Path | str, period: str = "month") -> int:
        """Write the period's records as CSV; return how many."""
        from brgit.telemetry.export import write_csv

        return write_csv(Path(path), list(self.records(period)), kind="costs")


def _valid_usage(usage: TokenUsage) -> tuple[TokenUsage, list[str]]:
    """`usage` with every token count a whole number from 0 (others are 0, and named)."""
    fixes: dict[str, Any] = {}
    warnings = []
    for name in USAGE_COUNTS:
        value = getattr(usage, name)
        good = validate.count(value)
        if good is validate.BAD:
            fixes[name] = 0
            warnings.append(f"invalid {name}: {validate.rejected_text(value)}")
        elif good is not value:
            fixes[name] = good
    if not isinstance(usage.model, str):
        fixes["model"] = validate.safe_text(usage.model)
    return (dataclasses.replace(usage, **fixes) if fixes else usage), warnings


def _valid_record(record: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The record with the values of the wrong type left out and named in `warnings`, and
    how many there were."""
    valid, dropped = validate.clean(record, validate.COST_FIELDS)
    if dropped:
        notes = [f"invalid {k}: {validate.rejected_text(record[k])}" for k in dropped]
        valid["warnings"] = [*valid.get("warnings", []), *notes]
        log.warning("telemetry: cost record without invalid %s", ", ".join(dropped))
    if "timestamp" in dropped:
        valid["timestamp"] = utc_now()
    return valid, len(dropped)
