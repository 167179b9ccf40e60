"""What is left of the daily, weekly and monthly budgets, read from the cost ledger.

Limits come from config `routing.cost_limits` (environment `BR_COST_LIMIT_*` overrides it when
the config is loaded); 0 disables a period. Spend comes from the command's ledger
(`CostTracker.spent(period)`); when the ledger cannot say, the budget is unknown and the notes
say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from brgit.errors import RoutingError

if TYPE_CHECKING:
    from brgit.config import Config
    from brgit.telemetry.costs import CostTracker

PERIODS = (("day", "daily"), ("week", "weekly"), ("month", "monthly"))


@dataclass(frozen=True)
class PeriodSpend:
    period: str  # day | week | month
    key: str  # daily | weekly | monthly
    limit: float
    spent: float

    @property
    def remaining(self) -> float:
        return self.limit - self.spent


@dataclass
class Budget:
    periods: list[PeriodSpend] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def tightest(self) -> PeriodSpend | None:
        return min(self.periods, key=lambda p: p.remaining, default=None)

    def check(self) -> None:
        """RoutingError when a budget is already spent."""
        tight = self.tightest()
        if tight is not None and tight.remaining <= 0:
            raise RoutingError(
                f"{tight.key} budget of ${tight.limit:.2f} is spent (${tight.spent:.2f}); "
                f"raise routing.cost_limits.{tight.key} or BR_COST_LIMIT_{tight.key.upper()}"
            )

    def cap(self, cost_limit: float | None) -> float | None:
        """The most one task may cost: the cost limit or what is left, whichever is less."""
        tight = self.tightest()
        caps = [c for c in (cost_limit, tight.remaining if tight else None) if c is not None]
        return min(caps) if caps else None

    def binding(self, cost_limit: float | None) -> bool:
        """True when the budget, not the cost limit, is what caps the task."""
        tight = self.tightest()
        return tight is not None and (cost_limit is None or tight.remaining < cost_limit)


def read_budget(cfg: Config, costs: CostTracker) -> Budget:
    limits = cfg.routing.cost_limits
    wanted = [(p, k, float(getattr(limits, k))) for p, k in PERIODS if getattr(limits, k) > 0]
    budget = Budget()
    if not wanted:
        return budget
    spent = costs.spent
    for period, key, limit in wanted:
        try:
            amount = float(spent(period))
        except Exception as exc:  # an unreadable ledger must not hide the other budgets
            budget.notes.append(f"{key.capitalize()} spend unknown: {exc}")
            continue
        budget.periods.append(PeriodSpend(period, key, limit, amount))
    tight = budget.tightest()
    if tight is not None:
        budget.notes.append(
            f"{tight.key.capitalize()} budget: ${tight.remaining:.2f} left of ${tight.limit:.2f}"
        )
    return budget
