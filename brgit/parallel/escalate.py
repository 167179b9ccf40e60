"""Model choice for a session's tasks: the first run's model, and whether a failed run is
re-run a tier up (`brgit.routing.policy.EscalationPolicy`, built once per session)."""

from __future__ import annotations

import threading
from pathlib import Path

from brgit.agents.base import API_ERROR, NO_CHANGES, OK
from brgit.config import Config
from brgit.context import Context
from brgit.parallel.executor import AttemptResult, AttemptSpec
from brgit.routing.attempts import Attempt
from brgit.routing.policy import EscalationPolicy, Step, build_policy
from brgit.routing.selector import record_decision

AGENT_RAN = (OK, NO_CHANGES)  # outcomes of an agent that ran to its end


class Escalator:
    """The session's policy (built on first use: a session of plain shell tasks never reads
    the ledger) and each task's runs so far."""

    def __init__(self, cfg: Config, root: Path, ctx: Context) -> None:
        self.cfg = cfg
        self.root = root
        self.ctx = ctx
        self._policy: EscalationPolicy | None = None
        self._lock = threading.Lock()
        self.runs: dict[str, list[Attempt]] = {}

    @property
    def policy(self) -> EscalationPolicy:
        with self._lock:
            if self._policy is None:
                self._policy = build_policy(self.cfg, self.root, ctx=self.ctx)
            return self._policy

    def after(self, spec: AttemptSpec, result: AttemptResult, cost: float) -> Step | None:
        """Whether to run the task again: a Step with the next model (or why not), or None
        when the run stands: it completed, made no model call, was stopped or blocked, never
        reached its agent, or the provider refused it (an API error stops the task; it never
        escalates)."""
        if not spec.model or result.status not in ("completed", "failed"):
            return None
        if result.agent_outcome in (None, API_ERROR):
            return None
        info = self.ctx.catalog.find(spec.model)
        attempt = Attempt.of(
            spec.model,
            info.tier if info else 0,
            agent_ok=result.agent_outcome in AGENT_RAN,
            changed=result.changed,
            verify_passed=result.verified,
            cost_usd=cost,
            has_verify=bool(spec.task.verify),
        )
        runs = self.runs.setdefault(spec.task.id, [])
        runs.append(attempt)
        if result.status == "completed":  # a shell task may change nothing and be done
            self.policy.observe(runs)
            return None
        step = self.policy.next_step(runs)
        if step.choice is None:
            self.policy.observe(runs)
            return step
        record_decision(step.choice, spec.task, self.cfg, self.root, attempt=spec.number + 1,
                        ctx=self.ctx)  # fmt: skip
        return step
