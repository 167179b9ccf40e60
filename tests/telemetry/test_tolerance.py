"""Bad input never breaks a command: invalid values are refused when written and tolerated when
read, by every command that reads the store."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path
from typing import Any

import pytest

from brgit.core.usage import TokenUsage
from brgit.telemetry import validate
from brgit.telemetry.collector import EventCollector
from brgit.telemetry.costs import CostTracker

from .conftest import events_dir, read_everything, strict_json


def ledger_dir(repo: Path) -> Path:
    return repo / ".buildrunner" / "telemetry" / "costs"


def stored_lines(folder: Path) -> list[dict[str, Any]]:
    return [strict_json(line) for line in (folder / "current.jsonl").read_text().splitlines()]


@pytest.mark.parametrize(
    "duration",
    ["1.2s", math.inf, -math.inf, math.nan, -5, 10**400, True],
    ids=["text", "inf", "-inf", "nan", "negative", "huge", "bool"],
)
def test_an_event_with_an_invalid_duration_is_stored_without_it(
    repo: Path, br: Any, tmp_path: Path, duration: Any
) -> None:
    collector = EventCollector(repo)
    collector.collect_event({"type": "task_completed", "task_id": "t1", "duration_ms": duration,
                             "model": "sonnet", "role": "builder"})  # fmt: skip
    collector.collect_event({"type": "task_completed", "task_id": "t2", "duration_ms": 1500})
    assert collector.errors == 1
    bad, good = stored_lines(events_dir(repo))
    assert "duration_ms" not in bad and good["duration_ms"] == 1500
    assert set(bad["data"]["rejected"]) == {"duration_ms"}
    results = read_everything(br, repo, tmp_path)
    summary = results[("telemetry", "summary")]
    assert summary["tasks_completed"] == 2 and summary["p50_latency_ms"] == 1500


def test_a_ledger_record_with_a_list_as_key_breaks_nothing(
    repo: Path, br: Any, tmp_path: Path
) -> None:
    CostTracker(repo).track_usage(TokenUsage("sonnet", output_tokens=100_000))  # $1
    record = CostTracker(repo).price_record(TokenUsage("haiku", output_tokens=1_000_000))
    record["idempotency_key"] = ["a", "list"]  # $0.50, written by hand or an old tool
    with (ledger_dir(repo) / "current.jsonl").open("a") as f:
        f.write(json.dumps(record) + "\n")
    results = read_everything(br, repo, tmp_path)
    assert results[("routing", "costs")]["total_cost"] == pytest.approx(1.5)
    warned = br("routing", "costs", cwd=repo).err
    assert "read 1 ledger record(s) without values of the wrong type" in warned


def test_ledger_values_of_the_wrong_type_are_refused_when_written(repo: Path) -> None:
    tracker = CostTracker(repo)
    usage = TokenUsage("sonnet", input_tokens="12", output_tokens=math.inf,  # type: ignore[arg-type]
                       cache_read_tokens=3.0)  # fmt: skip
    record = tracker.track_usage(usage, duration_ms=math.nan, idempotency_key=["x"],
                                 finished_at="not a time")  # fmt: skip
    assert tracker.errors == 1
    stored = stored_lines(ledger_dir(repo))[0]
    assert stored == record
    assert (stored["input_tokens"], stored["output_tokens"], stored["cache_read_tokens"]) == (0, 0, 3)
    assert "duration_ms" not in stored and stored["idempotency_key"] == usage.idempotency_key
    notes = " ".join(stored["warnings"])
    for name in ("input_tokens", "output_tokens", "duration_ms", "idempotency_key", "finished_at"):
        assert f"invalid {name}" in notes
    assert validate.utc_time(stored["timestamp"]) == stored["timestamp"]


HOSTILE_EVENTS = [
    b'{"schema_version":1,"event_id":"a","timestamp":"2026-01-01T00:00:00+00:00",'
    b'"event_type":"task_completed","duration_ms":"1.2s"}',
    b'{"schema_version":1,"event_id":"b","timestamp":"2026-01-01T00:00:00+00:00",'
    b'"event_type":"task_failed","duration_ms":Infinity,"error":["not","text"]}',
    b'{"schema_version":1,"event_id":"c","timestamp":"2026-01-01T00:00:00+00:00",'
    b'"event_type":"task_completed","duration_ms":1e999,"attempt":-1,"success":"yes"}',
    b'{"schema_version":1,"event_id":"d","timestamp":"2026-13-45T99:00:00+00:00",'
    b'"event_type":"task_started"}',
    b'{"schema_version":1,"event_id":"e","timestamp":12345,"event_type":"task_started"}',
    b'{"schema_version":1,"event_id":"f","timestamp":"2026-01-01T00:00:00+00:00",'
    b'"event_type":{"nested":1}}',
    b'{"schema_version":1,"event_id":"g","timestamp":"2026-01-01T00:00:00+00:00",'
    b'"event_type":"task_completed","data":[1,2],"model":{"a":1},"role":"r"}',
    b'{"schema_version":1,"event_id":"h","timestamp":"2026-01-01T00:00:00+00:00",'
    b'"event_type":"task_status_changed","data":{"from_status":"\\ud800","to_status":NaN}}',
    b'{"schema_version":1,"event_id":"i","timestamp":"2026-01-01T00:00:00+00:00",'
    b'"event_type":"task_completed","duration_ms":' + b"9" * 4000 + b"}",
    b'{"schema_version":1,"event_id":"j","timestamp":"2026-01-01T00:00:00+00:00",'
    b'"event_type":"merge_completed","data":{"merged":"4","ejected":-2,"deep":'
    + b"[" * 30 + b"]" * 30 + b"}}",
    b'{"schema_version":1,"timestamp":"2026-01-01T00:00:00+00:00","event_type":"x","data":'
    + b"[" * 5000 + b"]" * 5000 + b"}",
    b'{"type":"TASK_COMPLETED","duration_ms":"fast"}',  # version 0 without a time
    b'{"type":["x"],"timestamp":"2026-01-01T00:00:00Z","duration_ms":-0.0}',
]
HOSTILE_COSTS = [
    b'{"schema_version":1,"timestamp":"2026-01-01T00:00:00+00:00","cost_usd":"0.5",'
    b'"idempotency_key":["a"],"model":"sonnet"}',
    b'{"schema_version":1,"timestamp":"2026-01-01T00:00:00+00:00","cost_usd":Infinity,'
    b'"input_tokens":1e308,"model_name":7}',
    b'{"schema_version":1,"timestamp":"2026-01-01T00:00:00+00:00","cost_usd":-3,'
    b'"output_tokens":-1,"unknown_model":"yes","warnings":"one","model":["a"]}',
    b'{"schema_version":1,"timestamp":"2026-01-01T00:00:00+00:00","cost_usd":1e300,'
    b'"idempotency_key":{"k":1},"thinking_tokens":' + b"9" * 4000 + b"}",
    b'{"schema_version":1,"timestamp":{"when":"now"},"cost_usd":1}',
    b'{"model":"sonnet","input_tokens":Infinity,"cost_usd":NaN,"timestamp":"2026-01-01"}',
    b'{"model":"sonnet","warnings":{"a":1},"cost_usd":0.25,"timestamp":"2026-01-01T00:00"}',
]


def test_hand_written_records_of_every_wrong_shape_break_no_reader(
    repo: Path, br: Any, tmp_path: Path
) -> None:
    EventCollector(repo).collect_event({"type": "task_completed", "duration_ms": 10})
    CostTracker(repo).track_usage(TokenUsage("sonnet", output_tokens=100_000))
    for folder, lines in ((events_dir(repo), HOSTILE_EVENTS), (ledger_dir(repo), HOSTILE_COSTS)):
        with (folder / "current.jsonl").open("ab") as f:
            f.write(b"\n".join(lines) + b"\n")
        name = f"{folder.name}-20260101T000000000000Z-1-1.jsonl.gz"
        (folder / name).write_bytes(gzip.compress(b"\n".join(lines) + b"\n"))
    results = read_everything(br, repo, tmp_path)
    summary = results[("telemetry", "summary", "--hours", "100000")]
    assert summary["corrupt_lines"] > 0 and summary["repaired_records"] > 0
    # the train outcome written with a text count and a negative one: counted as nothing
    assert (summary["merge_trains"], summary["branches_merged"], summary["merge_rate"]) == (2, 0, None)
    costs = results[("routing", "costs", "--period", "month")]
    assert math.isfinite(costs["total_cost"])
    last = results[("telemetry", "events", "--last", "5")]
    assert len(last) == 5
    err = br("telemetry", "summary", "--hours", "100000", cwd=repo).err
    assert "skipped" in err and "without values of the wrong type" in err


def test_a_damaged_aggregate_cache_is_rebuilt(repo: Path, small: Any, br: Any) -> None:
    collector = EventCollector(repo)
    for i in range(60):
        collector.collect_event({"type": "task_completed", "task_id": f"t{i}", "duration_ms": i})
    before = strict_json(br("telemetry", "summary", "--format", "json", cwd=repo).out)
    caches = sorted((repo / ".buildrunner" / "telemetry" / "aggregates").glob("*.json"))
    assert caches
    for i, cache in enumerate(caches):
        data = json.loads(cache.read_text())
        hour = next(iter(data["hours"].values()))
        damage = [("events", "many"), ("latencies", {"x": 1}), ("outcomes", {"a\tb": [1]}),
                  ("trains", None), ("by_type", {"a": -1}), ("first", 5)][i % 6]  # fmt: skip
        hour[damage[0]] = damage[1]
        cache.write_text(json.dumps(data))
    after = strict_json(br("telemetry", "summary", "--format", "json", cwd=repo).out)
    assert after == before


# what a window covering all history must give, per command (summary and performance also
# name the window itself, so their whole JSON differs)
SAME_AS_ALL = {"summary": ("event_count", "total_cost", "p50_latency_ms"),
               "performance": ("latency_ms", "by_model"), "events": None, "tokens": None}  # fmt: skip


@pytest.mark.parametrize("command", ["summary", "events", "performance", "tokens"])
def test_a_window_of_any_size_reads_and_nan_is_refused(repo: Path, br: Any, command: str) -> None:
    EventCollector(repo).collect_event({"type": "task_completed", "task_id": "t", "duration_ms": 5,
                                        "model": "sonnet", "role": "builder"})  # fmt: skip
    CostTracker(repo).track_usage(TokenUsage("sonnet", output_tokens=100_000))

    def read(hours: str) -> Any:
        result = br("telemetry", command, "--hours", hours, "--format", "json", cwd=repo)
        assert result.code == 0, result.err
        data = strict_json(result.out)
        keys = SAME_AS_ALL[command]
        return data if keys is None else {k: data[k] for k in keys}

    everything = read("100000")
    assert everything
    for hours in ("inf", "1e20", "1e300"):  # starts before datetime's range: all history
        assert read(hours) == everything
    refused = br("telemetry", command, "--hours", "nan", cwd=repo)
    assert refused.code == 2 and "not NaN" in refused.err and "unexpected" not in refused.err
