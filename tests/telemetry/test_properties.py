"""Property-based tests (hypothesis): random and hostile input to the telemetry writer and
readers, and to every command that reads the store.

Whatever is written, the writer never raises and stores only standard-JSON records that read
back unchanged; whatever lines, segments and caches the store holds, every reading command
exits 0 with standard JSON, the spend index gives the same summary as a full scan, and
`events --last N` gives the last N events a full read gives.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import math
import shutil
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from brgit.core.usage import TokenUsage
from brgit.telemetry import events, validate
from brgit.telemetry.collector import EventCollector
from brgit.telemetry.costs import USAGE_COUNTS, CostTracker
from brgit.telemetry.events import EventType, TelemetryEvent, encode
from brgit.telemetry.ledger import load_cost, summarize
from brgit.telemetry.reader import ReadStats

from .conftest import READERS, read_everything, strict_json, write_config

SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
FEW = settings(SETTINGS, max_examples=25)  # each example runs every reading command


class Unprintable:
    """A value whose text cannot be made: str() raises (repr works, for hypothesis's report)."""

    def __str__(self) -> str:
        raise RuntimeError("no text")

    def __repr__(self) -> str:
        return "Unprintable()"


NOW = dt.datetime.now(dt.UTC)
_NUMBERS = st.one_of(
    st.integers(-(10**20), 10**20),
    st.just(10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, -1, 1e12, 1e13, 2**53, 2**53 + 1, -0.0, 0.5, 1e308]),
)
KEY = "sk-ant-api03-" + "k" * 93 + "AA"
ODD_TEXT = ["", "1.2s", "inf", "NaN", "2026-13-45T99:00:00", "\ud800", KEY, "\n", "task_completed"]
_TEXT = st.one_of(st.text(max_size=20), st.sampled_from(ODD_TEXT))
ODD_TIMES = ["2026-01-01", "2026-01-01T00:00:00Z", "0001-01-01T00:00:00+05:00",
             "9999-12-31T23:59:59-05:00", "yesterday"]  # fmt: skip
_TIMES = st.one_of(
    st.datetimes(timezones=st.just(dt.UTC)).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),  # naive: taken as UTC
    st.builds(lambda d: (NOW - dt.timedelta(days=d)).isoformat(), st.floats(0, 40)),
    st.sampled_from(ODD_TIMES),
)
_SCALARS = st.one_of(st.none(), st.booleans(), _NUMBERS, _TEXT, _TIMES)


def _deep(value: Any, depth: int) -> Any:
    for _ in range(depth):
        value = [value]
    return value


VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(_TEXT, st.integers()), inner, max_size=4),
        st.tuples(inner, inner),
    ),
    max_leaves=12,
) | st.builds(_deep, _SCALARS, st.integers(30, 60)) | st.builds(Unprintable)

EVENT_KEYS = [*validate.EVENT_FIELDS, "type", "schema_version", "extra", "cost_usd"]
COST_KEYS = [*validate.COST_FIELDS, "cwd", "schema_version"]
KINDS = st.one_of(st.sampled_from(list(EventType)), _TEXT)


def _event(kind: Any, fields: dict[str, Any]) -> dict[str, Any]:
    return {"event_type": kind, **fields}


EVENTS = st.builds(_event, KINDS, st.dictionaries(st.sampled_from(EVENT_KEYS), VALUES, max_size=8))
JSON_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), _NUMBERS, _TEXT),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=8,
)


def _line(fields: dict[str, Any], version: Any) -> bytes:
    record = {"schema_version": version, **fields} if version is not None else fields
    try:
        text = json.dumps(record)  # NaN and Infinity as Python writes them
    except (ValueError, RecursionError):
        text = "{broken"
    return text.encode("utf-8", "surrogatepass")


def _event_line(fields: dict[str, Any], version: Any) -> bytes:
    return _line(fields, version)


STORED_EVENTS = st.builds(
    _event_line,
    st.fixed_dictionaries(
        {"timestamp": _TIMES | JSON_VALUES, "event_type": KINDS | JSON_VALUES},
        optional={k: JSON_VALUES for k in EVENT_KEYS if k not in ("timestamp", "event_type")},
    ),
    st.sampled_from([1, 1, 1, 0, None, "1", 2]),
)
STORED_COSTS = st.builds(
    _line,
    st.fixed_dictionaries(
        {"timestamp": _TIMES | JSON_VALUES, "cost_usd": _NUMBERS | JSON_VALUES},
        optional={k: JSON_VALUES for k in COST_KEYS if k not in ("timestamp", "cost_usd")},
    ),
    st.sampled_from([1, 1, 1, None, 0]),
)
GARBAGE = st.one_of(
    st.binary(max_size=60),
    st.sampled_from([b"", b"[1,2]", b"null", b"{", b'{"schema_version":1,"times',
                     b"[" * 3000 + b"]" * 3000, b'{"a":' + b"[" * 40 + b"]" * 40 + b"}"]),
)  # fmt: skip


def _lines(kind: Any) -> Any:
    return st.lists(st.one_of(kind, kind, GARBAGE), max_size=12)


def _damage(data: bytes, how: int) -> bytes:
    """A gzip segment as a crash or a bad disk leaves it."""
    if how == 1:
        return data[: max(1, len(data) // 2)]
    if how == 2 and len(data) > 20:
        return data[:15] + bytes([data[15] ^ 0xFF]) + data[16:]
    return data


def _write_store(repo: Path, stream: str, live: list[bytes], sealed: list[list[bytes]],
                 damage: list[int]) -> None:  # fmt: skip
    folder = repo / ".buildrunner" / "telemetry" / stream
    folder.mkdir(parents=True, exist_ok=True)
    for n, (lines, how) in enumerate(zip(sealed, damage, strict=False)):
        body = gzip.compress(b"\n".join(lines) + b"\n", mtime=0)
        name = f"{stream}-2026010{n + 1}T000000000000Z-1-{n}.jsonl.gz"
        (folder / name).write_bytes(_damage(body, how))
    (folder / "current.jsonl").write_bytes(b"\n".join(live) + (b"\n" if live else b""))


def _fresh(repo: Path) -> None:
    shutil.rmtree(repo / ".buildrunner" / "telemetry", ignore_errors=True)


# ------------------------------------------------------------------ the writers


@SETTINGS
@given(batch=st.lists(EVENTS, min_size=1, max_size=6))
def test_the_event_writer_never_raises_and_stores_only_valid_records(
    repo: Path, batch: list[dict[str, Any]]
) -> None:
    _fresh(repo)
    collector = EventCollector(repo)
    for event in batch:
        collector.collect_event(event)
    collector.collect(TelemetryEvent(EventType.TASK_FAILED, duration_ms=math.inf, error="x"))
    live = repo / ".buildrunner" / "telemetry" / "events" / "current.jsonl"
    lines = live.read_bytes().splitlines() if live.exists() else []
    assert len(lines) + collector.errors >= len(batch) + 1
    for line in lines:
        record = strict_json(line.decode())
        stats = ReadStats(records=1)
        assert events.load(record, stats) == record and stats.repaired == 0
        assert validate.clean(record, validate.EVENT_FIELDS) == (record, [])


@SETTINGS
@given(
    tokens=st.dictionaries(st.sampled_from(USAGE_COUNTS), VALUES),
    model=st.one_of(st.sampled_from(["sonnet", "haiku", "claude-opus-4-5", "gpt-9"]), VALUES),
    context=st.dictionaries(st.sampled_from(COST_KEYS), VALUES, max_size=6),
)
def test_the_ledger_writer_never_raises_and_stores_only_valid_records(
    repo: Path, tokens: dict[str, Any], model: Any, context: dict[str, Any]
) -> None:
    _fresh(repo)
    tracker = CostTracker(repo)
    context.pop("schema_version", None)
    tracker.track_usage(TokenUsage(model, **tokens), **context)
    live = repo / ".buildrunner" / "telemetry" / "costs" / "current.jsonl"
    for line in live.read_bytes().splitlines() if live.exists() else []:
        record = strict_json(line.decode())
        stats = ReadStats(records=1)
        assert load_cost(record, stats) == record and stats.repaired == 0
        assert math.isfinite(record["cost_usd"]) and record["cost_usd"] >= 0


# ------------------------------------------------------------------ the readers


@FEW
@given(
    event_lines=_lines(STORED_EVENTS),
    cost_lines=_lines(STORED_COSTS),
    sealed=st.lists(st.tuples(_lines(STORED_EVENTS), _lines(STORED_COSTS)), max_size=2),
    damage=st.lists(st.integers(0, 2), min_size=2, max_size=2),
    cache=st.sampled_from([None, b"", b"{", b"[]", b'{"version":4,"size":0}', b"null"]),
)
def test_every_reading_command_survives_any_store(
    repo: Path, br: Any, tmp_path: Path, event_lines: list[bytes], cost_lines: list[bytes],
    sealed: list[tuple[list[bytes], list[bytes]]], damage: list[int], cache: bytes | None,
) -> None:  # fmt: skip
    _fresh(repo)
    _write_store(repo, "events", event_lines, [s[0] for s in sealed], damage)
    _write_store(repo, "costs", cost_lines, [s[1] for s in sealed], damage)
    if cache is not None:  # damaged caches of every sealed segment, valid size or not
        base = repo / ".buildrunner" / "telemetry"
        for stream, kind in (("events", "aggregates"), ("costs", "spend")):
            (base / kind).mkdir(exist_ok=True)
            for seg in (base / stream).glob("*.gz"):
                (base / kind / f"{seg.name}.json").write_bytes(cache)
    read_everything(br, repo, tmp_path)


@SETTINGS
@given(
    chunks=st.lists(st.tuples(_lines(STORED_COSTS), st.booleans()), min_size=1, max_size=4),
    period=st.sampled_from(["day", "week", "month", "all"]),
)
def test_the_spend_index_summary_equals_a_full_scan(
    repo: Path, chunks: list[tuple[list[bytes], bool]], period: str
) -> None:
    _fresh(repo)
    write_config(repo, "[telemetry]\nretention_days = 0\n")
    tracker = CostTracker(repo)
    live = repo / ".buildrunner" / "telemetry" / "costs" / "current.jsonl"
    live.parent.mkdir(parents=True, exist_ok=True)
    for lines, rotate in chunks:
        with live.open("ab") as f:
            f.write(b"".join(line + b"\n" for line in lines))
        if rotate:
            tracker.telemetry.stream("costs").rotate(force=True)
        indexed = tracker.get_summary(period)
        scanned = summarize(period, tracker.records(period))
        assert indexed == scanned
        assert tracker.spent(period) == indexed.total_cost


@SETTINGS
@given(
    kinds=st.lists(st.sampled_from(["task_started", "task_completed", "fallback"]), max_size=80),
    bad=st.lists(GARBAGE, max_size=5),
    want=st.integers(1, 30),
    kind=st.sampled_from([None, "task_completed"]),
)
def test_events_last_n_are_the_last_n_of_a_full_read(
    repo: Path, kinds: list[str], bad: list[bytes], want: int, kind: str | None
) -> None:
    _fresh(repo)
    write_config(repo, "[telemetry]\nmax_file_bytes = 900\n")
    collector = EventCollector(repo)
    for i, name in enumerate(kinds):
        collector.collect_event({"type": name, "task_id": f"t{i}"})
        if bad and i % 17 == 3:  # a damaged line among them
            collector.telemetry.stream("events").append(bad[i % len(bad)] + b"\n")
    everything = [e for e in collector.iter_events(None) if kind is None or e["event_type"] == kind]
    last = EventCollector(repo).get_events(kind, limit=want)
    expected = everything[-want:]
    assert [e["event_id"] for e in last] == [e["event_id"] for e in expected]


def test_records_the_writer_stores_are_what_the_reader_reads() -> None:
    """A sanity check of the property above's premise: encode -> load is the identity."""
    record, rejected = events.build({"type": "task_completed", "duration_ms": 5}, "id-1")
    assert rejected == []
    stats = ReadStats(records=1)
    assert events.load(strict_json(encode(record).decode()), stats) == record


# ------------------------------------------------------------------ options and configuration

_OPTION_VALUES = st.one_of(
    _NUMBERS.map(str),
    st.sampled_from(["nan", "-nan", "inf", "-inf", "1e999", "0", "0.0001", "1e20", "", "x", "-1",
                     "9" * 40, "--format"]),
    st.text(max_size=8),
)  # fmt: skip
_READ_OPTIONS = [
    (("telemetry", "summary"), "--hours"),
    (("telemetry", "events"), "--hours"),
    (("telemetry", "events"), "--last"),
    (("telemetry", "events"), "--limit"),
    (("telemetry", "events"), "--type"),
    (("telemetry", "performance"), "--hours"),
    (("telemetry", "performance"), "--role"),
    (("telemetry", "tokens"), "--hours"),
    (("telemetry", "alerts"), "--level"),
    (("routing", "costs"), "--period"),
]
_SETTINGS_KEYS = ["enabled", "max_file_bytes", "retention_days", "storage_dir", "export_dir",
                  "thresholds.latency_warning_ms", "thresholds.daily_cost_critical"]  # fmt: skip
_TOML_VALUES = st.sampled_from(["nan", "inf", "-inf", "-1", "0", "1e400", '"x"', "[1]", "{a=1}",
                                "true", "9" * 30, '""', "1.5"])  # fmt: skip


def _one_line_error(result: Any) -> None:
    """Exit 0, or 2 with one `br: error:` line and no traceback: the documented codes."""
    assert result.code in (0, 2), (result.code, result.err)
    assert "Traceback" not in result.err and "unexpected" not in result.err, result.err
    if result.code == 2:
        errors = [line for line in result.err.splitlines() if line.startswith("br: error:")]
        assert len(errors) == 1, result.err


@FEW
@given(
    option=st.sampled_from(_READ_OPTIONS),
    value=_OPTION_VALUES,
    fmt=st.sampled_from(["table", "json", "csv", "yaml"]),
)
def test_any_option_value_gives_a_result_or_one_line_with_exit_2(
    repo: Path, br: Any, option: tuple[tuple[str, ...], str], value: str, fmt: str
) -> None:
    command, name = option
    _one_line_error(br(*command, f"{name}={value}", "--format", fmt, cwd=repo))


@FEW
@given(
    key=st.sampled_from(_SETTINGS_KEYS),
    value=_TOML_VALUES,
    command=st.sampled_from(READERS),
)
def test_any_telemetry_setting_gives_a_result_or_one_line_with_exit_2(
    repo: Path, br: Any, key: str, value: str, command: tuple[str, ...]
) -> None:
    section, _, name = key.rpartition(".")
    table = "telemetry" + (f".{section}" if section else "")
    (repo / ".buildrunner").mkdir(exist_ok=True)
    (repo / ".buildrunner" / "config.toml").write_text(f"[{table}]\n{name} = {value}\n")
    _one_line_error(br(*command, "--format", "json", cwd=repo))
