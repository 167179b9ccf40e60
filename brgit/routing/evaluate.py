"""`br routing evaluate`: replay the configured routing policy over a matrix of outcomes.

Each task goes through the same `EscalationPolicy` that runs tasks: its first choice sees the
task's text and repository; each run it makes is answered from the matrix with what a router
observes when a run ends: whether the agent produced a change (`produced_patch`) and what it
cost. `resolved` is read only to score the result, unless `verify` is set: then it stands for
the verdict of a verify command run after each attempt, which a router does observe. Budgets
and cost limits are off (the matrix holds the costs), telemetry is neither read nor written.
Baselines on the same file: always the cheapest tier, always the strongest, and the oracle
(per task the cheapest tier that resolves it; a task none resolves costs its cheapest run).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from brgit.config import Config, CostLimits
from brgit.errors import RoutingError
from brgit.routing.attempts import Attempt, Outcome
from brgit.routing.learning import Learner
from brgit.routing.policy import EscalationPolicy

if TYPE_CHECKING:
    from brgit.routing.matrix import Arm, Matrix, MatrixTask
    from brgit.routing.selector import ModelChoice


@dataclass(frozen=True)
class Totals:
    tasks: int
    resolved: int
    cost_usd: float
    attempts: int

    @property
    def resolve_rate(self) -> float:
        return self.resolved / self.tasks if self.tasks else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "tasks": self.tasks,
            "resolved": self.resolved,
            "resolve_rate": round(self.resolve_rate, 4),
            "cost_usd": round(self.cost_usd, 2),
            "attempts": self.attempts,
        }


@dataclass(frozen=True)
class Decision:
    """What the policy did with one task: the models it ran, in order, and why it stopped."""

    task_id: str
    models: tuple[str, ...]
    resolved: bool
    cost_usd: float
    stop: str


@dataclass
class Evaluation:
    file: str
    settings: dict[str, Any]
    totals: Totals
    baselines: dict[str, tuple[str, Totals]]  # name -> (what it runs, totals)
    decisions: list[Decision]

    def to_dict(self) -> dict[str, Any]:
        strong = self.baselines["always_strong"][1]
        started = Counter(d.models[0] for d in self.decisions)
        return {
            "file": self.file,
            "policy": self.settings,
            **self.totals.to_dict(),
            "escalated": sum(len(d.models) > 1 for d in self.decisions),
            "started_on": dict(sorted(started.items())),
            "vs_always_strong": {
                "resolve_rate_points": round(
                    100 * (self.totals.resolve_rate - strong.resolve_rate), 2
                ),
                "cost_ratio": round(self.totals.cost_usd / strong.cost_usd, 4)
                if strong.cost_usd
                else None,
            },
            "baselines": {
                name: {"runs": runs, **totals.to_dict()}
                for name, (runs, totals) in self.baselines.items()
            },
        }


def replay_config(cfg: Config, data_driven: bool | None = None) -> Config:
    """The configured routing with budgets off (a replay spends nothing)."""
    routing = dataclasses.replace(cfg.routing, cost_limits=CostLimits(0, 0, 0))
    if data_driven is not None:
        routing = dataclasses.replace(routing, data_driven=data_driven)
    return dataclasses.replace(cfg, routing=routing)


def evaluate(
    matrix: Matrix,
    cfg: Config,
    *,
    verify: bool = False,
    seed: int = 0,
    data_driven: bool | None = None,
) -> Evaluation:
    """Replay `matrix` through the policy `cfg` configures (see the module docstring)."""
    cfg = replay_config(cfg, data_driven)
    learner = Learner(seed=seed) if cfg.routing.data_driven else None
    policy = EscalationPolicy(cfg, root=None, learner=learner, ladder=matrix.ladder)
    decisions = [_replay(policy, task, verify) for task in matrix.tasks]
    totals = Totals(
        len(decisions),
        sum(d.resolved for d in decisions),
        sum(d.cost_usd for d in decisions),
        sum(len(d.models) for d in decisions),
    )
    settings = {
        "escalate": cfg.routing.escalate,
        "max_task_attempts": cfg.routing.max_task_attempts,
        "data_driven": cfg.routing.data_driven,
        "verify": verify,
        "seed": seed,
        "tiers": [m.name for m in matrix.ladder],
    }
    return Evaluation(str(matrix.path), settings, totals, baselines(matrix), decisions)


def _replay(policy: EscalationPolicy, task: MatrixTask, verify: bool) -> Decision:
    def attempt(choice: ModelChoice) -> Attempt:
        arm = _arm(task, choice)
        return Attempt(choice.model_id, _tier(policy, choice), _outcome(arm, verify),
                       arm.cost_usd, has_verify=verify)  # fmt: skip

    first = policy.first_choice(task.text, task.repo)
    result = policy.run(first, attempt, task.repo)
    last = task.arms[result.attempts[-1].model_id]
    models = tuple(policy.catalog.resolve(a.model_id).name for a in result.attempts)
    return Decision(task.task_id, models, last.resolved, result.cost_usd, result.stop)


def _arm(task: MatrixTask, choice: ModelChoice) -> Arm:
    arm = task.arms.get(choice.model_id)
    if arm is None:
        raise RoutingError(
            f"the policy chose {choice.model} ({choice.source}) for task {task.task_id!r}, "
            "which the matrix has no runs for; check routing.default_model and cost_optimization"
        )
    return arm


def _tier(policy: EscalationPolicy, choice: ModelChoice) -> int:
    return policy.catalog.resolve(choice.model_id).tier


def _outcome(arm: Arm, verify: bool) -> Outcome:
    """What a router sees when the run ends (`resolved` only as the verify's verdict)."""
    if not arm.produced_patch:
        return Outcome.NO_CHANGE
    if not verify:
        return Outcome.CHANGED
    return Outcome.VERIFIED if arm.resolved else Outcome.VERIFY_FAILED


def baselines(matrix: Matrix) -> dict[str, tuple[str, Totals]]:
    cheap, strong = matrix.ladder[0], matrix.ladder[-1]
    return {
        "always_cheap": (cheap.name, _always(matrix, cheap.id)),
        "always_strong": (strong.name, _always(matrix, strong.id)),
        "oracle": ("the cheapest tier that resolves each task", _oracle(matrix)),
    }


def _always(matrix: Matrix, model_id: str) -> Totals:
    arms = [t.arms[model_id] for t in matrix.tasks]
    return Totals(len(arms), sum(a.resolved for a in arms), sum(a.cost_usd for a in arms),
                  len(arms))  # fmt: skip


def _oracle(matrix: Matrix) -> Totals:
    resolved, cost = 0, 0.0
    for task in matrix.tasks:
        ordered = [task.arms[m.id] for m in matrix.ladder]
        pick = next((a for a in ordered if a.resolved), ordered[0])
        resolved += pick.resolved
        cost += pick.cost_usd
    return Totals(len(matrix.tasks), resolved, cost, len(matrix.tasks))
