"""The Beta beliefs behind data-driven routing."""

from __future__ import annotations

from pathlib import Path

from brgit.llm.catalog import load_catalog
from brgit.routing.learning import Belief, beliefs, choose, prior_success, role_outcomes


def test_prior_falls_with_difficulty_and_rises_with_tier() -> None:
    assert prior_success(1, 10) > prior_success(1, 60) > prior_success(1, 95)
    for score in (10, 50, 90):
        assert prior_success(1, score) < prior_success(2, score) < prior_success(3, score)
    assert prior_success(1, 100) >= 0.05 and prior_success(3, 0) <= 0.97


def test_outcomes_move_the_belief() -> None:
    prior = Belief("m", 0.5)
    assert Belief("m", 0.5, successes=8).mean > prior.mean > Belief("m", 0.5, failures=8).mean
    assert Belief("m", 0.5, 3, 1).observed == 4


def test_choose_cheapest_likely_else_most_likely() -> None:
    found = [Belief("cheap", 0.8), Belief("mid", 0.9), Belief("dear", 0.95)]
    costs = {"cheap": 1.0, "mid": 5.0, "dear": 10.0}
    assert choose(found, costs).model_id == "cheap"
    found = [Belief("cheap", 0.2), Belief("mid", 0.4), Belief("dear", 0.6)]
    assert choose(found, costs).model_id == "dear"


def test_beliefs_use_catalog_tiers() -> None:
    models = load_catalog().by_tier()
    found = beliefs(models, 50, {"claude-haiku-5-5": (10, 0)})
    assert [b.model_id for b in found] == [m.id for m in models]
    assert found[0].successes == 10 and found[1].observed == 0


def test_role_outcomes_from_telemetry_leave_blocked_out(repo: Path) -> None:
    from brgit.telemetry.collector import EventCollector

    collector = EventCollector(repo)
    for kind, model in [("task_completed", "haiku"), ("task_failed", "claude-haiku-5-5"),
                        ("task_blocked", "haiku"), ("task_completed", "opus")]:  # fmt: skip
        collector.collect_event({"event_type": kind, "model": model, "role": "docs"})
    collector.collect_event({"event_type": "task_completed", "model": "haiku", "role": "tester"})
    found = role_outcomes(load_catalog(), "docs", repo)
    assert found == {"claude-haiku-5-5": (1, 1), "claude-opus-5-5": (1, 0)}
