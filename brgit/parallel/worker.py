"""One attempt of one task in one worktree: prepare, run the agent, commit, verify.

`run_attempt(spec, host, cancel)` is what an executor runs (`brgit.parallel.executor`). It
reads nothing of the session but its `AttemptSpec`, and reports through its host; the
orchestrator turns the `AttemptResult` into task statuses, costs and escalation.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from brgit.agents.base import NO_CHANGES, AgentRequest, AgentResult, get_agent
from brgit.errors import BuildRunnerError
from brgit.gitops import worktrees
from brgit.gitops.git import rev_parse
from brgit.parallel import workspace
from brgit.parallel.executor import AttemptHost, AttemptResult, AttemptSpec
from brgit.routing.fallback import backoff
from brgit.telemetry.events import EventType

log = logging.getLogger(__name__)

RATE_LIMIT_RETRIES = 3
CONNECTION_RETRIES = 2  # a dropped connection: the same agent and model again, after a backoff
NO_CHANGE_ERROR = "no changes: the agent finished without changing any file"

# how an attempt gets its worktree: the local default cuts it from the main checkout; a remote
# backend cuts it from its node's mirror of the session's remote (brgit.parallel.cluster.node)
Prepare = Callable[[AttemptSpec], workspace.Workspace]


def prepare_local(spec: AttemptSpec) -> workspace.Workspace:
    return workspace.prepare(spec.cfg, spec.root, spec.session, spec.task.id, spec.starts,
                             spec.worker)  # fmt: skip


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


def run_attempt(
    spec: AttemptSpec,
    host: AttemptHost,
    cancel: threading.Event,
    prepare: Prepare = prepare_local,
) -> AttemptResult:
    """Run one attempt; every error becomes a failed result (one line), never an exception."""
    started = time.monotonic()
    attempt = _Attempt(spec, host, cancel, prepare)
    try:
        result = attempt.run()
    except BuildRunnerError as exc:
        result = AttemptResult(
            "failed", str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        )
    except Exception as exc:  # a bug or an OS error fails this task, not the session
        result = AttemptResult("failed", f"{type(exc).__name__}: {exc}".splitlines()[0])
    if cancel.is_set() and result.status == "failed":
        result.status, result.error = "stopped", "stopped by request"
    if result.status == "completed" and prepare is prepare_local:
        result.released = attempt.release()
    result.duration_ms = int((time.monotonic() - started) * 1000)
    return result


class _Attempt:
    def __init__(
        self, spec: AttemptSpec, host: AttemptHost, cancel: threading.Event, prepare: Prepare
    ) -> None:
        self.spec = spec
        self.task = spec.task
        self.host = host
        self.cancel = cancel
        self.prepare = prepare
        self.space: workspace.Workspace | None = None

    def release(self) -> bool:
        """Remove a completed task's worktree (its branch keeps the work), unless the config
        keeps every worktree: with hundreds of tasks, each live worktree makes git's own
        worktree and branch commands slower and holds a checkout on disk. A worktree that
        cannot be removed is left and logged, never an error of the task."""
        if self.space is None or self.spec.cfg.parallel.keep_worktrees == "all":
            return False
        problem = worktrees.release(self.spec.root, self.space.path)
        if problem:
            log.warning("worktree of %s left in place: %s", self.task.id, problem)
        return problem is None

    def run(self) -> AttemptResult:
        spec, cfg = self.spec, self.spec.cfg
        space = self.space = self.prepare(spec)
        self.host.placed(spec, space.branch, str(space.path))
        if space.blocked:
            return AttemptResult("blocked", space.blocked)
        timeout = float(cfg.agent.timeout_seconds)
        if cfg.parallel.setup_command:
            err = workspace.run_shell(
                "setup command", cfg.parallel.setup_command, space.path, space.env, timeout
            )
            if err:
                return AttemptResult("failed", err)
        request = AgentRequest(
            task=self.task,
            worktree=space.path,
            env=space.env,
            model=spec.model,
            cfg=cfg,
            timeout=timeout,
            on_spawn=lambda pid: self.host.spawned(spec, pid),
            cancel=self.cancel,
            ctx=self.host.ctx,
            retry=self.host.retry,
        )
        before = rev_parse("HEAD", space.path)
        ran = self._agent(request)
        result = AttemptResult(
            "completed" if ran.success else "failed",
            ran.error,
            usages=ran.usages,
            reported_cost_usd=ran.reported_cost_usd,
            agent_outcome=ran.outcome,
            warnings=ran.warnings,
        )
        for warning in ran.warnings:
            self.host.report(spec, EventType.TASK_WARNING, error=warning)
        if not ran.success:
            return result
        message = f"br: {self.task.id}: {self.task.title}"
        result.commit = worktrees.commit_all(space.path, message) or rev_parse("HEAD", space.path)
        result.changed = result.commit != before
        if not result.changed:
            result.agent_outcome = NO_CHANGES  # said from the start: status, summary, train
            if self._must_change():
                result.status, result.error = "failed", NO_CHANGE_ERROR
                return result
        if self.task.verify:
            self._verify(result, space, timeout)
        return result

    def _agent(self, request: AgentRequest) -> AgentResult:
        agent = get_agent(self.spec.agent)
        host = self.host
        with host.slots.hold(self.cancel) as slot:
            if slot is None:
                return AgentResult(False, error="stopped before it started")
            dropped = 0
            for attempt in range(1, RATE_LIMIT_RETRIES + CONNECTION_RETRIES + 2):
                host.backoff.wait(self.cancel)
                result = agent.run(request)
                if result.retryable and dropped < CONNECTION_RETRIES:
                    dropped += 1
                    delay = backoff(dropped)
                    self._retry_event(attempt, result, "connection", delay)
                    if self.cancel.wait(delay):
                        return result
                    continue
                if not result.rate_limited or attempt - dropped > RATE_LIMIT_RETRIES:
                    return result
                self._retry_event(attempt, result, "rate_limited", host.backoff.strike())
        return result  # pragma: no cover - the loop always returns

    def _retry_event(self, attempt: int, result: AgentResult, reason: str, delay: float) -> None:
        data = {"reason": reason, "backoff_seconds": delay, "run": self.spec.number}
        self.host.report(
            self.spec, EventType.TASK_RETRY, attempt=attempt, error=result.error, data=data
        )

    def _must_change(self) -> bool:
        """Model agents must change something; a shell task's own command may legitimately not."""
        return self.spec.agent != "shell"

    def _verify(self, result: AttemptResult, space: workspace.Workspace, timeout: float) -> None:
        assert self.task.verify
        err = workspace.run_shell("verify", self.task.verify, space.path, space.env, timeout)
        kind = EventType.VERIFICATION_FAILED if err else EventType.VERIFICATION_PASSED
        data: dict[str, Any] = {"command": self.task.verify}
        self.host.report(self.spec, kind, success=err is None, error=err, data=data)
        result.verified = err is None
        if err:
            result.status, result.error = "failed", err
