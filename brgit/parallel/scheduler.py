"""The scheduling loop: start ready tasks on free workers, honour pause and stop."""

from __future__ import annotations

import concurrent.futures as cf
import time
from typing import TYPE_CHECKING

from brgit.parallel import control
from brgit.parallel.worker import TaskRunner
from brgit.telemetry.events import EventType

if TYPE_CHECKING:
    from brgit.core.session import SessionRecord
    from brgit.parallel.orchestrator import Orchestrator

TICK = 0.05
HEARTBEAT_EVERY = 1.0
BLOCKING = ("failed", "blocked")


class Scheduler:
    def __init__(self, orch: Orchestrator) -> None:
        self.orch = orch
        self.record = orch.record
        self.running: dict[cf.Future[object], tuple[str, int]] = {}
        self.free = list(range(1, self.record.num_workers + 1))
        self.last_beat = 0.0

    def run(self) -> SessionRecord:
        orch = self.orch
        for number in self.free:
            orch.coordinator.register_worker(f"worker-{number}")
        orch.event(EventType.SESSION_STARTED, data={"tasks": len(self.record.plan.tasks)})
        started = time.monotonic()
        interrupted = False
        with cf.ThreadPoolExecutor(max_workers=self.record.num_workers) as pool:
            try:
                self._loop(pool)
            except KeyboardInterrupt:  # Ctrl-C: kill the agents, keep what completed
                interrupted = True
                orch.cancel.set()
        self._collect()
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

    def _collect(self) -> None:
        for future, (task_id, worker) in list(self.running.items()):
            future.result()
            self.orch.coordinator.complete_task(f"worker-{worker}", task_id)
        self.running.clear()

    def _loop(self, pool: cf.ThreadPoolExecutor) -> None:
        while True:
            command = control.current(self.record.name, self.orch.root)
            self._set_session(command)
            if command == "stop-force":
                self.orch.cancel.set()
            self._block_dependents()
            if command == "run":
                self._start_ready(pool)
            self._heartbeat()
            if not self.running:
                if command.startswith("stop") or (not self._ready() and command != "pause"):
                    return
                time.sleep(TICK * 2)
                continue
            done, _ = cf.wait(list(self.running), timeout=TICK, return_when=cf.FIRST_COMPLETED)
            for future in done:
                task_id, worker = self.running.pop(future)
                self.free.append(worker)
                self.orch.coordinator.complete_task(f"worker-{worker}", task_id)
                future.result()

    def _ready(self) -> list[str]:
        tasks = self.record.tasks
        busy = {t for t, _ in self.running.values()}
        return [
            t.id
            for t in self.record.plan.order()
            if tasks[t.id].status == "pending"
            and t.id not in busy
            and all(tasks[d].status == "completed" for d in t.depends_on)
        ]

    def _start_ready(self, pool: cf.ThreadPoolExecutor) -> None:
        for task_id in self._ready():
            if not self.free:
                return
            self.free.sort()
            worker = self.free.pop(0)
            self.orch.coordinator.assign(f"worker-{worker}", task_id)
            runner = TaskRunner(self.orch, self.record.plan.task(task_id), worker)
            self.running[pool.submit(runner.run)] = (task_id, worker)

    def _block_dependents(self) -> None:
        tasks = self.record.tasks
        for task in self.record.plan.order():
            rec = tasks[task.id]
            if rec.status != "pending":
                continue
            bad = [d for d in task.depends_on if tasks[d].status in BLOCKING]
            if bad:
                from brgit.parallel.worker import Outcome

                reason = f"dependency {bad[0]!r} {tasks[bad[0]].status}"
                self.orch.finish(task.id, Outcome("blocked", reason), rec.model, 0)

    def _heartbeat(self) -> None:
        now = time.monotonic()
        if now - self.last_beat < HEARTBEAT_EVERY:
            return
        self.last_beat = now
        for task_id, worker in self.running.values():
            self.orch.coordinator.heartbeat(f"worker-{worker}", task_id)

    def _set_session(self, command: str) -> None:
        wanted = {"pause": "paused", "stop": "stopping", "stop-force": "stopping"}.get(
            command, "running"
        )
        if self.record.status != wanted:
            self.record.status = wanted
            self.orch.save()

    def _finish_status(self) -> None:
        rec = self.record
        if any(t.status in ("pending", "stopped") for t in rec.tasks.values()):
            rec.status = "stopped"
        elif all(t.status == "completed" for t in rec.tasks.values()):
            rec.status = "completed"
        else:
            rec.status = "failed"
        rec.pid = None
        self.orch.coordinator.stop_all()
        self.orch.save()
