"""The orchestrator: brgit's side of a session's tasks, whichever executor runs them.

`run_plan(plan, root=..., cfg=...)` is the entry point other packages use (`br run`, `br demo`);
`resume_session(name, ...)` continues a stopped or crashed session without redoing completed
tasks. The scheduler (`brgit.parallel.scheduler`) decides what runs when; the orchestrator
chooses models, turns attempts into task statuses (each change a `task_status_changed` event
and a journal line), puts costs in the ledger and re-runs a failed task a tier up when the
escalation policy says so. It is also the host attempts report to on the local executor.
"""

from __future__ import annotations

import dataclasses
import os
import threading
import time
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
    SessionWriter,
    TaskRecord,
    check_name,
    load_session,
    save_session,
    session_file,
)
from brgit.errors import BuildRunnerError, ParallelError
from brgit.parallel import control
from brgit.parallel.coordinator import WorkerCoordinator
from brgit.parallel.escalate import Escalator
from brgit.parallel.executor import AttemptResult, AttemptSpec
from brgit.parallel.records import free_name, new_record, summary
from brgit.parallel.slots import Backoff, Slots
from brgit.parallel.status import StatusEvents
from brgit.parallel.worker import now_iso
from brgit.parallel.workspace import start_points
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
FINAL_EVENTS = {"completed": EventType.TASK_COMPLETED, "blocked": EventType.TASK_BLOCKED}


class Orchestrator:
    def __init__(
        self,
        record: SessionRecord,
        *,
        root: Path,
        cfg: Config,
        progress: Progress | None = None,
        ctx: Context | None = None,
        command: str = "parallel",
        executor: str | None = None,
    ) -> None:
        self.record = record
        self.root = root
        self.cfg = cfg
        self.ctx = context_for(cfg, root, ctx)
        self.agent_name = record.agent
        self.command = command  # the br command the session runs under (status events say it)
        self.executor = executor or record.backend
        self.progress = progress or (lambda _line: None)
        self.lock = threading.RLock()
        self.cancel = threading.Event()
        self.stopping = False  # a stop was asked for: no re-run starts
        store = root / paths.STORE_DIRNAME
        self.slots = Slots(store, cfg.parallel.max_concurrency)
        self.backoff = Backoff(store)
        self.collector = self.ctx.events
        self.costs = self.ctx.costs
        self.writer = SessionWriter(record, root)
        self.status = StatusEvents(self)
        self.escalator = Escalator(cfg, root, self.ctx)
        self.began: dict[str, float] = {}
        self.coordinator = WorkerCoordinator(
            record.name, root=root, timeout=cfg.parallel.heartbeat_timeout
        )

    # -- model choice and telemetry ---------------------------------------------------------

    def uses_model(self, task: Task) -> bool:
        """The shell agent calls no model unless the plan names one (its `run` may wrap an
        agent CLI): choosing one anyway would credit a model with the task's outcome and teach
        data-driven routing from runs no model made."""
        return self.agent_of(task) != "shell" or bool(task.model)

    def agent_of(self, task: Task) -> str:
        return task.agent or self.agent_name

    def select_model(self, task: Task) -> str:
        """The catalog model id of `task`'s first run; emits `model_selected`."""
        choice = choose(task, self.cfg, self.root, policy=self.escalator.policy, ctx=self.ctx)
        self._selected(task, choice)
        return choice.model_id

    def _selected(self, task: Task, choice: ModelChoice, attempt: int | None = None) -> None:
        data = {"source": choice.source, "reasons": choice.reasons, "requested": choice.model}
        self.event(EventType.MODEL_SELECTED, task, model=choice.model_id, attempt=attempt,
                   data=data)  # fmt: skip

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
            event.task_id, event.role, event.agent = task.id, task.role, self.agent_of(task)
            rec = self.record.tasks.get(task.id)
            if rec is not None:
                event.worker_id, event.attempt, event.model = rec.worker_id, rec.attempts, rec.model
        event = dataclasses.replace(event, **{k: v for k, v in fields.items() if v is not None})
        event.data = {**event.data, "session_name": self.record.name}
        self.collector.collect(event)

    def track(self, task: Task, usage: Any, attempt: int) -> float:
        """Put one model call of `task`'s run `attempt` in the ledger and record its tokens;
        return its cost in USD (what the agent reported if the call cannot be priced)."""
        rec = self.record.tasks[task.id]
        try:
            stored = self.costs.track_usage(
                usage,
                task_id=task.id,
                session_id=self.record.session_id,
                agent_id=rec.worker_id,
                role=task.role,
                command_name=self.command,
                action="task",
                invocation_kind=self.agent_of(task),
                attempt=attempt,
            )
            cost = float(stored.get("cost_usd") or 0.0)
        except Exception:  # an unknown model must not lose the task's result
            cost = usage.reported_cost_usd or 0.0
        tokens = {
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "cache_read_tokens": usage.cache_read_tokens,
            "cache_write_tokens": usage.cache_write_5m_tokens + usage.cache_write_1h_tokens,
            "cost_usd": cost,
        }
        self.event(EventType.TOKEN_USAGE, task, model=usage.model or rec.model, attempt=attempt,
                   data=tokens)  # fmt: skip
        return cost

    # -- the host of attempts (reports from the executor) -------------------------------------

    def placed(self, spec: AttemptSpec, branch: str, worktree: str) -> None:
        with self.lock:
            rec = self.record.task(spec.task.id)
            rec.branch, rec.worktree = branch, worktree
            self.writer.task(spec.task.id, now_iso())

    def spawned(self, spec: AttemptSpec, pid: int) -> None:
        with self.lock:
            rec = self.record.task(spec.task.id)
            rec.pid, rec.pid_started = pid, process_start(pid)
            self.writer.task(spec.task.id, now_iso())

    def report(self, spec: AttemptSpec, kind: EventType, **fields: Any) -> None:
        self.event(kind, spec.task, **fields)

    def replay(self, spec: AttemptSpec, result: AttemptResult) -> None:
        """The reports an attempt kept while it ran away from this process."""
        for name, fields in result.reports:
            if name == "placed":
                self.placed(spec, str(fields["branch"]), str(fields["worktree"]))
            elif name == "spawned":
                self.spawned(spec, int(fields["pid"]))
            elif name == "event":
                values = dict(fields)
                self.report(spec, EventType(values.pop("kind")), **values)
            elif name == "record":  # made whole on the node (routing's fallback loop)
                self.collector.collect_event(dict(fields))

    # -- brgit's side of a task: start, results, re-runs, the end -----------------------------

    def ready(self, task_id: str) -> None:
        with self.lock:
            rec = self.record.task(task_id)
            if rec.status != "ready":
                rec.ready_at = now_iso()
            self.status.change(task_id, "ready")
            self.writer.task(task_id, rec.ready_at or now_iso())

    def start(self, task_id: str, worker: int) -> AttemptSpec | None:
        """Choose the first run's model and mark the task running; its first attempt, or None
        when it cannot start (then it has failed, e.g. no model fits the budget)."""
        task = self.record.plan.task(task_id)
        model, error = "", None
        if self.uses_model(task):
            try:
                model = self.select_model(task)
            except BuildRunnerError as exc:  # e.g. no model fits the budget: this task fails
                error = f"model selection: {exc}"
        self.begin(task_id, f"worker-{worker}", model or None)
        if error:
            self.finish(task_id, AttemptResult("failed", error))
            return None
        return self.spec(task, worker, model, self.record.tasks[task_id].attempts)

    def spec(self, task: Task, worker: int, model: str, number: int) -> AttemptSpec:
        starts = tuple(start_points(self.record, task.id))
        return AttemptSpec(
            self.record.name, self.record.session_id, task, number, worker, self.agent_of(task),
            model, starts, self.cfg, self.root,
        )  # fmt: skip

    def begin(self, task_id: str, worker_id: str, model: str | None) -> None:
        with self.lock:
            rec = self.record.task(task_id)
            rec.worker_id, rec.model, rec.agent = worker_id, model, self.agent_name
            rec.attempts += 1
            rec.started_at, rec.finished_at, rec.error = now_iso(), None, None
            rec.runs = []
            self.began[task_id] = time.monotonic()
            self.status.change(task_id, "running")
            self.writer.task(task_id, rec.started_at)
        self.event(EventType.TASK_STARTED, self.record.plan.task(task_id), model=model)
        self.progress(f"[{worker_id}] started {task_id}")

    def conclude(self, spec: AttemptSpec, result: AttemptResult) -> AttemptSpec | None:
        """A finished attempt: its costs, then a re-run a tier up (returned) or the task's end."""
        self.replay(spec, result)
        cost = self._costs(spec, result)
        step = None if self.stopping else self.escalator.after(spec, result, cost)
        if step is None or step.choice is None:
            self.finish(spec.task.id, result)
            return None
        return self._rerun(spec, result, step.choice, step.reason)

    def _costs(self, spec: AttemptSpec, result: AttemptResult) -> float:
        cost = sum(self.track(spec.task, usage, spec.number) for usage in result.usages)
        if not result.usages and result.reported_cost_usd:
            cost = result.reported_cost_usd
        with self.lock:
            _add_usage(self.record.task(spec.task.id), result, cost)
        return cost

    def _rerun(
        self, spec: AttemptSpec, result: AttemptResult, choice: ModelChoice, why: str
    ) -> AttemptSpec:
        task = spec.task
        with self.lock:
            rec = self.record.task(task.id)
            rec.runs.append(_run_entry(spec, result))
            rec.attempts += 1
            rec.model, rec.commit, rec.pid = choice.model_id, None, None
            self.writer.task(task.id, now_iso())
        data = {"reason": "escalation", "why": why, "from_model": spec.model, "run": spec.number}
        self.event(EventType.TASK_RETRY, task, error=result.error, data=data)
        self._selected(task, choice, rec.attempts)
        self.event(EventType.TASK_STARTED, task, model=choice.model_id)
        self.progress(f"[{rec.worker_id}] re-running {task.id} on {choice.model}: {why}")
        return self.spec(task, spec.worker, choice.model_id, rec.attempts)

    def finish(self, task_id: str, result: AttemptResult) -> None:
        from brgit.redact import redact

        task = self.record.plan.task(task_id)
        result.error = redact(result.error) if result.error else None
        began = self.began.pop(task_id, None)
        duration_ms = int((time.monotonic() - began) * 1000) if began else result.duration_ms
        with self.lock:
            rec = self.record.task(task_id)
            _apply(rec, result, duration_ms)
            self.status.change(task_id, result.status)
            self.writer.task(task_id, rec.finished_at or now_iso(), durable=True)
        self.event(
            FINAL_EVENTS.get(result.status, EventType.TASK_FAILED),
            task,
            duration_ms=duration_ms,
            success=result.status == "completed",
            error=result.error,
            data={"commit": result.commit, "branch": rec.branch, "cost_usd": rec.cost_usd,
                  "outcome": rec.outcome, "changed": result.changed},
        )  # fmt: skip
        tail = f": {result.error}" if result.error else ""
        shown = "completed (no changes)" if _no_changes(rec) else result.status
        self.progress(f"[{rec.worker_id or '-'}] {shown} {task_id}{tail}")

    def save(self) -> None:
        """The session's own fields (status, pid) as one journal line."""
        with self.lock:
            self.writer.session(now_iso())

    def snapshot(self) -> None:
        with self.lock:
            self.record.updated_at = now_iso()
            self.writer.snapshot()

    # -- scheduling ---------------------------------------------------------------------------

    def execute_task(self, task_id: str, worker: int = 1) -> TaskRecord:
        """Run one task now, re-runs included (its dependencies' results must be in the
        record), on this thread."""
        from brgit.parallel.worker import run_attempt

        spec = self.start(task_id, worker)
        while spec is not None:
            spec = self.conclude(spec, run_attempt(spec, self, self.cancel))
        return self.record.tasks[task_id]

    def execute_batch(self, task_ids: list[str]) -> list[TaskRecord]:
        """Run independent tasks side by side, one worker each."""
        import concurrent.futures as cf

        with cf.ThreadPoolExecutor(max_workers=max(1, len(task_ids))) as pool:
            jobs = [pool.submit(self.execute_task, t, i) for i, t in enumerate(task_ids, 1)]
            return [job.result() for job in jobs]

    def run(self) -> SessionRecord:
        from brgit.parallel.scheduler import Scheduler

        try:
            return Scheduler(self).run()
        finally:
            self.writer.close()

    def get_summary(self) -> dict[str, Any]:
        return summary(self.record)


def _no_changes(rec: TaskRecord) -> bool:
    from brgit.agents.base import NO_CHANGES

    return rec.status == "completed" and rec.outcome == NO_CHANGES


def _add_usage(rec: TaskRecord, result: AttemptResult, cost: float) -> None:
    """Every run's tokens and cost count for the task (a re-run adds to the first)."""
    usages = result.usages
    rec.cost_usd = round(rec.cost_usd + cost, 6)
    rec.input_tokens += sum(u.input_tokens for u in usages)
    rec.output_tokens += sum(u.output_tokens for u in usages)
    rec.cache_read_tokens += sum(u.cache_read_tokens for u in usages)
    rec.cache_write_tokens += sum(u.cache_write_5m_tokens + u.cache_write_1h_tokens for u in usages)


def _run_entry(spec: AttemptSpec, result: AttemptResult) -> dict[str, Any]:
    return {
        "attempt": spec.number,
        "model": spec.model,
        "status": result.status,
        "outcome": result.agent_outcome,
        "commit": result.commit if result.changed else None,
        "error": result.error,
        "duration_ms": result.duration_ms,
    }


def _apply(rec: TaskRecord, result: AttemptResult, duration_ms: int) -> None:
    rec.finished_at, rec.duration_ms, rec.pid = now_iso(), duration_ms, None
    rec.error, rec.commit = result.error, result.commit
    rec.outcome, rec.warnings = result.agent_outcome, list(result.warnings)
    rec.node = result.node
    if result.released:
        rec.worktree = None  # its work is on rec.branch


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
    command: str = "parallel",
    backend: str | None = None,
) -> SessionRecord:
    """Run every task of `plan` in worktrees (foreground) and return the final record.
    Events, costs, model choice and keys go through `ctx` (default: one built from `cfg`), so
    the `cfg` given is the one used; `command` names the br command in status events;
    `backend` (default `cluster.backend`) is where the tasks run."""
    from brgit.parallel.executor import check_backend

    ctx = context_for(cfg, root, ctx)
    plan.validate()
    backend = check_backend(backend or cfg.cluster.backend, cfg)
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
    record.backend = backend
    record.remote = cfg.cluster.remote if backend != "local" else None
    control.request(name, root, "run")
    save_session(record, root)
    orch = Orchestrator(record, root=root, cfg=cfg, progress=progress, ctx=ctx, command=command)
    return orch.run()


def resume_session(
    name: str,
    *,
    root: Path,
    cfg: Config,
    workers: int | None = None,
    agent: str | None = None,
    progress: Progress | None = None,
    ctx: Context | None = None,
    backend: str | None = None,
) -> SessionRecord:
    """Continue a paused, stopped or crashed session (by name or id); completed tasks are
    kept as they are. It runs where it ran before unless `backend` says otherwise."""
    from brgit.parallel.executor import check_backend
    from brgit.parallel.reconcile import reconcile

    record = load_session(name, root)
    if record.remote and cfg.cluster.remote and cfg.cluster.remote != record.remote:
        raise ParallelError(
            f"session {record.name!r} pushed its branches to {record.remote}, but "
            f"cluster.remote is now {cfg.cluster.remote}: set it back to resume"
        )
    if backend and backend != record.backend:
        record.backend = check_backend(backend, cfg)
        record.remote = cfg.cluster.remote if backend != "local" else record.remote
    elif record.backend != "local":
        check_backend(record.backend, cfg)
    for note in reconcile(record, root):
        (progress or (lambda _line: None))(note)
    record.pid, record.status = os.getpid(), "running"
    record.pid_started = process_start(record.pid)
    record.num_workers = max(1, workers or record.num_workers)
    record.agent = agent or record.agent
    control.request(record.name, root, "run")
    save_session(record, root)
    return Orchestrator(record, root=root, cfg=cfg, progress=progress, ctx=ctx).run()
