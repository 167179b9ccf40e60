"""The cost ledger: Anthropic's formulas against hand-computed values, dedup, periods, export."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pytest

from brgit.core.usage import TokenUsage
from brgit.telemetry.costs import CostTracker

from .conftest import write_config


@pytest.mark.parametrize(
    ("usage", "expected"),
    [
        # sonnet 5.5: 1000*2 + 500*10 + 2000*0.10 + 400*2.50 + 100*4.00 = 8600 per million
        (TokenUsage("sonnet", input_tokens=1000, output_tokens=500, cache_read_tokens=2000,
                    cache_write_5m_tokens=400, cache_write_1h_tokens=100), 0.0086),
        # opus 4.5 by id: 10_000*5 + 2_000*25 + 50_000*0.50 = 125_000 per million
        (TokenUsage("claude-opus-4-5", input_tokens=10_000, output_tokens=2_000,
                    cache_read_tokens=50_000), 0.125),
        # haiku 5.5 over 100k prompt tokens: everything at 5x: (150_000*0.10 + 1_000*0.50) * 5
        (TokenUsage("haiku", input_tokens=150_000, output_tokens=1_000), 0.0775),
        # haiku 5.5 at 60k input + 50k cache read = 110k prompt: long-context tier too
        (TokenUsage("haiku", input_tokens=60_000, cache_read_tokens=50_000), 0.0325),
        # sonnet 4.5 above 200k: input 2x, output 1.5x: 250_000*3*2 + 10_000*15*1.5
        (TokenUsage("claude-sonnet-4-5", input_tokens=250_000, output_tokens=10_000), 1.725),
        # dated id resolves to its model: 1M input of haiku 4.5 = $1
        (TokenUsage("claude-haiku-4-5-20251001", input_tokens=1_000_000), 1.0),
    ],
)  # fmt: skip
def test_cost_formula_matches_hand_computed(repo: Path, usage: TokenUsage, expected: float) -> None:
    record = CostTracker(repo).track_usage(usage)
    assert record["cost_usd"] == pytest.approx(expected, rel=1e-9)
    assert record["price_version"] == "2026-11-01" and record["unknown_model"] is False


def test_track_request_uses_sdk_field_names(repo: Path) -> None:
    tracker = CostTracker(repo)
    record = tracker.track_request(
        model="opus", input_tokens=100, output_tokens=10, cache_read_input_tokens=1000,
        cache_creation_input_tokens=3000, cache_creation_1h_input_tokens=1000, latency_ms=1250,
        command_name="run", task_id="t1",
    )  # fmt: skip
    # 100*4 + 10*20 + 1000*0.20 + 2000*5 (5m) + 1000*8 (1h) = 18800 per million
    assert record["cost_usd"] == pytest.approx(0.0188)
    assert record["cache_write_5m_tokens"] == 2000 and record["cache_write_1h_tokens"] == 1000
    assert record["total_input_tokens"] == 4100  # 100 + 1000 read + 3000 written
    assert record["duration_ms"] == 1250 and record["task_id"] == "t1"
    assert [r["task_id"] for r in tracker.records()] == ["t1"]


def test_same_message_and_request_id_counts_once(repo: Path) -> None:
    tracker = CostTracker(repo)
    usage = TokenUsage("sonnet", input_tokens=1_000_000, message_id="msg_1", request_id="req_1")
    tracker.track_usage(usage)
    tracker.track_usage(usage)  # a retry of the bookkeeping, not a second call
    tracker.track_usage(TokenUsage("sonnet", input_tokens=1_000_000, message_id="msg_2"))
    summary = tracker.get_summary("day")
    assert summary.request_count == 2
    assert summary.total_cost == pytest.approx(4.0)


def test_unknown_model_is_flagged_not_silent(repo: Path, caplog: pytest.LogCaptureFixture) -> None:
    tracker = CostTracker(repo)
    record = tracker.track_usage(TokenUsage("gpt-9", input_tokens=1000))
    assert record["unknown_model"] is True
    assert record["warnings"] and "gpt-9" in record["warnings"][0]
    assert "gpt-9" in caplog.text
    assert tracker.get_summary("day").unknown_models == ["gpt-9"]


def test_config_price_override_is_used(repo: Path) -> None:
    cfg = write_config(repo, "[models.sonnet]\ninput = 1.0\noutput = 1.0\n")
    record = CostTracker(repo, config=cfg).track_usage(
        TokenUsage("sonnet", input_tokens=500_000, output_tokens=500_000)
    )
    assert record["cost_usd"] == pytest.approx(1.0)


def _at(days_ago: float) -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)).isoformat()


def test_periods_by_model_and_day(repo: Path) -> None:
    tracker = CostTracker(repo)

    def one() -> TokenUsage:  # a call of its own each time
        return TokenUsage("sonnet", output_tokens=100_000)  # $1.00

    tracker.track_usage(one(), finished_at=_at(0))
    tracker.track_usage(TokenUsage("haiku", output_tokens=1_000_000), finished_at=_at(3))  # $0.50
    tracker.track_usage(one(), finished_at=_at(20))
    tracker.track_usage(one(), finished_at=_at(45))
    assert tracker.spent("day") == pytest.approx(1.0)
    assert tracker.spent("week") == pytest.approx(1.5)
    assert tracker.spent("month") == pytest.approx(2.5)
    week = tracker.get_summary("week")
    assert week.by_model == pytest.approx({"sonnet": 1.0, "haiku": 0.5})
    assert sorted(week.by_day) == [_at(3)[:10], _at(0)[:10]]
    assert week.avg_cost_per_request == pytest.approx(0.75)


def test_export_csv(repo: Path, tmp_path: Path) -> None:
    tracker = CostTracker(repo)
    tracker.track_usage(TokenUsage("sonnet", input_tokens=10, message_id="m"), command_name="run")
    out = tmp_path / "costs.csv"
    assert tracker.export_csv(out, period="month") == 1
    rows = list(csv.DictReader(out.open()))
    assert rows[0]["model"] == "sonnet" and rows[0]["command_name"] == "run"
    assert float(rows[0]["cost_usd"]) == pytest.approx(0.00002)


def test_disabled_telemetry_records_nothing(repo: Path) -> None:
    cfg = write_config(repo, "[telemetry]\nenabled = false\n")
    tracker = CostTracker(repo, config=cfg)
    assert tracker.track_usage(TokenUsage("sonnet", input_tokens=10))["cost_usd"] > 0
    assert list(tracker.records()) == []


def test_foundation_ledger_records_are_upgraded(repo: Path) -> None:
    tracker = CostTracker(repo)
    live = tracker.telemetry.directory / "costs" / "current.jsonl"
    live.parent.mkdir(parents=True)
    old = {"timestamp": _at(0), "model": "sonnet", "input_tokens": 5, "cost_usd": 0.25,
           "message_id": "m1", "request_id": None}  # fmt: skip
    live.write_text(json.dumps(old) + "\n" + json.dumps(old) + "\n")
    records = list(tracker.records())
    assert len(records) == 1 and records[0]["idempotency_key"] == "m1:"
    assert records[0]["schema_version"] == 1


def test_datetime_context_is_stored_as_iso_text(repo: Path) -> None:
    tracker = CostTracker(repo)
    finished = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    record = tracker.track_usage(TokenUsage("sonnet", input_tokens=1), finished_at=finished)
    assert record["timestamp"] == finished.isoformat()
    assert tracker.get_summary("day").request_count == 0
    assert tracker.get_summary("week").request_count == 1


def test_spent_sees_every_new_record(repo: Path) -> None:
    tracker = CostTracker(repo)
    assert tracker.spent("day") == 0
    for n in range(1, 4):
        tracker.track_usage(TokenUsage("sonnet", output_tokens=100_000))  # $1.00 each
        assert CostTracker(repo).spent("day") == pytest.approx(float(n))
