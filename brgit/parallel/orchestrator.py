"""The orchestrator: schedules a plan's tasks on workers, each in its own worktree.

`run_plan(plan, root=..., cfg=...)` is the entry point other packages use (`br run`, `br demo`);
`resume_session(name, ...)` continues a stopped or crashed session without redoing completed
tasks. A task starts only when its dependencies completed; a failed or blocked dependency blocks
its dependents; independent tasks keep running.
"""

from __future__ import annotations

import concurrent.futures as cf
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from brgit import paths
from brgit.config import Config
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
from brgit.routing.selector import ModelChoice
from brgit.routing.selector import choose_model as choose

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
    ) -> None:
        from brgit.telemetry.collector import EventCollector
        from brgit.telemetry.costs import CostTracker

        self.record = record
        self.root = root
        self.cfg = cfg
        self.agent_name = record.agent
        self.progress = progress or (lambda _line: None)
        self.lock = threading.RLock()
        self.cancel = threading.Event()
        store = root / paths.STORE_DIRNAME
        self.slots = Slots(store, cfg.parallel.max_concurrency)
        self.backoff = Backoff(store)
        self.collector = EventCollector(root)
        self.costs = CostTracker(root)
        self.coordinator = WorkerCoordinator(
            record.name, root=root, timeout=cfg.parallel.heartbeat_timeout
        )

    # -- model choice and telemetry ---------------------------------------------------------

    def select_model(self, task: Task) -> str:
        """The catalog model id for `task`; emits `model_selected`."""
        choice = choose(task, self.cfg, self.root)
        self.event(
            "model_selected",
            task,
            model=choice.model_id,
            data={"source": choice.source, "reasons": choice.reasons, "requested": choice.model},
        )
        return choice.model_id

    def event(self, kind: str, task: Task | None = None, **fields: Any) -> None:
        body: dict[str, Any] = {
            "event_type": kind,
            "session_id": self.record.session_id,
            "agent": self.agent_name,
        }
        if task is not None:
            body.update(task_id=task.id, role=task.role)
            rec = self.record.tasks.get(task.id)
            if rec is not None:
                body.update(worker_id=rec.worker_id, attempt=rec.attempts)
                body.setdefault("model", rec.model)
        body.update({k: v for k, v in fields.items() if v is not None})
        body.setdefault("data", {})["session_name"] = self.record.name
        self.collector.collect_event(body)

    def track(self, task: Task, usage: TokenUsage) -> dict[str, Any]:
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
        except Exception as exc:  # an unknown model must not lose the task's result
            stored = {"cost_usd": usage.reported_cost_usd or 0.0, "error": str(exc)}
        self.event(
            "token_usage",
            task,
            model=usage.model or rec.model,
            data={
                "input_tokens": usage.input_tokens,
                "output_tokens": usage.output_tokens,
                "cache_read_tokens": usage.cache_read_tokens,
                "cache_write_tokens": usage.cache_write_5m_tokens + usage.cache_write_1h_tokens,
                "cost_usd": stored.get("cost_usd"),
            },
        )
        return stored

    # -- record updates (called from worker threads) ----------------------------------------

    def _status(self, task_id: str, status: str) -> None:
        rec = self.record.task(task_id)
        if rec.status != status:
            old, rec.status = rec.status, status
            self.event(
                "task_status_changed",
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
        self.event("task_started", self.record.plan.task(task_id), model=model)
        self.progress(f"[{worker_id}] started {task_id}")

    def placed(self, task_id: str, branch: str, worktree: str) -> None:
        with self.lock:
            rec = self.record.task(task_id)
            rec.branch, rec.worktree = branch, worktree
            self.save()

    def spawned(self, task_id: str, pid: int) -> None:
        with self.lock:
            rec = self.record.task(task_id)
            rec.pid, rec.pid_started = pid, control.process_start(pid)
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
        kind = {"completed": "task_completed", "blocked": "task_blocked"}.get(
            outcome.status, "task_failed"
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
) -> SessionRecord:
    """Run every task of `plan` in worktrees (foreground) and return the final record."""
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
    )
    control.request(name, root, "run")
    save_session(record, root)
    return Orchestrator(record, root=root, cfg=cfg, progress=progress).run()


def resume_session(
    name: str,
    *,
    root: Path,
    cfg: Config,
    workers: int | None = None,
    agent: str | None = None,
    progress: Progress | None = None,
) -> SessionRecord:
    """Continue a paused, stopped or crashed session; completed tasks are kept as they are."""
    from brgit.parallel.reconcile import reconcile

    record = load_session(name, root)
    for note in reconcile(record, root):
        (progress or (lambda _line: None))(note)
    record.pid, record.status = os.getpid(), "running"
    record.pid_started = control.process_start(record.pid)
    record.num_workers = max(1, workers or record.num_workers)
    record.agent = agent or record.agent
    control.request(name, root, "run")
    save_session(record, root)
    return Orchestrator(record, root=root, cfg=cfg, progress=progress).run()
