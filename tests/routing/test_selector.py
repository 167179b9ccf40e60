"""ModelSelector and choose_model: precedence, limits, budgets from the ledger, learning."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from brgit.config import Config, CostLimits, RoutingConfig, load_config
from brgit.core.plan import Task
from brgit.core.usage import TokenUsage
from brgit.errors import RoutingError
from brgit.routing.complexity import ComplexityEstimator
from brgit.routing.selector import ModelSelector, choose_model

HARD = "Redesign the distributed payment system architecture with a database migration"
EASY = "Fix typo in README"


def config(root: Path, **routing: Any) -> Config:
    limits = routing.pop("cost_limits", CostLimits())
    return Config(routing=RoutingConfig(cost_limits=limits, **routing), root=root)


def spend(root: Path, dollars: float) -> None:
    from brgit.telemetry.costs import CostTracker

    tokens = int(dollars / 20.0 * 1_000_000)  # opus output: $20 per million
    usage = TokenUsage(model="claude-opus-5-5", output_tokens=tokens, message_id=f"m{dollars}")
    CostTracker(root).track_usage(usage, command_name="test")


def outcome(root: Path, model: str, role: str, ok: bool, n: int = 1) -> None:
    from brgit.telemetry.collector import EventCollector

    collector = EventCollector(root)
    for _ in range(n):
        kind = "task_completed" if ok else "task_failed"
        collector.collect_event({"event_type": kind, "model": model, "role": role, "task_id": "t"})


def test_heuristic_choice_for_plan_tasks(repo: Path) -> None:
    cfg = config(repo, data_driven=False)
    easy = choose_model(Task("docs", description=EASY, role="docs"), cfg, repo)
    hard = choose_model(Task("pay", description=HARD, role="architect"), cfg, repo)
    assert (easy.model, easy.model_id, easy.source) == ("haiku", "claude-haiku-5-5", "heuristic")
    assert (hard.model, hard.source) == ("opus", "heuristic")
    assert hard.estimated_cost > easy.estimated_cost > 0
    assert any("Complexity critical" in r for r in hard.reasons)


def test_choice_is_recorded_as_routing_decision(repo: Path) -> None:
    from brgit.telemetry.collector import EventCollector

    choose_model(Task("docs", description=EASY, role="docs"), config(repo), repo)
    [event] = EventCollector(repo).get_events("routing_decision")
    assert event["task_id"] == "docs"
    assert event["model"] == "claude-haiku-5-5"
    assert event["data"]["source"] == "heuristic"


def test_plan_model_and_forced_model_win(repo: Path) -> None:
    cfg = config(repo)
    planned = choose_model(Task("x", description=EASY, model="opus"), cfg, repo)
    assert (planned.model_id, planned.source) == ("claude-opus-5-5", "plan")
    forced = ModelSelector(cfg, root=repo).select_model(HARD, model="haiku")
    assert (forced.model, forced.source) == ("haiku", "forced")


def test_unknown_model_names_known_ones(repo: Path) -> None:
    with pytest.raises(RoutingError, match=r"unknown model 'gpt-9'.*haiku.*opus.*sonnet"):
        ModelSelector(config(repo), root=repo).select_model(EASY, model="gpt-9")


def test_cost_limit_steps_down_to_strongest_fitting_model(repo: Path) -> None:
    selector = ModelSelector(config(repo), root=repo)
    free = selector.select_model(HARD)
    limited = selector.select_model(HARD, cost_limit=1.0)
    assert free.model == "opus" and free.estimated_cost > 1.0
    assert limited.model == "sonnet"
    assert limited.estimated_cost <= 1.0 and limited.meets_constraints
    assert any("within the $1.00 cost limit" in r for r in limited.reasons)


def test_time_limit_prefers_faster_model(repo: Path) -> None:
    choice = ModelSelector(config(repo), root=repo).select_model(HARD, time_limit=70)
    assert choice.model == "haiku"
    assert choice.estimated_time_minutes <= 70


def test_no_model_fits_says_so(repo: Path) -> None:
    choice = ModelSelector(config(repo), root=repo).select_model(HARD, cost_limit=0.0001)
    assert not choice.meets_constraints
    assert "No model meets every limit" in choice.reasons
    assert choice.model == "haiku"  # the closest to the limit, not the unconstrained pick
    assert any("comes closest" in r for r in choice.reasons)


def test_forced_model_over_limit_is_kept_and_flagged(repo: Path) -> None:
    choice = ModelSelector(config(repo), root=repo).select_model(
        HARD, model="opus", cost_limit=0.01
    )
    assert choice.model == "opus" and not choice.meets_constraints


def test_spent_daily_budget_blocks(repo: Path) -> None:
    spend(repo, 3.0)
    cfg = config(repo, cost_limits=CostLimits(daily=2.5))
    with pytest.raises(RoutingError, match=r"daily budget of \$2.50 is spent \(\$3.00\)"):
        choose_model(Task("x", description=EASY), cfg, repo)


def test_remaining_budget_downgrades_with_budget_source(repo: Path) -> None:
    spend(repo, 9.0)  # $1 left of the default $10 daily budget
    choice = choose_model(Task("x", description=HARD, role="architect"), config(repo), repo)
    assert choice.source == "budget"
    assert choice.estimated_cost <= 1.0
    assert any("$1.00 left of $10.00" in r for r in choice.reasons)


def test_budget_from_environment(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BR_COST_LIMIT_WEEKLY", "1.5")
    spend(repo, 2.0)
    with pytest.raises(RoutingError, match="weekly budget"):
        choose_model(Task("x", description=EASY), load_config(repo), repo)


def test_cost_optimization_off_uses_default_model(repo: Path) -> None:
    cfg = config(repo, cost_optimization=False, default_model="sonnet")
    choice = choose_model(Task("x", description=EASY), cfg, repo)
    assert (choice.model, choice.source) == ("sonnet", "default")


def test_data_driven_without_outcomes_falls_back_to_heuristic(repo: Path) -> None:
    choice = choose_model(Task("x", description=HARD), config(repo), repo)
    assert choice.source == "heuristic"
    assert any("no outcomes for role 'builder'" in r for r in choice.reasons)


def test_data_driven_learns_cheapest_model_that_succeeds(repo: Path) -> None:
    task = Task("api", description="Add an API endpoint for user settings", role="builder")
    before = choose_model(task, config(repo), repo)
    assert before.model == "sonnet"  # heuristic: moderate
    outcome(repo, "claude-haiku-5-5", "builder", ok=True, n=12)
    outcome(repo, "claude-haiku-5-5", "builder", ok=False, n=1)
    after = choose_model(task, config(repo), repo)
    assert (after.model, after.source) == ("haiku", "data-driven")
    assert any("12 ok, 1 failed" in r for r in after.reasons)


def test_data_driven_moves_up_when_cheap_model_fails(repo: Path) -> None:
    task = Task("api", description="Add an API endpoint for user settings", role="builder")
    outcome(repo, "claude-haiku-5-5", "builder", ok=False, n=6)
    outcome(repo, "claude-sonnet-5-5", "builder", ok=False, n=6)
    outcome(repo, "opus", "builder", ok=True, n=6)
    outcome(repo, "claude-haiku-5-5", "tester", ok=True, n=20)  # other roles do not count
    choice = choose_model(task, config(repo), repo)
    assert (choice.model, choice.source) == ("opus", "data-driven")


def test_selector_replays_given_outcomes(repo: Path) -> None:
    estimate = ComplexityEstimator().estimate(HARD)
    selector = ModelSelector(config(repo), root=repo)
    outcomes = {"claude-sonnet-5-5": (30, 1)}
    choice = selector.select(estimate, role="architect", outcomes=outcomes)
    assert (choice.model, choice.source) == ("sonnet", "data-driven")
