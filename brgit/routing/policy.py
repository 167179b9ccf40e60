"""The escalation policy: which tier a task starts on, and when a failed run goes a tier up.

One object serves `br run`/`br parallel` and `br routing evaluate`, so a replay judges the very
rule that runs. With `routing.escalate` (the default) a task starts on the cheapest tier unless
the estimate calls it critical (then on the tier the estimate recommends), or where the learner
(`routing.data_driven`) points; a run that fails (agent error, no change, or the task's verify
failing) is re-run on the next tier up, in a fresh worktree, until a run succeeds, the ladder
ends or `routing.max_task_attempts` runs were made. Re-runs are held to the cost limit and the
budgets. With escalation off, the complexity heuristic picks one model and a failure is final.

    policy = build_policy(cfg, root)                  # once per session
    first = policy.first_task_choice(task)            # or first_choice(text, repo, ...)
    result = policy.run(first, run_attempt)           # run_attempt(ModelChoice) -> Attempt
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from brgit.errors import RoutingError
from brgit.routing.catalog import Catalog, ModelInfo, load_catalog
from brgit.routing.complexity import ComplexityEstimator
from brgit.routing.learning import LOOKBACK_DAYS, Learner, learner_from_events
from brgit.routing.projection import Profile, Projector, ledger_profiles
from brgit.routing.selector import ModelChoice, ModelSelector, Start

if TYPE_CHECKING:
    from brgit.config import Config
    from brgit.core.plan import Task
    from brgit.routing.attempts import Attempt
    from brgit.routing.complexity import ComplexityResult

log = logging.getLogger("brgit.routing")


@dataclass(frozen=True)
class Step:
    """The next run to make (None: stop) and why."""

    choice: ModelChoice | None
    reason: str


@dataclass
class Escalation:
    """Every run one task made, the choices behind them, and why the runs stopped."""

    choices: list[ModelChoice]
    attempts: list[Attempt]
    stop: str

    @property
    def succeeded(self) -> bool:
        return bool(self.attempts) and self.attempts[-1].succeeded

    @property
    def cost_usd(self) -> float:
        return sum(a.cost_usd for a in self.attempts)


class EscalationPolicy:
    def __init__(
        self,
        cfg: Config,
        *,
        catalog: Catalog | None = None,
        root: Path | None = None,
        projector: Projector | None = None,
        learner: Learner | None = None,
        ladder: Sequence[ModelInfo] | None = None,
        scope: str = "",
    ) -> None:
        """`ladder`: the models to climb, cheapest first (default: the catalog's current
        models); `scope`: the repository whose beliefs a task without one uses."""
        self.settings = cfg.routing
        self.catalog = catalog or load_catalog(cfg.models)
        self.projector = projector or Projector()
        self.learner = learner
        self.ladder = sorted(ladder or self.catalog.by_tier(), key=lambda m: (m.tier, m.input))
        self.scope = scope
        self.estimator = ComplexityEstimator(self.catalog, cfg, root, projector=self.projector)
        self.selector = ModelSelector(
            cfg, catalog=self.catalog, root=root, projector=self.projector
        )

    # -- the first run ------------------------------------------------------------------------

    def first_choice(
        self,
        task_text: str,
        repo: str | None = None,
        *,
        role: str | None = None,
        files: Sequence[str] = (),
        depends_on: Sequence[str] = (),
        model: str | None = None,
        plan_model: str | None = None,
        cost_limit: float | None = None,
        time_limit: float | None = None,
        complexity_score: int | None = None,
    ) -> ModelChoice:
        """The model a task starts on, held to the limits and budgets."""
        estimate = self.estimator.estimate(
            task_text, files=list(files), depends_on=list(depends_on), role=role
        )
        if complexity_score is not None:
            estimate = self.estimator.result(task_text, complexity_score, estimate.factors)
        start = None if model or plan_model else self.start(estimate, repo)  # no wasted draws
        choice = self.selector.select(
            estimate, role=role or "builder", cost_limit=cost_limit, time_limit=time_limit,
            model=model, plan_model=plan_model, start=start,
        )  # fmt: skip
        info = self.catalog.resolve(choice.model_id)
        profile = self.projector.profile(info.tier)
        choice.reasons.append(f"Projected ${choice.estimated_cost:.2f}: {profile.describe()}")
        return choice

    def first_task_choice(self, task: Task) -> ModelChoice:
        text = f"{task.title}. {task.description}" if task.description else task.title
        return self.first_choice(
            text, role=task.role, files=task.files, depends_on=task.depends_on,
            plan_model=task.model,
        )  # fmt: skip

    def start(self, estimate: ComplexityResult, repo: str | None = None) -> Start:
        """The proposed first model, on this policy's ladder."""
        if self.learner is not None:
            pick = self.learner.choose(self._scope(repo), [m.tier for m in self.ladder])
            if pick is not None:
                model = next(m for m in self.ladder if m.tier == pick.tier)
                return Start(model.name, "data-driven", f"Data-driven: {model.name}: {pick.note}")
        level, score = estimate.complexity_level, estimate.complexity_score
        if self.settings.escalate and level != "critical":
            cheapest = self.ladder[0]
            why = (
                f"Start on the cheapest tier, {cheapest.name} (complexity {level}, "
                f"{score}/100); a failed run is re-run a tier up"
            )
            return Start(cheapest.name, "escalation", why)
        recommended = estimate.recommended_model
        model = self._at_most(self.catalog.resolve(recommended).tier)
        why = f"Complexity {level} ({score}/100) suggests {recommended}"
        if model.name != recommended:
            why += f"; {model.name} is the strongest tier here"
        return Start(model.name, "heuristic", why)

    # -- the runs after it --------------------------------------------------------------------

    def next_step(self, attempts: Sequence[Attempt], *, cost_limit: float | None = None) -> Step:
        """Whether to re-run after `attempts` (oldest first), on which model, and why not."""
        if not attempts:
            raise ValueError("next_step needs the attempts made so far")
        last = attempts[-1]
        if last.succeeded:
            return Step(None, f"the run on {self._name(last.model_id)} succeeded ({last.outcome})")
        if not self.settings.escalate:
            return Step(None, "escalation is off (routing.escalate = false)")
        limit = self.settings.max_task_attempts
        if len(attempts) >= limit:
            return Step(None, f"{limit} run(s) made (routing.max_task_attempts = {limit})")
        tried = max(a.tier for a in attempts)
        higher = [m for m in self.ladder if m.tier > tried]
        if not higher:
            return Step(None, f"no tier above {self._name(last.model_id)}")
        return self._within_budget(higher[0], last, cost_limit)

    def next_choice(
        self, attempts: Sequence[Attempt], *, cost_limit: float | None = None
    ) -> ModelChoice | None:
        """The model of the next run, or None when the task is done with."""
        return self.next_step(attempts, cost_limit=cost_limit).choice

    def run(
        self,
        first: ModelChoice,
        attempt: Callable[[ModelChoice], Attempt],
        repo: str | None = None,
        *,
        cost_limit: float | None = None,
    ) -> Escalation:
        """Make runs with `attempt` (one fresh worktree each, at run time) until the policy
        stops; the learner, when on, counts the verdicts among them."""
        choices, attempts = [first], [attempt(first)]
        step = self.next_step(attempts, cost_limit=cost_limit)
        while step.choice is not None:
            choices.append(step.choice)
            attempts.append(attempt(step.choice))
            step = self.next_step(attempts, cost_limit=cost_limit)
        self.observe(attempts, repo)
        return Escalation(choices, attempts, step.reason)

    def observe(self, attempts: Sequence[Attempt], repo: str | None = None) -> None:
        if self.learner is not None:
            self.learner.observe(self._scope(repo), attempts)

    # -- helpers ------------------------------------------------------------------------------

    def _within_budget(self, model: ModelInfo, last: Attempt, cost_limit: float | None) -> Step:
        budget = self.selector.budget()
        try:
            budget.check()
        except RoutingError as exc:
            return Step(None, f"no re-run: {exc}")
        cost = self.projector.cost(model)
        cap = budget.cap(cost_limit)
        if cap is not None and cost > cap:
            return Step(None, f"no re-run on {model.name}: ${cost:.2f} projected, ${cap:.2f} left")
        reason = (
            f"Re-run on {model.name}: the run on {self._name(last.model_id)} ended "
            f"{last.outcome.value.replace('_', ' ')}"
        )
        choice = ModelChoice(
            model.name, model.id, "escalation", [reason, *budget.notes], cost,
            cost_limit=cost_limit,
        )  # fmt: skip
        return Step(choice, reason)

    def _at_most(self, tier: int) -> ModelInfo:
        fitting = [m for m in self.ladder if m.tier <= tier]
        return fitting[-1] if fitting else self.ladder[0]

    def _name(self, model_id: str) -> str:
        info = self.catalog.find(model_id)
        return info.name if info else model_id

    def _scope(self, repo: str | None) -> str:
        return self.scope if repo is None else repo


def build_policy(cfg: Config, root: Path | None, *, seed: int | None = None) -> EscalationPolicy:
    """The policy for one session: projections from the ledger, the learner (when on) from the
    verdicts in telemetry of the last LOOKBACK_DAYS days. Unreadable telemetry is logged and
    leaves the defaults: it never stops a task."""
    catalog = load_catalog(cfg.models)
    scope = root.name if root else ""
    projector = Projector(_ledger_profiles(cfg, root, catalog))
    learner = _learner(cfg, root, catalog, scope, seed) if cfg.routing.data_driven else None
    return EscalationPolicy(
        cfg, catalog=catalog, root=root, projector=projector, learner=learner, scope=scope
    )


def _ledger_profiles(cfg: Config, root: Path | None, catalog: Catalog) -> Mapping[int, Profile]:
    if not cfg.telemetry.enabled:
        return {}
    from brgit.telemetry.costs import CostTracker

    try:
        return ledger_profiles(CostTracker(root, config=cfg).records("month"), catalog)
    except Exception as exc:  # a damaged ledger: project from the defaults
        log.warning("routing: cost profiles not read from the ledger: %s", exc)
        return {}


def _learner(
    cfg: Config, root: Path | None, catalog: Catalog, scope: str, seed: int | None
) -> Learner:
    from brgit.telemetry.collector import EventCollector

    try:
        events = list(EventCollector(root, config=cfg).iter_events(hours=LOOKBACK_DAYS * 24))
    except Exception as exc:  # unreadable events: learn from this session only
        log.warning("routing: verdicts not read from telemetry: %s", exc)
        events = []
    return learner_from_events(events, catalog, scope, seed=seed)
