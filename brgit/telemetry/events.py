"""The versioned event schema: building records, and upgrading old ones on read.

Every stored record starts with `schema_version` (so a torn line can be resynchronised on the
next record) and carries `event_id`, a UTC ISO-8601 `timestamp`, `event_type`, the common
context fields at top level and anything else under `data`.

Version history:
    0  the original tool's shape: `{"type": "TASK_COMPLETED", "timestamp": ..., ...}`, no
       event_id, no schema_version, extra keys at top level.
    1  the current shape described above. New fields are additive and nullable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import os
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from brgit.telemetry import validate
from brgit.telemetry.reader import ReadStats

SCHEMA_VERSION = 1


class EventType(StrEnum):
    """Every event brgit records, named once. Members are the stored strings themselves."""

    TASK_STARTED = "task_started"
    TASK_COMPLETED = "task_completed"
    TASK_FAILED = "task_failed"
    TASK_RETRY = "task_retry"
    TASK_BLOCKED = "task_blocked"
    TASK_WARNING = "task_warning"
    TASK_STATUS_CHANGED = "task_status_changed"
    BUILD_STARTED = "build_started"
    BUILD_COMPLETED = "build_completed"
    SESSION_STARTED = "session_started"
    SESSION_COMPLETED = "session_completed"
    MODEL_SELECTED = "model_selected"
    ROUTING_DECISION = "routing_decision"
    FALLBACK = "fallback"
    VERIFICATION_PASSED = "verification_passed"
    VERIFICATION_FAILED = "verification_failed"
    MERGE_STARTED = "merge_started"
    MERGE_MERGED = "merge_merged"
    MERGE_CONFLICT = "merge_conflict"
    MERGE_EJECTED = "merge_ejected"
    MERGE_REPAIR = "merge_repair"
    MERGE_COMPLETED = "merge_completed"
    TOKEN_USAGE = "token_usage"  # noqa: S105 - an event name, not a secret
    SECURITY_SCAN = "security_scan"


EVENT_TYPES: frozenset[str] = frozenset(EventType)

CONTEXT_FIELDS: tuple[str, ...] = (
    "session_id", "task_id", "worker_id", "agent", "role", "model",
    "duration_ms", "success", "error", "attempt",
)  # fmt: skip

HEAD_FIELDS = ("schema_version", "event_id", "timestamp", "event_type")


@dataclass
class TelemetryEvent:
    """A typed event; `to_dict()` gives the stored shape. brgit records its own events as
    these (`EventCollector.collect`); `event_type` may also be a caller's own name."""

    event_type: EventType | str
    session_id: str | None = None
    task_id: str | None = None
    worker_id: str | None = None
    agent: str | None = None
    role: str | None = None
    model: str | None = None
    duration_ms: float | None = None
    success: bool | None = None
    error: str | None = None
    attempt: int | None = None
    data: dict[str, Any] = field(default_factory=dict)
    timestamp: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"event_type": str(self.event_type)}
        for name in (*CONTEXT_FIELDS, "timestamp"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.data:
            out["data"] = dict(self.data)
        return out


_SECOND: list[Any] = [-1, ""]  # the last whole second formatted, reused within that second


def utc_now() -> str:
    """The current UTC time as ISO-8601 with microseconds (cheap: called for every event)."""
    now = time.time()
    second = int(now)
    if second != _SECOND[0]:
        _SECOND[:] = [
            second,
            dt.datetime.fromtimestamp(second, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        ]
    return f"{_SECOND[1]}.{int((now - second) * 1e6):06d}+00:00"


class IdSource:
    """Unique, cheap event ids: a random per-process prefix and a counter."""

    def __init__(self) -> None:
        self.prefix = os.urandom(6).hex()
        self.counter = itertools.count(1)

    def next(self) -> str:
        return f"{self.prefix}{next(self.counter):08x}"


_HEAD = frozenset({*HEAD_FIELDS, "type", "data"})
_CLOCK = frozenset({"timestamp"})
_NOTHING: frozenset[str] = frozenset()
_CONTEXT = frozenset(CONTEXT_FIELDS)


def normalize(raw: dict[str, Any], event_id: str, now: str | None = None) -> dict[str, Any]:
    """Build a current-version record from what a caller passed (API-reference shape too)."""
    return build(raw, event_id, now)[0]


def build(
    raw: dict[str, Any], event_id: str, now: str | None = None
) -> tuple[dict[str, Any], list[str]]:
    """The record to store for `raw`, and the names of the fields whose values were invalid:
    those are left out and kept as text under `data.rejected` (see `brgit.telemetry.validate`).
    `now`: the time for a record that gives none ("" leaves it without one)."""
    kind = raw.get("event_type") or raw.get("type") or "unknown"
    stamp = raw.get("timestamp")
    when = _timestamp(stamp) if stamp is not None else None
    record: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "event_id": raw.get("event_id") or event_id,
        "timestamp": when or (now if now is not None else utc_now()),
        "event_type": (kind if type(kind) is str else validate.safe_text(kind)).lower(),
    }
    rejected: dict[str, Any] = {}
    if stamp is not None and when is None:
        rejected["timestamp"] = validate.rejected_text(stamp)
    extra: dict[str, Any] = {}
    for key, value in raw.items():
        if key in _CONTEXT:
            record[key] = value
        elif key not in _HEAD:
            extra[key] = value
    data = raw.get("data")
    if data is not None and not isinstance(data, dict):
        rejected["data"] = validate.rejected_text(data)
    if (isinstance(data, dict) and data) or extra:
        record["data"] = {**(data if isinstance(data, dict) else {}), **extra}
    if record.get("error") and not isinstance(record["error"], str):
        record["error"] = validate.safe_text(record["error"])
    made = _CLOCK if stamp is None and now is None else _NOTHING  # utc_now() is valid
    record, dropped = validate.clean(record, validate.EVENT_FIELDS, made)
    record.setdefault("event_id", event_id)
    for key in dropped:
        rejected[key] = validate.rejected_text(raw.get(key, raw.get("data")))
    if rejected:
        record.setdefault("data", {})["rejected"] = rejected
    for key in ("data", "error"):  # masked once the values are what will be stored
        if record.get(key):
            record[key] = _scrub(record[key])
    return record, sorted(rejected) if rejected else []


def load(raw: dict[str, Any], stats: ReadStats) -> dict[str, Any] | None:
    """A stored record of any version as a current, valid one; None (counted as a corrupt
    line) when it has no usable time or type. Fields of the wrong type are left out and the
    record counted in `stats.repaired`."""
    record = raw if raw.get("schema_version") == SCHEMA_VERSION else upgrade(raw)
    return stats.accept(record, validate.EVENT_FIELDS, validate.EVENT_REQUIRED)


def _scrub(value: Any, depth: int = 0) -> Any:
    """Mask anything that looks like a credential in the strings of `value` (down to the
    depth a record may hold; deeper parts are cut by `validate.clean`)."""
    from brgit.redact import redact

    if isinstance(value, str):
        return redact(value)
    if depth > validate.MAX_DEPTH:
        return value
    if isinstance(value, dict):
        return {k: _scrub(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v, depth + 1) for v in value]
    return value


def parse_utc(value: Any) -> dt.datetime | None:
    """A datetime or ISO text -> an aware UTC datetime (naive values are taken as UTC)."""
    return validate.parse_time(value)


def _timestamp(value: Any) -> str | None:
    parsed = parse_utc(value)
    return parsed.isoformat() if parsed else None


def upgrade(record: dict[str, Any]) -> dict[str, Any]:
    """Any stored version -> the current shape. Current records are returned as they are."""
    version = record.get("schema_version", 0)
    if version == SCHEMA_VERSION:
        return record
    digest = hashlib.sha1(  # a stable id, so migrating twice gives the same ids
        json.dumps(record, sort_keys=True, default=str).encode(), usedforsecurity=False
    ).hexdigest()[:20]
    # no usable time of its own: left without one, so readers skip it (see `load`)
    upgraded = normalize(record, f"v0-{digest}", now=_timestamp(record.get("timestamp")) or "")
    upgraded["schema_version"] = SCHEMA_VERSION
    return upgraded


_FAST = json.JSONEncoder(separators=(",", ":"))
_LENIENT = json.JSONEncoder(separators=(",", ":"), default=str)


def _unencodable(value: Any) -> Any:
    raise TypeError(type(value).__name__)


def _direct_encoder() -> Any:
    """The C encoder `json.JSONEncoder.encode` ends up calling, built once: it skips the
    per-call dispatch, about a quarter of the cost of an event (same bytes out)."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:  # pragma: no cover - CPython always has it
        return None
    escape = json.encoder.encode_basestring_ascii
    return make(None, _unencodable, escape, None, ":", ",", False, False, True)


_DIRECT = _direct_encoder()


def encode(record: dict[str, Any]) -> bytes:
    """One record as one line of compact JSON (schema_version first); values JSON cannot
    represent (paths, datetimes, ...) are written as their text."""
    try:
        text = "".join(_DIRECT(record, 0)) if _DIRECT is not None else _FAST.encode(record)
    except (TypeError, ValueError, RecursionError):
        text = _LENIENT.encode(record)
    return (text + "\n").encode()
