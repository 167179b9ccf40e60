"""Data-driven first tiers: Beta beliefs per repository and tier, learned from verdicts only.

For each repository (at run time: the project whose store holds the telemetry) and tier, a
Beta(1 + passed, 1 + failed) belief that a run on that tier passes the task's verify. Only
verdicts count: a verify that passed or failed (and, under a verify, a run that failed before
it); "the agent finished" teaches nothing, since agents finish most tasks they fail.

The choice explores by Thompson sampling: draw one success rate from each tier's belief and
take the cheapest tier whose draw is within `margin` of the best draw (a relative target: no
fixed success rate to reach, which real tasks rarely do). A repository with fewer than
`min_verdicts` verdicts gets no opinion, so the estimate's start tier stands. Draws come from a
seeded generator, so a replay is repeatable.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from brgit.routing.attempts import Attempt
    from brgit.routing.catalog import Catalog

MARGIN = 0.05  # "within a few points of the best"
MIN_VERDICTS = 5  # verdicts in a repository before the learner has an opinion
LOOKBACK_DAYS = 30


@dataclass
class Belief:
    passed: int = 0
    failed: int = 0

    @property
    def alpha(self) -> int:
        return 1 + self.passed

    @property
    def beta(self) -> int:
        return 1 + self.failed

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)


@dataclass(frozen=True)
class Pick:
    tier: int
    draws: dict[int, float]  # tier -> sampled success rate
    note: str


class Learner:
    def __init__(
        self, *, seed: int | None = None, margin: float = MARGIN, min_verdicts: int = MIN_VERDICTS
    ) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - exploration, not cryptography
        self.margin = margin
        self.min_verdicts = min_verdicts
        self.beliefs: dict[str, dict[int, Belief]] = {}
        self.lock = threading.Lock()  # workers of one session share the learner

    def record(self, scope: str, tier: int, passed: bool) -> None:
        with self.lock:
            belief = self.beliefs.setdefault(scope, {}).setdefault(tier, Belief())
            if passed:
                belief.passed += 1
            else:
                belief.failed += 1

    def observe(self, scope: str, attempts: Sequence[Attempt]) -> int:
        """Count the verdicts among a task's attempts; return how many there were."""
        verdicts = [(a.tier, a.verdict) for a in attempts if a.verdict is not None]
        for tier, verdict in verdicts:
            self.record(scope, tier, bool(verdict))
        return len(verdicts)

    def verdicts(self, scope: str) -> int:
        with self.lock:
            return sum(b.passed + b.failed for b in self.beliefs.get(scope, {}).values())

    def belief(self, scope: str, tier: int) -> Belief:
        with self.lock:
            return self.beliefs.get(scope, {}).get(tier, Belief())

    def choose(self, scope: str, tiers: Sequence[int]) -> Pick | None:
        """The cheapest tier whose sampled success rate is within `margin` of the best draw;
        None while the repository has fewer than `min_verdicts` verdicts."""
        if not tiers or self.verdicts(scope) < self.min_verdicts:
            return None
        with self.lock:
            found = self.beliefs.get(scope, {})
            draws = {
                t: self.rng.betavariate(found.get(t, Belief()).alpha, found.get(t, Belief()).beta)
                for t in sorted(tiers)
            }
        best = max(draws.values())
        tier = next(t for t, p in draws.items() if p >= best - self.margin)
        shown = ", ".join(f"tier {t} {p:.0%}" for t, p in draws.items())
        return Pick(
            tier,
            draws,
            f"sampled verify pass rates in {scope or 'this repository'}: "
            f"{shown}; cheapest within {self.margin:.0%} of the best",
        )


def verdict_events(
    events: Iterable[Mapping[str, Any]], catalog: Catalog
) -> Iterable[tuple[int, bool]]:
    """(tier, passed) for each verify verdict in telemetry: a worker's verify of one task (the
    event names the model), or the merge train's verify of a batch of one task (the model is the
    one that ran that task in the same session)."""
    ran: dict[tuple[Any, Any], str] = {}  # (session id or name, task) -> model
    for event in events:
        kind = event.get("event_type")
        if kind in ("task_started", "task_completed", "task_failed") and event.get("model"):
            name = (event.get("data") or {}).get("session_name")  # what the train calls it
            for session in (event.get("session_id"), name):
                ran[(session, event.get("task_id"))] = str(event["model"])
        if kind not in ("verification_passed", "verification_failed"):
            continue
        model = event.get("model")
        tasks = (event.get("data") or {}).get("tasks")
        if not model and isinstance(tasks, list) and len(tasks) == 1:
            model = ran.get((event.get("session_id"), tasks[0]))
        info = catalog.find(str(model)) if model else None
        if info is not None:
            yield info.tier, kind == "verification_passed"


def learner_from_events(
    events: Iterable[Mapping[str, Any]], catalog: Catalog, scope: str, *, seed: int | None = None
) -> Learner:
    learner = Learner(seed=seed)
    for tier, passed in verdict_events(events, catalog):
        learner.record(scope, tier, passed)
    return learner
