"""Field types of stored records, checked when a record is written and again when it is read.

One event or ledger record with a wrong type (`duration_ms: "1.2s"`, `cost_usd: Infinity`, a
list as `idempotency_key`) must not break a command for its whole window, so the same rules
run on both sides:

- writing: a value that can be made valid is (an integral float token count becomes an int,
  a non-UTC time becomes UTC); one that cannot is left out of the record and named with its
  text under `data.rejected` (events) or in `warnings` (ledger), and the writer counts it;
- reading: the same, so records stored by older versions, other tools or a hand edit read as
  if they had been written now; a record that cannot be placed in time (no usable
  `timestamp`) or classified (an event without a text `event_type`) is skipped and counted
  like a corrupt line.

Every value inside a record, known field or not: numbers that are not finite become null and
nesting deeper than MAX_DEPTH is cut, so what a command prints is always valid JSON.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

MAX_DEPTH = 32  # nesting of objects and lists inside a record
MAX_MS = 1e12  # about 31 years: longer durations are not measurements
MAX_COUNT = 2**53  # token counts and attempts: beyond this a float cannot hold them
MAX_USD = 1e9  # no single model call costs a billion dollars
REJECTED_TEXT = 200  # characters kept of a rejected value's text


class _Bad:
    """The one marker of a value that cannot be made valid."""

    def __repr__(self) -> str:
        return "BAD"


BAD: Final = _Bad()
Kind = Callable[[Any], Any]  # value -> the valid value (itself when already valid) or BAD

_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00")


def text(value: Any) -> Any:
    if type(value) is str:
        return value
    if type(value) is int or (type(value) is float and math.isfinite(value)):
        return str(value)
    return BAD


def flag(value: Any) -> Any:
    return value if type(value) is bool else BAD


def count(value: Any) -> Any:
    if type(value) is int:
        return value if 0 <= value <= MAX_COUNT else BAD
    if type(value) is float and value.is_integer() and 0 <= value <= MAX_COUNT:
        return int(value)
    return BAD


def _bounded(value: Any, top: float) -> Any:
    if type(value) is float:
        return value if 0 <= value <= top else BAD  # NaN fails both comparisons
    if type(value) is int:
        return float(value) if 0 <= value <= top else BAD
    return BAD


def duration(value: Any) -> Any:
    """Milliseconds: a finite number from 0 to MAX_MS (ints stay ints)."""
    if type(value) is int:
        return value if 0 <= value <= MAX_MS else BAD
    return _bounded(value, MAX_MS)


def money(value: Any) -> Any:
    """USD: a float from 0 to MAX_USD."""
    return _bounded(value, MAX_USD)


def utc_time(value: Any) -> Any:
    """ISO-8601 text in UTC as brgit writes it (`2026-11-22T09:16:45.123456+00:00`); other
    ISO forms and offsets are converted, anything else is BAD."""
    if type(value) is str and _UTC.fullmatch(value):
        try:
            dt.datetime.fromisoformat(value)  # the shape is right; are the numbers?
        except ValueError:
            return BAD
        return value
    parsed = parse_time(value)
    return BAD if parsed is None else parsed.isoformat()


def since_hours(hours: float | None, now: dt.datetime | None = None) -> str | None:
    """The UTC ISO timestamp `hours` before `now` (None: no lower bound). A window reaching
    back beyond year 1 (`inf`, 1e20) has no lower bound either; NaN is refused."""
    if hours is None:
        return None
    if math.isnan(hours):
        raise ValueError("hours must be a number, not NaN")
    try:
        return ((now or dt.datetime.now(dt.UTC)) - dt.timedelta(hours=hours)).isoformat()
    except OverflowError:  # the window starts before datetime.min: all history
        return None


def window(hours: float | None) -> float | None:
    """`hours` as a window length, None when it reaches back beyond year 1 (all history), so
    a report never names an infinite window (not JSON)."""
    return None if hours is None or since_hours(hours) is None else hours


def parse_time(value: Any) -> dt.datetime | None:
    """A datetime or ISO text -> an aware UTC datetime (naive values are taken as UTC)."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif type(value) is str and value:
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    try:
        return parsed.astimezone(dt.UTC)
    except (OverflowError, ValueError):  # year 1 with a positive offset, and the like
        return None


def texts(value: Any) -> Any:
    if type(value) is list and all(type(v) is str for v in value):
        return value
    return BAD


def obj(value: Any) -> Any:
    """A JSON object whose contents are printable (see `free`)."""
    if type(value) is not dict:
        return BAD
    return free(value)


_SCALAR = frozenset({str, int, bool, type(None)})


def free(value: Any, depth: int = 0) -> Any:
    """Any JSON value: non-finite numbers become None, objects nested deeper than MAX_DEPTH
    are cut (BAD at the top means the value itself is too deep to keep)."""
    kind = type(value)
    if kind in _SCALAR:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if depth >= MAX_DEPTH:
        return BAD
    if kind is dict:
        out, changed = {}, False
        for key, item in value.items():
            good = free(item, depth + 1)
            changed = changed or good is not item or type(key) is not str
            if good is not BAD:
                out[key if type(key) is str else safe_text(key)] = good
        return out if changed else value
    if kind is list or kind is tuple:
        items = [free(item, depth + 1) for item in value]
        if kind is list and all(a is b for a, b in zip(items, value, strict=True)):
            return value
        return [item for item in items if item is not BAD]
    return safe_text(value)  # a path, a datetime: stored as its text


def safe_text(value: Any) -> str:
    """`str(value)`, or its type's name when it has no text."""
    try:
        return str(value)
    except Exception:  # a __str__ that raises must not lose the record
        return f"<{type(value).__name__}>"


def clean(
    record: dict[str, Any], spec: Mapping[str, Kind], trusted: frozenset[str] = frozenset()
) -> tuple[dict[str, Any], list[str]]:
    """`record` with every field valid, and the names of the fields left out. Returns the
    record itself when nothing had to change (the common case: cheap on every read).
    `trusted`: fields the caller made itself (a timestamp from the clock), not checked."""
    fixes: dict[str, Any] | None = None
    for key, value in record.items():
        kind = spec.get(key)
        if kind is None:
            if type(value) in _SCALAR:
                continue
            good = free(value)
        elif value is None or (kind is text and type(value) is str) or key in trusted:
            continue  # the common cases, without a call per field (every event comes here)
        else:
            good = kind(value)
        if good is not value:
            fixes = fixes if fixes is not None else {}
            fixes[key] = good
    if fixes is None:
        return record, []
    out = dict(record)
    dropped = []
    for key, good in fixes.items():
        if good is BAD:
            del out[key]
            dropped.append(key)
        else:
            out[key] = good
    return out, dropped


def rejected_text(value: Any) -> str:
    """A short text of a value that was left out, for the record that refused it, with
    anything that looks like a credential masked."""
    from brgit.redact import redact

    try:
        shown = repr(value)
    except Exception:  # a value whose repr fails or is too large to build
        shown = f"<{type(value).__name__}>"
    # masked before it is cut, so a credential across the cut is masked whole
    return redact(shown[: REJECTED_TEXT * 4])[:REJECTED_TEXT]


EVENT_FIELDS: dict[str, Kind] = {
    "event_id": text, "event_type": text, "timestamp": utc_time,
    "session_id": text, "task_id": text, "worker_id": text, "agent": text, "role": text,
    "model": text, "error": text, "duration_ms": duration, "success": flag, "attempt": count,
    "data": obj,
}  # fmt: skip
EVENT_REQUIRED = ("event_type", "timestamp")  # without them an event cannot be placed

COST_FIELDS: dict[str, Kind] = {
    "record_id": text, "timestamp": utc_time, "provider": text, "model": text,
    "model_id": text, "model_name": text, "message_id": text, "request_id": text,
    "idempotency_key": text, "currency": text, "price_version": text, "command_name": text,
    "action": text, "invocation_kind": text, "agent_id": text, "task_id": text,
    "session_id": text, "role": text, "started_at": utc_time, "finished_at": utc_time,
    "input_tokens": count, "output_tokens": count, "cache_read_tokens": count,
    "cache_write_5m_tokens": count, "cache_write_1h_tokens": count,
    "cache_write_tokens": count, "thinking_tokens": count, "total_input_tokens": count,
    "cost_usd": money, "reported_cost_usd": money, "duration_ms": duration,
    "unknown_model": flag, "warnings": texts,
}  # fmt: skip
COST_REQUIRED = ("timestamp",)
