"""The orchestrator: schedules a plan's tasks on workers, each in its own worktree.

`run_plan(plan, root=..., cfg=...)` is the entry point other packages use (`br run`, `br demo`);
`resume_session(name, ...)` continues a stopped or crashed session without redoing completed
tasks. A task starts only when its dependencies completed; a failed or blocked dependency blocks
its dependents; independent tasks keep running.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from brgit import paths
from brgit.agents.base import ModelCall
from brgit.config import Config
from brgit.context import Context, context_for
from brgit.core.plan import Plan, Task
from brgit.core.session import (
    SessionRecord,
    TaskRecord,
    check_name,
    load_session,
    save_session,
    session_file,
)
from brgit.core.usage import TokenUsage
from brgit.errors import ParallelError
from brgit.parallel import control
from brgit.parallel.coordinator import WorkerCoordinator
from brgit.parallel.records import free_name, new_record, summary
from brgit.parallel.slots import Backoff, Slots
from brgit.parallel.worker import Outcome, TaskRunner, now_iso
from brgit.process import process_start
from brgit.routing.selector import ModelChoice
from brgit.routing.selector import choose_model as choose
from brgit.telemetry.events import EventType, TelemetryEvent

__all__ = [
    "ModelChoice",
    "Orchestrator",
    "choose",
    "free_name",
    "new_record",
    "resume_session",
    "run_plan",
    "summary",
]

Progress = Callable[[str], None]
UNFINISHED_DEPS = ("failed", "blocked")


class Orchestrator:
    def __init__(
        self,
        record: SessionRecord,
        *,
        root: Path,
        cfg: Config,
        progress: Progress | None = None,
        ctx: Context | None = None,
    ) -> None:
        self.record = record
        self.root = root
        self.cfg = cfg
        self.ctx = context_for(cfg, root, ctx)
        self.agent_name = record.agent
        self.progress = progress or (lambda _line: None)
        self.lock = threading.RLock()
        self.cancel = threading.Event()
        store = root / paths.STORE_DIRNAME
        self.slots = Slots(store, cfg.parallel.max_concurrency)
        self.backoff = Backoff(store)
        self.collector = self.ctx.events
        self.costs = self.ctx.costs
        self.coordinator = WorkerCoordinator(
            record.name, root=root, timeout=cfg.parallel.heartbeat_timeout
        )

    # -- model choice and telemetry ---------------------------------------------------------

    def select_model(self, task: Task) -> str:
        """The catalog model id for `task`; emits `model_selected`."""
        choice = choose(task, self.cfg, self.root, ctx=self.ctx)
        self.event(
            EventType.MODEL_SELECTED,
            task,
            model=choice.model_id,
            data={"source": choice.source, "reasons": choice.reasons, "requested": choice.model},
        )
        return choice.model_id

    def retry(self, call: ModelCall, model_id: str, task_id: str | None) -> Any:
        """A model call of an agent through routing's fallback loop, with this run's catalog
        and events."""
        from brgit.routing.fallback import FallbackHandler

        ctx = self.ctx
        handler = FallbackHandler(ctx.catalog, self.cfg, root=self.root, events=ctx.events)
        return handler.run(call, model_id, task_id=task_id).value

    def event(self, kind: EventType, task: Task | None = None, **fields: Any) -> None:
        """Record `kind` with this session's context (and `task`'s); `fields` are
        TelemetryEvent fields (model, duration_ms, success, error, attempt, data)."""
        event = TelemetryEvent(kind, session_id=self.record.session_id, agent=self.agent_name)
        if task is not None:
            event.task_id, event.role = task.id, task.role
            rec = self.record.tasks.get(task.id)
            if rec is not None:
                event.worker_id, event.attempt, event.model = rec.worker_id, rec.attempts, rec.model
        event = dataclasses.replace(event, **{k: v for k, v in fields.items() if v is not None})
        event.data = {**event.data, "session_name": self.record.name}
        self.collector.collect(event)

    def track(self, task: Task, usage: TokenUsage) -> float:
        """Put one model call of `task` in the ledger and record its tokens; return its cost
        in USD (what the agent reported if the call cannot be priced)."""
        rec = self.record.tasks[task.id]
        try:
            stored = self.costs.track_usage(
                usage,
                task_id=task.id,
                session_id=self.record.session_id,
                agent_id=rec.worker_id,
                role=task.role,
                command_name="parallel",
                action="task",
                invocation_kind=self.agent_name,
            )
            cost = float(stored.get("cost_usd") or 0.0)
        except Exception:  # an unknown model must not lose the task's result
            cost = usage.reported_cost_usd or 0.0
        self.event(
            EventType.TOKEN_USAGE,
            task,
            model=usage.model or rec.model,
            data={
                "input_tokens": usage.input_tokens,
                "output_tokens": usage.output_tokens,
                "cache_read_tokens": usage.cache_read_tokens,
                "cache_write_tokens": usage.cache_write_5m_tokens + usage.cache_write_1h_tokens,
                "cost_usd": cost,
            },
        )
        return cost

    # -- record updates (called from worker threads) ----------------------------------------

    def _status(self, task_id: str, status: str) -> None:
        rec = self.record.task(task_id)
        if rec.status != status:
            old, rec.status = rec.status, status
            self.event(
                EventType.TASK_STATUS_CHANGED,
                self.record.plan.task(task_id),
                data={"from_status": old, "to_status": status},
            )

    def save(self) -> None:
        with self.lock:
            self.record.updated_at = now_iso()
            save_session(self.record, self.root)

    def begin(self, task_id: str, worker_id: str, model: str | None) -> None:
        with self.lock:
            rec = self.record.task(task_id)
            rec.worker_id, rec.model, rec.agent = worker_id, model, self.agent_name
            rec.attempts += 1
            rec.started_at, rec.finished_at, rec.error = now_iso(), None, None
            self._status(task_id, "running")
            self.save()
        self.event(EventType.TASK_STARTED, self.record.plan.task(task_id), model=model)
        self.progress(f"[{worker_id}] started {task_id}")

    def placed(self, task_id: str, branch: str, worktree: str) -> None:
        with self.lock:
            rec = self.record.task(task_id)
            rec.branch, rec.worktree = branch, worktree
            self.save()

    def spawned(self, task_id: str, pid: int) -> None:
        with self.lock:
            rec = self.record.task(task_id)
            rec.pid, rec.pid_started = pid, process_start(pid)
            self.save()

    def finish(self, task_id: str, outcome: Outcome, model: str | None, duration_ms: int) -> None:
        from brgit.redact import redact

        task = self.record.plan.task(task_id)
        outcome.error = redact(outcome.error) if outcome.error else None
        with self.lock:
            rec = self.record.task(task_id)
            _apply(rec, outcome, duration_ms)
            self._status(task_id, outcome.status)
            self.save()
        kind = {"completed": EventType.TASK_COMPLETED, "blocked": EventType.TASK_BLOCKED}.get(
            outcome.status, EventType.TASK_FAILED
        )
        self.event(
            kind,
            task,
            model=model,
            duration_ms=duration_ms,
            success=outcome.status == "completed",
            error=outcome.error,
            data={"commit": outcome.commit, "branch": rec.branch, "cost_usd": outcome.cost_usd},
        )
        tail = f": {outcome.error}" if outcome.error else ""
        self.progress(f"[{rec.worker_id or '-'}] {outcome.status} {task_id}{tail}")

    # -- scheduling ---------------------------------------------------------------------------

    def execute_task(self, task_id: str, worker: int = 1) -> TaskRecord:
        """Run one task now (its dependencies' results must be in the record)."""
        TaskRunner(self, self.record.plan.task(task_id), worker).run()
        return self.record.tasks[task_id]

    def execute_batch(self, task_ids: list[str]) -> list[TaskRecord]:
        """Run independent tasks side by side, one worker each."""
        with cf.ThreadPoolExecutor(max_workers=max(1, len(task_ids))) as pool:
            jobs = [pool.submit(self.execute_task, t, i) for i, t in enumerate(task_ids, 1)]
            return [job.result() for job in jobs]

    def run(self) -> SessionRecord:
        from brgit.parallel.scheduler import Scheduler

        return Scheduler(self).run()

    def get_summary(self) -> dict[str, Any]:
        return summary(self.record)


def _apply(rec: TaskRecord, outcome: Outcome, duration_ms: int) -> None:
    rec.finished_at, rec.duration_ms, rec.pid = now_iso(), duration_ms, None
    rec.error, rec.commit = outcome.error, outcome.commit
    rec.outcome, rec.warnings = outcome.agent_outcome, list(outcome.warnings)
    rec.cost_usd = round(outcome.cost_usd, 6)
    rec.input_tokens = sum(u.input_tokens for u in outcome.usages)
    rec.output_tokens = sum(u.output_tokens for u in outcome.usages)
    rec.cache_read_tokens = sum(u.cache_read_tokens for u in outcome.usages)
    rec.cache_write_tokens = sum(
        u.cache_write_5m_tokens + u.cache_write_1h_tokens for u in outcome.usages
    )


def run_plan(
    plan: Plan,
    *,
    root: Path,
    cfg: Config,
    session: str | None = None,
    workers: int | None = None,
    agent: str | None = None,
    progress: Progress | None = None,
    ctx: Context | None = None,
) -> SessionRecord:
    """Run every task of `plan` in worktrees (foreground) and return the final record.
    Events, costs, model choice and keys go through `ctx` (default: one built from `cfg`), so
    the `cfg` given is the one used."""
    ctx = context_for(cfg, root, ctx)
    plan.validate()
    if session is not None and session_file(check_name(session), root).exists():
        raise ParallelError(
            f"session {session!r} already exists: `br parallel resume {session}` continues it"
        )
    name = session or free_name(plan.name, root)
    record = new_record(
        plan,
        name,
        root=root,
        cfg=cfg,
        workers=max(1, workers or cfg.parallel.default_workers),
        agent=agent or cfg.agent.default,
        ctx=ctx,
    )
    control.request(name, root, "run")
    save_session(record, root)
    return Orchestrator(record, root=root, cfg=cfg, progress=progress, ctx=ctx).run()


def resume_session(
    name: str,
    *,
    root: Path,
    cfg: Config,
    workers: int | None = None,
    agent: str | None = None,
    progress: Progress | None = None,
    ctx: Context | None = None,
) -> SessionRecord:
    """Continue a paused, stopped or crashed session; completed tasks are kept as they are."""
    from brgit.parallel.reconcile import reconcile

    record = load_session(name, root)
    for note in reconcile(record, root):
        (progress or (lambda _line: None))(note)
    record.pid, record.status = os.getpid(), "running"
    record.pid_started = process_start(record.pid)
    record.num_workers = max(1, workers or record.num_workers)
    record.agent = agent or record.agent
    control.request(name, root, "run")
    save_session(record, root)
    return Orchestrator(record, root=root, cfg=cfg, progress=progress, ctx=ctx).run()
