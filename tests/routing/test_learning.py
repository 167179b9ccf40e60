"""The learner: verdicts only, beliefs per repository, Thompson sampling, a relative target."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from brgit.routing.attempts import Attempt, Outcome
from brgit.routing.catalog import load_catalog
from brgit.routing.learning import Belief, Learner, learner_from_events, verdict_events


def fed(
    passed: dict[int, tuple[int, int]], scope: str = "repo", *, seed: int = 0, min_verdicts: int = 5
) -> Learner:
    """A learner holding (passed, failed) verdicts per tier for `scope`."""
    learner = Learner(seed=seed, min_verdicts=min_verdicts)
    for tier, (ok, bad) in passed.items():
        for _ in range(ok):
            learner.record(scope, tier, True)
        for _ in range(bad):
            learner.record(scope, tier, False)
    return learner


def picks(learner: Learner, n: int = 400, scope: str = "repo") -> Counter[int]:
    found = Counter[int]()
    for _ in range(n):
        pick = learner.choose(scope, [1, 2])
        assert pick is not None
        found[pick.tier] += 1
    return found


def test_only_verdicts_are_learned_never_completed() -> None:
    learner = Learner(seed=1)
    unverified = [Attempt("m", 1, Outcome.CHANGED), Attempt("m", 1, Outcome.NO_CHANGE),
                  Attempt("m", 1, Outcome.ERROR)]  # fmt: skip
    for _ in range(20):  # agents "complete" tasks they fail: that is no evidence
        assert learner.observe("repo", unverified) == 0
    assert learner.verdicts("repo") == 0 and learner.choose("repo", [1, 2]) is None
    verified = [
        Attempt.of("m", 1, agent_ok=True, changed=False, has_verify=True),  # failed before it
        Attempt.of("m", 1, agent_ok=True, changed=True, verify_passed=False),
        Attempt.of("m", 2, agent_ok=True, changed=True, verify_passed=True),
    ]
    assert learner.observe("repo", verified) == 3
    assert learner.belief("repo", 1) == Belief(passed=0, failed=2)
    assert learner.belief("repo", 2) == Belief(passed=1, failed=0)


def test_no_opinion_until_enough_verdicts() -> None:
    learner = fed({1: (2, 2)}, min_verdicts=5)
    assert learner.choose("repo", [1, 2]) is None
    learner.record("repo", 2, True)
    assert learner.choose("repo", [1, 2]) is not None


def test_beliefs_are_per_repository() -> None:
    learner = fed({1: (0, 30), 2: (30, 0)}, scope="teleport", seed=3)
    assert picks(learner, scope="teleport") == Counter({2: 400})
    assert learner.choose("qutebrowser", [1, 2]) is None  # another repository knows nothing


def test_relative_target_takes_cheapest_tier_within_a_few_points() -> None:
    # Both near 45%: the cheap tier is within a few points of the best, so it is taken
    # even though no tier reaches any fixed success target.
    close = picks(fed({1: (450, 550), 2: (470, 530)}, seed=5))
    assert close[1] > 0.9 * sum(close.values())
    # The cheap tier far behind: the strong tier, every time.
    apart = picks(fed({1: (100, 900), 2: (450, 550)}, seed=5))
    assert apart == Counter({2: 400})


def test_thompson_sampling_explores_while_unsure_and_is_seeded() -> None:
    unsure = fed({1: (2, 3), 2: (3, 2)}, seed=11)
    found = picks(unsure)
    assert found[1] > 40 and found[2] > 40  # both tiers still get tried
    sure = picks(fed({1: (200, 300), 2: (300, 200)}, seed=11))
    assert sure[1] < 5  # evidence ends the exploration
    first, second = fed({1: (2, 3), 2: (3, 2)}, seed=7), fed({1: (2, 3), 2: (3, 2)}, seed=7)
    draws = [(first.choose("repo", [1, 2]), second.choose("repo", [1, 2])) for _ in range(20)]
    assert all(a == b for a, b in draws)  # the same seed draws the same numbers
    assert len({a.tier for a, _ in draws if a}) == 2


def test_verdicts_from_worker_and_train_telemetry(repo: Path) -> None:
    from brgit.telemetry.collector import EventCollector

    collector = EventCollector(repo)
    events = [
        {"event_type": "verification_passed", "task_id": "a", "model": "claude-haiku-5-5"},
        {"event_type": "verification_failed", "task_id": "b", "model": "haiku"},
        {"event_type": "task_completed", "task_id": "c", "model": "opus", "session_id": "s1",
         "data": {"session_name": "night"}},
        {"event_type": "task_completed", "task_id": "d", "model": "sonnet", "session_id": "s1",
         "data": {"session_name": "night"}},
        # the merge train names the session, not its id, and no model
        {"event_type": "verification_failed", "session_id": "night", "data": {"tasks": ["c"]}},
        {"event_type": "verification_passed", "session_id": "night",
         "data": {"tasks": ["c", "d"]}},  # a batch: whose verdict is it? not counted
    ]  # fmt: skip
    for event in events:
        collector.collect_event(event)
    found = list(verdict_events(collector.iter_events(), load_catalog()))
    assert found == [(1, True), (1, False), (3, False)]
    learner = learner_from_events(collector.iter_events(), load_catalog(), "proj")
    assert learner.belief("proj", 1) == Belief(1, 1) and learner.verdicts("proj") == 3
