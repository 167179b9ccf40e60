"""The scheduling loop: start ready tasks on free workers, honour pause and stop.

The plan's graph is read once (`Plan.graph()`): each waiting task counts its unfinished
dependencies, and a completion counts its dependents down, so a task joins the ready set the
moment its last dependency completes. A failure blocks its dependents by walking the graph
from it. Nothing per step looks at the whole plan, so the cost of starting a task is the same
in a session of ten tasks and one of ten thousand. The ready set is a heap of plan positions:
tasks start in the plan's order (dependencies first), as before.
"""

from __future__ import annotations

import heapq
import time
from typing import TYPE_CHECKING

from brgit.parallel import control
from brgit.parallel.executor import AttemptResult, AttemptSpec, Executor, get_executor
from brgit.telemetry.events import EventType

if TYPE_CHECKING:
    from brgit.core.session import SessionRecord
    from brgit.parallel.orchestrator import Orchestrator

TICK = 0.05
HEARTBEAT_EVERY = 1.0
BLOCKING = ("failed", "blocked")
WAITING = ("pending", "ready")


class Scheduler:
    def __init__(self, orch: Orchestrator, executor: Executor | None = None) -> None:
        self.orch = orch
        self.record = orch.record
        self.graph = self.record.plan.graph()
        self.position = {task_id: i for i, task_id in enumerate(self.graph.order)}
        self.executor = executor or get_executor(orch.executor, orch, self.record.num_workers)
        self.waiting: dict[str, int] = {}  # a waiting task -> dependencies not yet completed
        self.ready: list[int] = []  # plan positions, lowest first
        self.ready_ids: set[str] = set()
        self.running: dict[str, tuple[str, int]] = {}  # attempt key -> (task, worker)
        self.free = list(range(1, self.record.num_workers + 1))
        self.last_beat = 0.0

    def run(self) -> SessionRecord:
        orch = self.orch
        for number in self.free:
            orch.coordinator.register_worker(f"worker-{number}")
        orch.coordinator.deferred = True  # written once per step, not twice per task
        orch.event(EventType.SESSION_STARTED, data={"tasks": len(self.record.plan.tasks)})
        started = time.monotonic()
        interrupted = False
        try:
            self._prime()
            self._loop()
        except KeyboardInterrupt:  # Ctrl-C: kill the agents, keep what completed
            interrupted = True
            self._cancel_all()
        finally:
            self._drain()
            self.executor.shutdown()
        self._finish_status()
        orch.event(
            EventType.SESSION_COMPLETED,
            duration_ms=int((time.monotonic() - started) * 1000),
            success=self.record.status == "completed",
            data=orch.get_summary(),
        )
        if interrupted:
            raise KeyboardInterrupt
        return self.record

    # -- the ready set ------------------------------------------------------------------------

    def _prime(self) -> None:
        """Count each waiting task's unfinished dependencies, once: O(tasks + dependencies)."""
        tasks, deps = self.record.tasks, self.graph.dependencies
        failed = []
        for task_id in self.graph.order:
            rec = self.record.task(task_id)
            if rec.status not in WAITING:
                if rec.status in BLOCKING:
                    failed.append(task_id)
                continue
            left = sum(1 for d in deps[task_id] if tasks[d].status != "completed")
            self.waiting[task_id] = left
            if not left:
                self._make_ready(task_id)
        for task_id in failed:
            self._block_dependents(task_id)

    def _make_ready(self, task_id: str) -> None:
        self.waiting.pop(task_id, None)
        self.orch.ready(task_id)
        heapq.heappush(self.ready, self.position[task_id])
        self.ready_ids.add(task_id)

    def _completed(self, task_id: str) -> None:
        for child in self.graph.dependents[task_id]:
            if child in self.waiting:
                self.waiting[child] -= 1
                if not self.waiting[child]:
                    self._make_ready(child)

    def _block_dependents(self, task_id: str) -> None:
        """Every task downstream of `task_id` that has not started is blocked, each naming
        the dependency that stopped it."""
        tasks = self.record.tasks
        frontier = [task_id]
        while frontier:
            parent = frontier.pop()
            for child in self.graph.dependents[parent]:
                if tasks[child].status not in WAITING:
                    continue
                self.waiting.pop(child, None)
                self.ready_ids.discard(child)
                reason = f"dependency {parent!r} {tasks[parent].status}"
                self.orch.finish(child, AttemptResult("blocked", reason))
                frontier.append(child)

    # -- the loop -----------------------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            command = control.current(self.record.name, self.orch.root)
            self._set_session(command)
            self.orch.stopping = command.startswith("stop")
            if command == "stop-force":
                self._cancel_all()
            if command == "run":
                self._dispatch()
            self._heartbeat()
            self.orch.coordinator.flush()
            if not self.running:
                if command.startswith("stop") or (not self.ready_ids and command != "pause"):
                    return
                time.sleep(TICK * 2)
                continue
            for spec, result in self.executor.wait(TICK):
                self._done(spec, result)

    def _dispatch(self) -> None:
        while self.free and self.ready:
            task_id = self.graph.order[heapq.heappop(self.ready)]
            if task_id not in self.ready_ids:
                continue  # blocked while it waited
            self.ready_ids.discard(task_id)
            worker = heapq.heappop(self.free)
            spec = self.orch.start(task_id, worker)
            if spec is None:  # it failed before it could run (no model fits)
                heapq.heappush(self.free, worker)
                self._block_dependents(task_id)
                continue
            self.orch.coordinator.assign(f"worker-{worker}", task_id)
            self._submit(spec, task_id, worker)

    def _submit(self, spec: AttemptSpec, task_id: str, worker: int) -> None:
        self.running[self.executor.submit(spec)] = (task_id, worker)

    def _done(self, spec: AttemptSpec, result: AttemptResult) -> None:
        task_id, worker = self.running.pop(spec.key)
        again = self.orch.conclude(spec, result)
        if again is not None:  # a re-run a tier up, on the same worker
            self._submit(again, task_id, worker)
            return
        heapq.heappush(self.free, worker)
        self.orch.coordinator.complete_task(f"worker-{worker}", task_id)
        status = self.record.tasks[task_id].status
        if status == "completed":
            self._completed(task_id)
        elif status in BLOCKING:
            self._block_dependents(task_id)

    def _cancel_all(self) -> None:
        self.orch.stopping = True
        self.orch.cancel.set()
        for key in list(self.running):
            self.executor.cancel(key, force=True)

    def _drain(self) -> None:
        """Wait for what still runs (after a stop or Ctrl-C) and record how it ended."""
        while self.running:
            for spec, result in self.executor.wait(1.0):
                self._done(spec, result)

    def _heartbeat(self) -> None:
        now = time.monotonic()
        if now - self.last_beat < HEARTBEAT_EVERY:
            return
        self.last_beat = now
        beats = [(f"worker-{worker}", task_id) for task_id, worker in self.running.values()]
        self.orch.coordinator.heartbeat_all(beats)

    def _set_session(self, command: str) -> None:
        wanted = {"pause": "paused", "stop": "stopping", "stop-force": "stopping"}.get(
            command, "running"
        )
        if self.record.status != wanted:
            self.record.status = wanted
            self.orch.save()

    def _finish_status(self) -> None:
        rec = self.record
        states = {t.status for t in rec.tasks.values()}
        if states & {"pending", "ready", "running", "stopped"}:
            rec.status = "stopped"
        elif states <= {"completed"}:
            rec.status = "completed"
        else:
            rec.status = "failed"
        rec.pid = None
        self.orch.coordinator.stop_all()
        self.orch.coordinator.flush()
        self.orch.snapshot()
