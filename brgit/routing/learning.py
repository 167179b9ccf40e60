"""Data-driven model choice: a Beta belief per model about succeeding at a kind of task.

The prior comes from the model's tier and the task's complexity score (a stronger model is
believed more likely to finish a harder task); each recorded success and failure for the role
updates it (blocked tasks say nothing about the model and are left out). The choice is the
cheapest model whose posterior mean reaches `TARGET`, else the most likely one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from brgit.llm.catalog import Catalog, ModelInfo
    from brgit.telemetry.settings import Telemetry

TIER_CAPABILITY = {1: 0.45, 2: 0.70, 3: 0.90}
PRIOR_STRENGTH = 4.0  # the prior weighs as much as four observed outcomes
TARGET = 0.75  # "likely to succeed"
LOOKBACK_DAYS = 30


@dataclass(frozen=True)
class Belief:
    model_id: str
    prior: float
    successes: int = 0
    failures: int = 0

    @property
    def alpha(self) -> float:
        return self.prior * PRIOR_STRENGTH + self.successes

    @property
    def beta(self) -> float:
        return (1 - self.prior) * PRIOR_STRENGTH + self.failures

    @property
    def mean(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    @property
    def observed(self) -> int:
        return self.successes + self.failures


def prior_success(tier: int, score: int) -> float:
    """Believed success rate before any outcome: falls with difficulty, less for strong tiers."""
    capability = TIER_CAPABILITY.get(tier, 0.95 if tier > 3 else 0.3)
    return min(0.97, max(0.05, 1 - 2 * (score / 100) * (1 - capability)))


def beliefs(
    models: list[ModelInfo], score: int, outcomes: Mapping[str, tuple[int, int]]
) -> list[Belief]:
    """One posterior per model; `outcomes` maps model id -> (successes, failures)."""
    out = []
    for model in models:
        wins, losses = outcomes.get(model.id, (0, 0))
        out.append(Belief(model.id, prior_success(model.tier, score), wins, losses))
    return out


def choose(found: list[Belief], costs: Mapping[str, float], target: float | None = None) -> Belief:
    """The cheapest model likely to succeed, else the one most likely to."""
    target = TARGET if target is None else target
    likely = [b for b in found if b.mean >= target]
    if likely:
        return min(likely, key=lambda b: (costs[b.model_id], -b.mean))
    return max(found, key=lambda b: (b.mean, -costs[b.model_id]))


def role_outcomes(
    catalog: Catalog,
    role: str,
    root: Path | None,
    days: int | None = LOOKBACK_DAYS,
    *,
    telemetry: Telemetry | None = None,
) -> dict[str, tuple[int, int]] | None:
    """(successes, failures) per catalog model id for `role` from telemetry; None when the
    telemetry package cannot report outcomes."""
    try:
        from brgit.telemetry.performance import model_role_stats
    except ImportError:
        return None
    try:
        stats = model_role_stats(root, days=days, role=role, telemetry=telemetry)
    except Exception:  # unreadable store: learn nothing rather than fail the choice
        return None
    out: dict[str, tuple[int, int]] = {}
    for (model, stat_role), stat in stats.items():
        info = catalog.find(model)
        if info is None or stat_role != role:
            continue
        wins, losses = out.get(info.id, (0, 0))
        out[info.id] = (wins + int(stat.successes), losses + int(stat.failures))
    return out
