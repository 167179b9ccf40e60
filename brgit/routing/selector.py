"""ModelSelector and `choose_model`: which model runs a task, and why.

Order of precedence: a forced model (`--model`), the plan's `model`, then the data-driven
belief (config `routing.data_driven`, outcomes from telemetry), then the complexity
heuristic; `routing.cost_optimization = false` uses `routing.default_model` instead of the
last two. The pick is then held to the cost limit, the time limit and what is left of the
daily/weekly/monthly budgets (spend read from the ledger), stepping down to the strongest
model that fits. Every step adds a line to `reasons`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brgit.context import Context, context_for
from brgit.llm.catalog import Catalog, ModelInfo
from brgit.routing import learning
from brgit.routing.budget import Budget, read_budget
from brgit.routing.complexity import ComplexityEstimator, projected_cost, projected_minutes

if TYPE_CHECKING:
    from brgit.config import Config
    from brgit.core.plan import Task
    from brgit.routing.complexity import ComplexityResult

SOURCES = ("forced", "plan", "heuristic", "data-driven", "default", "budget")


@dataclass
class ModelChoice:
    model: str  # alias or id, as configured
    model_id: str  # catalog id
    source: str  # one of SOURCES
    reasons: list[str] = field(default_factory=list)
    estimated_cost: float = 0.0
    estimated_time_minutes: int = 0
    complexity_level: str = ""
    complexity_score: int = 0
    meets_constraints: bool = True
    cost_limit: float | None = None
    time_limit: float | None = None

    @property
    def name(self) -> str:
        return self.model

    @property
    def reasoning(self) -> list[str]:
        return self.reasons

    def to_dict(self) -> dict[str, Any]:
        return {
            "selected_model": self.model,
            "model_id": self.model_id,
            "source": self.source,
            "estimated_cost": round(self.estimated_cost, 4),
            "estimated_time_minutes": self.estimated_time_minutes,
            "complexity_level": self.complexity_level,
            "complexity_score": self.complexity_score,
            "cost_limit": self.cost_limit,
            "time_limit": self.time_limit,
            "meets_constraints": self.meets_constraints,
            "reasons": list(self.reasons),
        }


class ModelSelector:
    def __init__(
        self,
        cfg: Config,
        *,
        catalog: Catalog | None = None,
        root: Path | None = None,
        ctx: Context | None = None,
    ) -> None:
        self.cfg = cfg
        self.ctx = context_for(cfg, root, ctx)
        self.catalog = catalog or self.ctx.catalog
        self.root = root

    def select(
        self,
        estimate: ComplexityResult,
        *,
        role: str = "builder",
        cost_limit: float | None = None,
        time_limit: float | None = None,
        model: str | None = None,
        plan_model: str | None = None,
        outcomes: dict[str, tuple[int, int]] | None = None,
    ) -> ModelChoice:
        """Choose under the limits; `outcomes` (model id -> successes, failures) replaces the
        telemetry read, for replaying recorded outcomes."""
        reasons: list[str] = []
        name, source = self._preferred(estimate, role, model, plan_model, outcomes, reasons)
        info = self.catalog.resolve(name)
        budget = read_budget(self.cfg, self.ctx.costs)
        reasons.extend(budget.notes)
        budget.check()
        choice = self._fit(info, name, source, estimate, cost_limit, time_limit, budget, reasons)
        choice.complexity_level = estimate.complexity_level
        choice.complexity_score = estimate.complexity_score
        return choice

    def select_model(
        self,
        task_description: str,
        complexity_score: int | None = None,
        cost_limit: float | None = None,
        time_limit: float | None = None,
        model: str | None = None,
        role: str = "builder",
    ) -> ModelChoice:
        """The API reference's call: estimate the description (or use the given score)."""
        estimator = ComplexityEstimator(self.catalog, self.cfg, self.root, ctx=self.ctx)
        estimate = estimator.estimate(task_description, role=role)
        if complexity_score is not None:
            estimate = estimator.result(task_description, complexity_score, estimate.factors)
        return self.select(
            estimate, role=role, cost_limit=cost_limit, time_limit=time_limit, model=model
        )

    # -- the preferred model ----------------------------------------------------------------

    def _preferred(
        self,
        estimate: ComplexityResult,
        role: str,
        forced: str | None,
        plan_model: str | None,
        outcomes: dict[str, tuple[int, int]] | None,
        reasons: list[str],
    ) -> tuple[str, str]:
        if forced:
            reasons.append(f"Model forced: {forced}")
            return forced, "forced"
        if plan_model:
            reasons.append(f"Model set in the plan: {plan_model}")
            return plan_model, "plan"
        if not estimate.task_description.strip() or not self.cfg.routing.cost_optimization:
            why = (
                "no description to estimate"
                if not estimate.task_description.strip()
                else ("routing.cost_optimization is off")
            )
            reasons.append(f"Default model {self.cfg.routing.default_model}: {why}")
            return self.cfg.routing.default_model, "default"
        if self.cfg.routing.data_driven:
            learned = self._learned(estimate, role, outcomes, reasons)
            if learned is not None:
                return learned, "data-driven"
        reasons.append(
            f"Complexity {estimate.complexity_level} ({estimate.complexity_score}/100) "
            f"suggests {estimate.recommended_model}"
        )
        return estimate.recommended_model, "heuristic"

    def _learned(
        self,
        estimate: ComplexityResult,
        role: str,
        outcomes: dict[str, tuple[int, int]] | None,
        reasons: list[str],
    ) -> str | None:
        if outcomes is None:
            outcomes = learning.role_outcomes(
                self.catalog, role, self.root, telemetry=self.ctx.telemetry
            )
        if outcomes is None:
            reasons.append("Data-driven routing: telemetry outcomes unavailable; heuristic used")
            return None
        if not any(sum(v) for v in outcomes.values()):
            reasons.append(f"Data-driven routing: no outcomes for role {role!r} yet")
            return None
        models = self.catalog.by_tier()
        score = estimate.complexity_score
        costs = {m.id: projected_cost(score, m) for m in models}
        best = learning.choose(learning.beliefs(models, score, outcomes), costs)
        info = self.catalog.models[best.model_id]
        reasons.append(
            f"Data-driven: {info.name} succeeds for role {role!r} with estimated probability "
            f"{best.mean:.0%} ({best.successes} ok, {best.failures} failed; prior "
            f"{best.prior:.0%} from tier {info.tier})"
        )
        return info.name

    # -- the limits ---------------------------------------------------------------------------

    def _fit(
        self,
        info: ModelInfo,
        name: str,
        source: str,
        estimate: ComplexityResult,
        cost_limit: float | None,
        time_limit: float | None,
        budget: Budget,
        reasons: list[str],
    ) -> ModelChoice:
        score = estimate.complexity_score
        cap = budget.cap(cost_limit)

        def fits(m: ModelInfo) -> bool:
            cost_ok = cap is None or projected_cost(score, m) <= cap
            return cost_ok and (time_limit is None or projected_minutes(score, m) <= time_limit)

        meets = fits(info)
        if not meets and source not in ("forced", "plan"):
            smaller = [m for m in self.catalog.by_tier() if m.tier <= info.tier and fits(m)]
            if smaller:
                pick = max(smaller, key=lambda m: (m.tier, -m.input))
                reasons.append(f"{info.name} is over the limits; {pick.name} fits them")
                limited_by_budget = budget.binding(cost_limit)
                source = "budget" if limited_by_budget else source
                info, name, meets = pick, pick.name, True
            else:  # nothing fits: the closest is the cheapest (and fastest) model
                pick = min(
                    self.catalog.by_tier(),
                    key=lambda m: (projected_cost(score, m), projected_minutes(score, m)),
                )
                if pick.id != info.id:
                    reasons.append(f"no model fits the limits; {pick.name} comes closest")
                    info, name = pick, pick.name
        cost, minutes = projected_cost(score, info), projected_minutes(score, info)
        label = "cost limit" if cost_limit is not None and cap == cost_limit else "budget left"
        reasons.extend(self._limit_notes(cost, minutes, (cap, label), time_limit, meets))
        return ModelChoice(
            name, info.id, source, reasons, cost, minutes, meets_constraints=meets,
            cost_limit=cost_limit, time_limit=time_limit,
        )  # fmt: skip

    @staticmethod
    def _limit_notes(
        cost: float,
        minutes: int,
        cap: tuple[float | None, str],
        time_limit: float | None,
        meets: bool,
    ) -> list[str]:
        notes = []
        limit, label = cap
        if limit is not None:
            verdict = "within" if cost <= limit else "OVER"
            notes.append(f"Estimated ${cost:.2f} is {verdict} the ${limit:.2f} {label}")
        if time_limit is not None:
            verdict = "within" if minutes <= time_limit else "OVER"
            notes.append(f"Estimated {minutes} min is {verdict} the {time_limit:g} min limit")
        if not meets:
            notes.append("No model meets every limit")
        return notes


def choose_model(
    task: Task, cfg: Config, root: Path | None = None, *, ctx: Context | None = None
) -> ModelChoice:
    """The model for one plan task (contract used by the orchestrator and the claude agent).
    Spend, outcomes and the decision event go through `ctx` (default: one built from `cfg`)."""
    ctx = context_for(cfg, root, ctx)
    catalog = ctx.catalog
    estimate = ComplexityEstimator(catalog, cfg, root, ctx=ctx).estimate_task(task)
    choice = ModelSelector(cfg, catalog=catalog, root=root, ctx=ctx).select(
        estimate, role=task.role, plan_model=task.model
    )
    _record(choice, task, ctx)
    return choice


def _record(choice: ModelChoice, task: Task, ctx: Context) -> None:
    if not ctx.config.telemetry.enabled:
        return
    from brgit.telemetry.events import EventType, TelemetryEvent

    data = {
        "source": choice.source,
        "reasons": choice.reasons,
        "estimated_cost": choice.estimated_cost,
        "complexity_score": choice.complexity_score,
    }
    event = TelemetryEvent(
        EventType.ROUTING_DECISION, task_id=task.id, role=task.role, model=choice.model_id,
        data=data,
    )  # fmt: skip
    ctx.events.collect(event)
