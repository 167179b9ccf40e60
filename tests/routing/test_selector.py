"""ModelSelector and choose_model: precedence, limits, budgets from the ledger, learning."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from brgit.config import Config, CostLimits, RoutingConfig, load_config
from brgit.core.plan import Task
from brgit.core.usage import TokenUsage
from brgit.errors import RoutingError
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


def verdict(root: Path, model: str, ok: bool, n: int = 1) -> None:
    from brgit.telemetry.collector import EventCollector

    collector = EventCollector(root)
    kind = "verification_passed" if ok else "verification_failed"
    for _ in range(n):
        collector.collect_event({"event_type": kind, "model": model, "task_id": "t"})


def test_escalation_starts_cheap_unless_critical(repo: Path) -> None:
    cfg = config(repo)
    moderate = Task("api", description="Add an API endpoint for user settings", role="builder")
    cheap = choose_model(moderate, cfg, repo)
    hard = choose_model(Task("pay", description=HARD, role="architect"), cfg, repo)
    assert (cheap.model, cheap.model_id, cheap.source) == (
        "haiku",
        "claude-haiku-5-5",
        "escalation",
    )
    assert any("re-run a tier up" in r for r in cheap.reasons)
    assert (hard.model, hard.source) == ("opus", "heuristic")
    assert hard.estimated_cost > cheap.estimated_cost > 0
    assert any("Complexity critical" in r for r in hard.reasons)


def test_heuristic_choice_without_escalation(repo: Path) -> None:
    cfg = config(repo, escalate=False)
    easy = choose_model(Task("docs", description=EASY, role="docs"), cfg, repo)
    moderate = choose_model(
        Task("api", description="Add an API endpoint for user settings"), cfg, repo
    )
    assert (easy.model, easy.source) == ("haiku", "heuristic")
    assert (moderate.model, moderate.source) == ("sonnet", "heuristic")


def test_choice_is_recorded_as_routing_decision(repo: Path) -> None:
    from brgit.telemetry.collector import EventCollector

    choose_model(Task("docs", description=EASY, role="docs"), config(repo), repo)
    [event] = EventCollector(repo).get_events("routing_decision")
    assert event["task_id"] == "docs"
    assert event["model"] == "claude-haiku-5-5"
    assert event["data"]["source"] == "escalation" and event["attempt"] == 1


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
    limited = selector.select_model(HARD, cost_limit=10.0)
    assert free.model == "opus" and free.estimated_cost > 10.0
    assert limited.model == "sonnet"
    assert limited.estimated_cost <= 10.0 and limited.meets_constraints
    assert any("within the $10.00 cost limit" in r for r in limited.reasons)


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
    spend(repo, 40.0)  # $10 left of the default $50 daily budget
    choice = choose_model(Task("x", description=HARD, role="architect"), config(repo), repo)
    assert (choice.model, choice.source) == ("sonnet", "budget")  # opus's run would not fit
    assert choice.estimated_cost <= 10.0
    assert any("$10.00 left of $50.00" in r for r in choice.reasons)


def test_default_budget_lets_the_first_real_task_run(repo: Path) -> None:
    """The defaults: a critical task starts on opus, projected from real sessions, and the
    default daily budget holds it (the old $10 was less than one real strong-tier run)."""
    from brgit.routing.projection import REFERENCE_SESSIONS

    limits = CostLimits()
    assert limits.daily > 34.61  # the dearest real strong-tier session in the shared file
    assert limits.weekly >= 5 * limits.daily and limits.monthly >= 4 * limits.weekly
    choice = choose_model(Task("pay", description=HARD, role="architect"), config(repo), repo)
    assert (choice.model, choice.source, choice.meets_constraints) == ("opus", "heuristic", True)
    assert choice.estimated_cost > REFERENCE_SESSIONS[2].usd  # opus costs more than sonnet 4.5
    assert any("real claude-sonnet-4-5 sessions" in r for r in choice.reasons)


def test_budget_from_environment(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BR_COST_LIMIT_WEEKLY", "1.5")
    spend(repo, 2.0)
    with pytest.raises(RoutingError, match="weekly budget"):
        choose_model(Task("x", description=EASY), load_config(repo), repo)


def test_cost_optimization_off_uses_default_model(repo: Path) -> None:
    cfg = config(repo, cost_optimization=False, default_model="sonnet")
    choice = choose_model(Task("x", description=EASY), cfg, repo)
    assert (choice.model, choice.source) == ("sonnet", "default")


def test_data_driven_without_verdicts_keeps_the_escalation_start(repo: Path) -> None:
    verdict(repo, "claude-haiku-5-5", ok=False, n=2)  # too few to hold an opinion
    choice = choose_model(
        Task("x", description="Add a settings page"), config(repo, data_driven=True), repo
    )
    assert choice.source == "escalation"


def test_data_driven_learns_from_verdicts_not_completions(repo: Path) -> None:
    from brgit.telemetry.collector import EventCollector

    task = Task("api", description="Add an API endpoint for user settings", role="builder")
    cfg = config(repo, data_driven=True)
    for _ in range(30):  # "completed" on haiku says nothing about whether the work was right
        EventCollector(repo).collect_event({"event_type": "task_completed", "model": "haiku"})
    assert choose_model(task, cfg, repo).source == "escalation"
    verdict(repo, "claude-haiku-5-5", ok=False, n=20)
    verdict(repo, "claude-sonnet-5-5", ok=True, n=20)
    # Thompson sampling explores: an untried tier (opus, a uniform belief) now and then draws
    # above sonnet's. A seeded policy makes the draws repeatable; most picks must be sonnet.
    from brgit.routing.policy import build_policy

    policy = build_policy(cfg, repo, seed=1)
    picks = [policy.first_task_choice(task) for _ in range(40)]
    assert {p.source for p in picks} == {"data-driven"}
    assert sum(p.model == "sonnet" for p in picks) >= 32
    assert not any(p.model == "haiku" for p in picks)
    assert all(any("sampled verify pass rates" in r for r in p.reasons) for p in picks)
