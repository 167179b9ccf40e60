"""The escalation policy: where a task starts, when and where it is re-run, and when not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from brgit.config import Config, CostLimits, RoutingConfig
from brgit.core.usage import TokenUsage
from brgit.routing.attempts import Attempt, Outcome
from brgit.routing.learning import Learner
from brgit.routing.policy import EscalationPolicy, build_policy
from brgit.routing.selector import ModelChoice

HAIKU, SONNET, OPUS = "claude-haiku-5-5", "claude-sonnet-5-5", "claude-opus-5-5"
TASK = "Add an API endpoint for user settings"
CRITICAL = "Redesign the distributed payment system architecture with a database migration"


def policy(root: Path | None = None, **routing: Any) -> EscalationPolicy:
    limits = routing.pop("cost_limits", CostLimits(0, 0, 0))
    cfg = Config(routing=RoutingConfig(cost_limits=limits, **routing), root=root or Path.cwd())
    return EscalationPolicy(cfg, root=root)


def ran(model_id: str, tier: int, outcome: Outcome, cost: float = 1.0) -> Attempt:
    return Attempt(model_id, tier, outcome, cost)


def test_starts_cheap_unless_critical() -> None:
    p = policy()
    first = p.first_choice(TASK)
    assert (first.model_id, first.source) == (HAIKU, "escalation")
    critical = p.first_choice(CRITICAL)
    assert (critical.model_id, critical.source) == (OPUS, "heuristic")
    assert critical.complexity_level == "critical"


@pytest.mark.parametrize("outcome", [Outcome.ERROR, Outcome.NO_CHANGE, Outcome.VERIFY_FAILED])
def test_a_failed_run_goes_one_tier_up(outcome: Outcome) -> None:
    step = policy().next_step([ran(HAIKU, 1, outcome)])
    assert step.choice is not None
    assert (step.choice.model_id, step.choice.source) == (SONNET, "escalation")
    assert outcome.value.replace("_", " ") in step.reason
    assert step.choice.estimated_cost > 0


@pytest.mark.parametrize("outcome", [Outcome.CHANGED, Outcome.VERIFIED])
def test_a_successful_run_ends_the_task(outcome: Outcome) -> None:
    step = policy().next_step([ran(HAIKU, 1, outcome)])
    assert step.choice is None and "succeeded" in step.reason


def test_attempt_limit_ladder_end_and_switch() -> None:
    two = [ran(HAIKU, 1, Outcome.NO_CHANGE), ran(SONNET, 2, Outcome.NO_CHANGE)]
    assert "routing.max_task_attempts = 2" in policy().next_step(two).reason
    three = policy(max_task_attempts=3).next_choice(two)
    assert three is not None and three.model_id == OPUS
    top = policy(max_task_attempts=5).next_step([*two, ran(OPUS, 3, Outcome.ERROR)])
    assert top.choice is None and "no tier above opus" in top.reason
    off = policy(escalate=False).next_step([ran(HAIKU, 1, Outcome.ERROR)])
    assert off.choice is None and "routing.escalate = false" in off.reason
    assert policy(max_task_attempts=1).next_choice([ran(HAIKU, 1, Outcome.ERROR)]) is None


def test_escalation_off_is_the_heuristic() -> None:
    moderate = "Add an API endpoint for user settings with validation"
    first = policy(escalate=False).first_choice(moderate, role="builder")
    assert (first.model_id, first.source, first.complexity_level) == (
        SONNET,
        "heuristic",
        "moderate",
    )
    assert policy().first_choice(moderate, role="builder").model_id == HAIKU


def test_rerun_respects_budget_and_cost_limit(repo: Path) -> None:
    from brgit.telemetry.costs import CostTracker

    limited = policy(repo, cost_limits=CostLimits(daily=5.0))
    failed = [ran(HAIKU, 1, Outcome.NO_CHANGE)]
    step = limited.next_step(failed)  # sonnet's run is projected above the $5 a day
    assert step.choice is None and "$5.00 left" in step.reason
    roomy = policy(repo, cost_limits=CostLimits(daily=50.0))
    assert roomy.next_choice(failed) is not None
    assert roomy.next_choice(failed, cost_limit=1.0) is None
    usage = TokenUsage(OPUS, output_tokens=3_000_000, message_id="spent")  # $60
    CostTracker(repo).track_usage(usage, command_name="test")
    spent = roomy.next_step(failed)
    assert spent.choice is None and "daily budget of $50.00 is spent" in spent.reason


def test_run_loops_until_the_policy_stops_and_feeds_the_learner() -> None:
    cfg = Config(routing=RoutingConfig(cost_limits=CostLimits(0, 0, 0), max_task_attempts=3))
    learner = Learner(seed=0)
    p = EscalationPolicy(cfg, learner=learner, scope="proj")
    outcomes = {HAIKU: Outcome.VERIFY_FAILED, SONNET: Outcome.VERIFIED}
    seen: list[str] = []

    def attempt(choice: ModelChoice) -> Attempt:
        seen.append(choice.model_id)
        tier = p.catalog.resolve(choice.model_id).tier
        return Attempt(choice.model_id, tier, outcomes[choice.model_id], 2.0, has_verify=True)

    result = p.run(p.first_choice(TASK), attempt)
    assert seen == [HAIKU, SONNET]  # stopped at the first success, below the limit of 3
    assert result.succeeded and result.cost_usd == 4.0 and "succeeded" in result.stop
    assert [c.source for c in result.choices] == ["escalation", "escalation"]
    assert learner.belief("proj", 1).failed == 1 and learner.belief("proj", 2).passed == 1


def test_next_step_needs_attempts() -> None:
    with pytest.raises(ValueError, match="attempts"):
        policy().next_step([])


def test_build_policy_reads_profiles_from_the_ledger(repo: Path) -> None:
    from brgit.telemetry.costs import CostTracker

    cfg = Config(root=repo)
    before = build_policy(cfg, repo)
    sonnet = before.catalog.resolve("sonnet")
    default = before.projector.cost(sonnet)
    tracker = CostTracker(repo)
    for run in range(3):  # three agent runs of 20 requests each on sonnet
        for call in range(20):
            usage = TokenUsage(SONNET, input_tokens=2_000, output_tokens=1_500,
                               cache_read_tokens=40_000, message_id=f"r{run}c{call}")  # fmt: skip
            tracker.track_usage(usage, task_id=f"t{run}", session_id="s", action="task")
    tracker.track_usage(TokenUsage(SONNET, input_tokens=9_000_000, message_id="estimate"))
    after = build_policy(cfg, repo)
    profile = after.projector.profile(2)
    assert "3 agent runs in the ledger" in profile.describe()
    # 20 turns of 2k input, 1.5k output, 40k cache reads at sonnet 5.5's prices
    assert after.projector.cost(sonnet) == pytest.approx(20 * (2_000 * 2 + 1_500 * 10
                                                               + 40_000 * 0.1) / 1e6)  # fmt: skip
    assert after.projector.cost(sonnet) != default
    assert after.projector.profile(1).describe() == before.projector.profile(1).describe()
