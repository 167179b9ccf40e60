"""ModelSelector and `choose_model`: which model runs a task, and why.

Order of precedence: a forced model (`--model`), the plan's `model`, then the start tier the
escalation policy proposes (`brgit.routing.policy`: the cheapest tier unless the task is
critical, or the learner's pick), else the complexity heuristic's recommendation;
`routing.cost_optimization = false` uses `routing.default_model` instead of the last two. The
pick is then held to the cost limit, the time limit and what is left of the daily/weekly/monthly
budgets (spend read from the ledger), stepping down to the strongest model that fits. Every
step adds a line to `reasons`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from brgit.routing.budget import Budget, read_budget
from brgit.routing.catalog import Catalog, ModelInfo, load_catalog
from brgit.routing.complexity import projected_minutes
from brgit.routing.projection import Projector

if TYPE_CHECKING:
    from brgit.config import Config
    from brgit.core.plan import Task
    from brgit.routing.complexity import ComplexityResult
    from brgit.routing.policy import EscalationPolicy

SOURCES = ("forced", "plan", "escalation", "heuristic", "data-driven", "default", "budget")


@dataclass(frozen=True)
class Start:
    """The model a policy proposes before limits apply, and why."""

    model: str
    source: str  # escalation | heuristic | data-driven
    reason: str


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
        projector: Projector | None = None,
    ) -> None:
        self.cfg = cfg
        self.catalog = catalog or load_catalog(cfg.models)
        self.root = root
        self.projector = projector or Projector()

    def select(
        self,
        estimate: ComplexityResult,
        *,
        role: str = "builder",
        cost_limit: float | None = None,
        time_limit: float | None = None,
        model: str | None = None,
        plan_model: str | None = None,
        start: Start | None = None,
    ) -> ModelChoice:
        """Choose under the limits; `start` is a policy's proposal, which takes the place of
        the heuristic's recommendation (`role` is kept for callers of the API reference)."""
        reasons: list[str] = []
        name, source = self._preferred(estimate, model, plan_model, start, reasons)
        info = self.catalog.resolve(name)
        budget = self.budget()
        reasons.extend(budget.notes)
        budget.check()
        score = estimate.complexity_score
        choice = self._fit(info, name, source, score, cost_limit, time_limit, budget, reasons)
        choice.complexity_level = estimate.complexity_level
        choice.complexity_score = score
        return choice

    def budget(self) -> Budget:
        return read_budget(self.cfg, self.root)

    def select_model(
        self,
        task_description: str,
        complexity_score: int | None = None,
        cost_limit: float | None = None,
        time_limit: float | None = None,
        model: str | None = None,
        role: str = "builder",
    ) -> ModelChoice:
        """The API reference's call: what the configured policy starts this task on."""
        from brgit.routing.policy import EscalationPolicy

        policy = EscalationPolicy(
            self.cfg, catalog=self.catalog, root=self.root, projector=self.projector
        )
        return policy.first_choice(
            task_description, role=role, model=model, cost_limit=cost_limit,
            time_limit=time_limit, complexity_score=complexity_score,
        )  # fmt: skip

    # -- the preferred model ----------------------------------------------------------------

    def _preferred(
        self,
        estimate: ComplexityResult,
        forced: str | None,
        plan_model: str | None,
        start: Start | None,
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
        if start is not None:
            reasons.append(start.reason)
            return start.model, start.source
        reasons.append(
            f"Complexity {estimate.complexity_level} ({estimate.complexity_score}/100) "
            f"suggests {estimate.recommended_model}"
        )
        return estimate.recommended_model, "heuristic"

    # -- the limits ---------------------------------------------------------------------------

    def _fit(
        self,
        info: ModelInfo,
        name: str,
        source: str,
        score: int,
        cost_limit: float | None,
        time_limit: float | None,
        budget: Budget,
        reasons: list[str],
    ) -> ModelChoice:
        cap = budget.cap(cost_limit)
        cost_of = self.projector.cost

        def fits(m: ModelInfo) -> bool:
            cost_ok = cap is None or cost_of(m) <= cap
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
                    key=lambda m: (cost_of(m), projected_minutes(score, m)),
                )
                if pick.id != info.id:
                    reasons.append(f"no model fits the limits; {pick.name} comes closest")
                    info, name = pick, pick.name
        cost, minutes = cost_of(info), projected_minutes(score, info)
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
    task: Task, cfg: Config, root: Path | None = None, *, policy: EscalationPolicy | None = None
) -> ModelChoice:
    """The model a plan task starts on (contract used by the orchestrator and the claude
    agent); records a routing_decision event. Pass the session's `policy` (built once with
    `brgit.routing.policy.build_policy`) to skip reading the ledger for every task."""
    if policy is None:
        from brgit.routing.policy import build_policy

        policy = build_policy(cfg, root)
    choice = policy.first_task_choice(task)
    record_decision(choice, task, cfg, root)
    return choice


def record_decision(
    choice: ModelChoice, task: Task, cfg: Config, root: Path | None, *, attempt: int = 1
) -> None:
    """A `routing_decision` event for the run `attempt` of `task` (re-runs too)."""
    if not cfg.telemetry.enabled:
        return
    from brgit.telemetry.collector import EventCollector

    event = {
        "event_type": "routing_decision",
        "task_id": task.id,
        "role": task.role,
        "model": choice.model_id,
        "attempt": attempt,
        "data": {
            "source": choice.source,
            "reasons": choice.reasons,
            "estimated_cost": choice.estimated_cost,
            "complexity_score": choice.complexity_score,
        },
    }
    EventCollector(root).collect_event(event)
