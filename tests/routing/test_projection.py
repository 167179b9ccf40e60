"""Projected cost of an agent run: real-session defaults, then the ledger's own runs."""

from __future__ import annotations

from typing import Any

import pytest

from brgit.routing.catalog import load_catalog
from brgit.routing.projection import (
    MIN_RUNS,
    REFERENCE_SESSIONS,
    Projector,
    agent_runs,
    ledger_profiles,
)

CATALOG = load_catalog()
HAIKU, SONNET, OPUS = (CATALOG.resolve(n) for n in ("haiku", "sonnet", "opus"))


def record(task: str, model: str = "claude-sonnet-5-5", **fields: Any) -> dict[str, Any]:
    return {"task_id": task, "session_id": "s", "model": model, **fields}


def test_defaults_come_from_real_sessions_scaled_by_list_price() -> None:
    projector = Projector()
    assert REFERENCE_SESSIONS[2].model == "claude-sonnet-4-5"
    # sonnet 5.5 lists at 2/3 of sonnet 4.5 ($2 + $10 against $3 + $15 per million)
    assert projector.cost(SONNET) == pytest.approx(10.54 * 12 / 18)
    assert projector.cost(CATALOG.resolve("claude-sonnet-4-5")) == pytest.approx(10.54)
    assert projector.cost(OPUS) == pytest.approx(10.54 * 24 / 18)  # tier 3: tier 2's work
    assert projector.cost(HAIKU) == pytest.approx(1.59 * 0.6 / 11.25)
    assert "368 real claude-sonnet-4-5 sessions" in projector.profile(2).describe()


def test_runs_are_task_attempts_on_one_model() -> None:
    records = [
        record("a", input_tokens=10, attempt=1),
        record("a", input_tokens=20, attempt=1),  # the same run, a second call
        record("a", model="claude-opus-5-5", input_tokens=5, attempt=2),  # the re-run
        record("b", input_tokens=7),
        {"model": "claude-sonnet-5-5", "input_tokens": 9_000_000},  # an estimate: no task
        record("c", model="gpt-9", input_tokens=1),  # unknown model: not a tier
    ]
    runs = agent_runs(records, CATALOG)
    assert sorted(r.tokens["input_tokens"] for r in runs[2]) == [7, 30]
    assert [r.tokens["input_tokens"] for r in runs[3]] == [5]


def test_ledger_profile_needs_enough_runs_and_prices_per_turn() -> None:
    few = [record(f"t{i}", input_tokens=1_000) for i in range(MIN_RUNS - 1)]
    assert ledger_profiles(few, CATALOG) == {}
    # one record per run and no reported turns: 300k prompt tokens are spread over 50k turns,
    # so haiku's long-context rate (5x past 100k in one request) does not apply
    runs = [record(f"t{i}", "haiku", input_tokens=300_000, output_tokens=6_000) for i in range(3)]
    haiku = ledger_profiles(runs, CATALOG)[1]
    assert haiku.turns == 6
    assert haiku.cost(HAIKU) == pytest.approx((300_000 * 0.10 + 6_000 * 0.50) / 1e6)
    # the same run in one request would pay the long-context rate
    reported = [record(f"t{i}", "haiku", input_tokens=300_000, output_tokens=6_000, turns=1)
                for i in range(3)]  # fmt: skip
    assert ledger_profiles(reported, CATALOG)[1].cost(HAIKU) == pytest.approx(5 * 0.033)


def test_ledger_profile_is_the_median_run_and_overrides_only_its_tier() -> None:
    runs = [record(f"t{i}", output_tokens=n, turns=4) for i, n in enumerate((100, 500, 90_000))]
    profiles = ledger_profiles(runs, CATALOG)
    assert profiles[2].usage.output_tokens == 500  # one runaway run does not move the median
    projector = Projector(profiles)
    assert projector.cost(SONNET) == pytest.approx(500 * 10 / 1e6)
    assert projector.cost(HAIKU) == Projector().cost(HAIKU)  # no haiku runs: the default
    assert "3 agent runs in the ledger" in projector.profile(3).describe()  # nearest below
