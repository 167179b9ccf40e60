"""One task in one worktree: prepare, run the agent, commit, verify, report."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from brgit.agents.base import NO_CHANGES, AgentRequest, AgentResult, get_agent
from brgit.core.usage import TokenUsage
from brgit.errors import BuildRunnerError
from brgit.gitops import worktrees
from brgit.gitops.git import rev_parse
from brgit.parallel import workspace
from brgit.routing.fallback import backoff

if TYPE_CHECKING:
    from brgit.core.plan import Task
    from brgit.parallel.orchestrator import Orchestrator

RATE_LIMIT_RETRIES = 3
CONNECTION_RETRIES = 2  # a dropped connection: the same agent and model again, after a backoff


@dataclass
class Outcome:
    status: str  # completed | failed | blocked | stopped
    error: str | None = None
    commit: str | None = None
    usages: list[TokenUsage] = field(default_factory=list)
    cost_usd: float = 0.0
    agent_outcome: str | None = None  # AgentResult.outcome, or no_changes (brgit.agents.base)
    warnings: list[str] = field(default_factory=list)


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class TaskRunner:
    def __init__(self, orch: Orchestrator, task: Task, worker: int) -> None:
        self.orch = orch
        self.task = task
        self.worker = worker
        self.worker_id = f"worker-{worker}"
        self.started = time.monotonic()

    def run(self) -> Outcome:
        model: str | None = None
        error = "no model chosen"
        # The shell agent calls no model unless the plan names one (its `run` may wrap an agent
        # CLI): choosing one anyway would credit a model with the task's outcome and teach
        # data-driven routing from runs no model made.
        shell = (self.task.agent or self.orch.agent_name) == "shell"
        uses_model = not shell or bool(self.task.model)
        if uses_model:
            try:
                model = self.orch.select_model(self.task)
            except BuildRunnerError as exc:  # e.g. no model fits the budget: this task fails
                error = f"model selection: {exc}"
        self.orch.begin(self.task.id, self.worker_id, model)
        try:
            ready = model is not None or not uses_model
            outcome = self._run(model or "") if ready else Outcome("failed", error)
        except BuildRunnerError as exc:
            outcome = Outcome(
                "failed", str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            )
        except Exception as exc:  # a bug or an OS error fails this task, not the session
            outcome = Outcome("failed", f"{type(exc).__name__}: {exc}".splitlines()[0])
        if self.orch.cancel.is_set() and outcome.status == "failed":
            outcome.status, outcome.error = "stopped", "stopped by request"
        self.orch.finish(
            self.task.id, outcome, model, int((time.monotonic() - self.started) * 1000)
        )
        return outcome

    def _run(self, model: str) -> Outcome:
        cfg, orch = self.orch.cfg, self.orch
        space = workspace.prepare(cfg, orch.root, orch.record, self.task.id, self.worker)
        orch.placed(self.task.id, space.branch, str(space.path))
        if space.blocked:
            return Outcome("blocked", space.blocked)
        timeout = float(cfg.agent.timeout_seconds)
        if cfg.parallel.setup_command:
            err = workspace.run_shell(
                "setup command", cfg.parallel.setup_command, space.path, space.env, timeout
            )
            if err:
                return Outcome("failed", err)
        request = AgentRequest(
            task=self.task,
            worktree=space.path,
            env=space.env,
            model=model,
            cfg=cfg,
            timeout=timeout,
            on_spawn=lambda pid: orch.spawned(self.task.id, pid),
            cancel=orch.cancel,
        )
        before = rev_parse("HEAD", space.path)
        result = self._agent(request)
        outcome = Outcome("completed" if result.success else "failed", result.error)
        outcome.usages, outcome.agent_outcome = result.usages, result.outcome
        outcome.warnings = result.warnings
        outcome.cost_usd = self._track(result)
        for warning in result.warnings:
            self.orch.event("task_warning", self.task, error=warning)
        if not result.success:
            return outcome
        outcome.commit = worktrees.commit_all(space.path, f"br: {self.task.id}: {self.task.title}")
        outcome.commit = outcome.commit or rev_parse("HEAD", space.path)
        if outcome.commit == before and self._must_change():
            outcome.status, outcome.agent_outcome = "failed", NO_CHANGES
            outcome.error = "no changes: the agent finished without changing any file"
            return outcome
        if self.task.verify:
            return self._verify(outcome, space, timeout)
        return outcome

    def _agent(self, request: AgentRequest) -> AgentResult:
        agent = get_agent(self.task.agent or self.orch.agent_name)
        with self.orch.slots.hold(self.orch.cancel) as slot:
            if slot is None:
                return AgentResult(False, error="stopped before it started")
            dropped = 0
            for attempt in range(1, RATE_LIMIT_RETRIES + CONNECTION_RETRIES + 2):
                self.orch.backoff.wait(self.orch.cancel)
                result = agent.run(request)
                if result.retryable and dropped < CONNECTION_RETRIES:
                    dropped += 1
                    delay = backoff(dropped)
                    self._retry_event(attempt, result, "connection", delay)
                    if self.orch.cancel.wait(delay):
                        return result
                    continue
                if not result.rate_limited or attempt - dropped > RATE_LIMIT_RETRIES:
                    return result
                self._retry_event(attempt, result, "rate_limited", self.orch.backoff.strike())
        return result  # pragma: no cover - the loop always returns

    def _retry_event(self, attempt: int, result: AgentResult, reason: str, delay: float) -> None:
        self.orch.event(
            "task_retry",
            self.task,
            attempt=attempt,
            error=result.error,
            data={"reason": reason, "backoff_seconds": delay},
        )

    def _must_change(self) -> bool:
        """Model agents must change something; a shell task's own command may legitimately not."""
        return (self.task.agent or self.orch.agent_name) != "shell"

    def _track(self, result: AgentResult) -> float:
        total = 0.0
        for usage in result.usages:
            record = self.orch.track(self.task, usage)
            total += float(record.get("cost_usd") or 0.0)
        if not result.usages and result.reported_cost_usd:
            total = result.reported_cost_usd
        return total

    def _verify(self, outcome: Outcome, space: workspace.Workspace, timeout: float) -> Outcome:
        assert self.task.verify
        err = workspace.run_shell("verify", self.task.verify, space.path, space.env, timeout)
        kind = "verification_failed" if err else "verification_passed"
        data: dict[str, Any] = {"command": self.task.verify}
        self.orch.event(kind, self.task, success=err is None, error=err, data=data)
        if err:
            outcome.status, outcome.error = "failed", err
        return outcome
