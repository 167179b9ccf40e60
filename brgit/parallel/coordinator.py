"""WorkerCoordinator: the workers of one session, their tasks and heartbeats.

State lives in `.buildrunner/sessions/<name>/workers.json` (written atomically), so
`br parallel workers` in another process sees it. A worker is `active` while it has a task and
has beaten within `parallel.heartbeat_timeout` seconds, `idle` without a task, and `offline`
once its heartbeat is older than the timeout.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from brgit.core.session import SessionRecord, load_session, resolve_name, sessions_dir
from brgit.files import atomic_write


@dataclass
class WorkerState:
    worker_id: str
    current_task: str | None = None
    completed: int = 0
    last_heartbeat: float = 0.0
    stopped: bool = False


@dataclass(frozen=True)
class WorkerHealth:
    worker_id: str
    status: str  # active | idle | offline
    current_task: str | None
    completed: int
    seconds_since_heartbeat: float


class WorkerCoordinator:
    def __init__(self, session: str, *, root: Path, timeout: float = 30.0) -> None:
        session = resolve_name(session, root)  # a session's id names it too
        self.session = session
        self.root = root
        self.timeout = timeout
        self.file = sessions_dir(root) / session / "workers.json"
        self.lock = threading.Lock()
        self.workers: dict[str, WorkerState] = self._read()
        self.deferred = False  # True: changes are written by flush() (the scheduler, per step)
        self._dirty = False

    def _read(self) -> dict[str, WorkerState]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
            return {w["worker_id"]: WorkerState(**w) for w in data}
        except (OSError, ValueError, TypeError, KeyError):
            return {}

    def _write(self) -> None:
        if self.deferred:
            self._dirty = True
            return
        state = json.dumps([asdict(w) for w in self.workers.values()], indent=1)
        atomic_write(self.file, state, durable=False)  # live state: no disk flush needed
        self._dirty = False

    def flush(self) -> None:
        """Write what changed since the last write (for a deferred coordinator)."""
        with self.lock:
            if self._dirty:
                self.deferred, deferred = False, self.deferred
                try:
                    self._write()
                finally:
                    self.deferred = deferred

    def register_worker(self, worker_id: str | None = None) -> str:
        with self.lock:
            worker_id = worker_id or f"worker-{len(self.workers) + 1}"
            self.workers[worker_id] = WorkerState(worker_id, last_heartbeat=time.time())
            self._write()
            return worker_id

    def assign(self, worker_id: str, task_id: str) -> None:
        with self.lock:
            state = self.workers.setdefault(worker_id, WorkerState(worker_id))
            state.current_task, state.last_heartbeat = task_id, time.time()
            self._write()

    def get_next_task(self, worker_id: str) -> str | None:
        """The first pending task whose dependencies completed (not taken by another worker)."""
        record = load_session(self.session, self.root)
        taken = {w.current_task for w in self.workers.values() if w.current_task}
        for task in record.plan.order():
            rec = record.tasks.get(task.id)
            deps_done = all(record.tasks[d].status == "completed" for d in task.depends_on)
            waiting = rec is not None and rec.status in ("pending", "ready")
            if waiting and deps_done and task.id not in taken:
                self.assign(worker_id, task.id)
                return task.id
        return None

    def complete_task(self, worker_id: str, task_id: str) -> None:
        with self.lock:
            state = self.workers.setdefault(worker_id, WorkerState(worker_id))
            if state.current_task == task_id:
                state.current_task = None
            state.completed += 1
            state.last_heartbeat = time.time()
            self._write()

    def heartbeat(self, worker_id: str, task_id: str | None = None) -> None:
        with self.lock:
            state = self.workers.setdefault(worker_id, WorkerState(worker_id))
            state.last_heartbeat = time.time()
            if task_id:
                state.current_task = task_id
            self._write()

    def heartbeat_all(self, beats: list[tuple[str, str]]) -> None:
        """One heartbeat for each (worker, task) pair, written once."""
        with self.lock:
            now = time.time()
            for worker_id, task_id in beats:
                state = self.workers.setdefault(worker_id, WorkerState(worker_id))
                state.last_heartbeat, state.current_task = now, task_id
            if beats:
                self._write()

    def stop_all(self) -> None:
        with self.lock:
            for state in self.workers.values():
                state.stopped, state.current_task = True, None
            self._write()

    def get_worker_health(self, worker_id: str, now: float | None = None) -> WorkerHealth:
        state = self.workers.get(worker_id) or WorkerState(worker_id)
        age = (now or time.time()) - state.last_heartbeat
        if state.stopped or age > self.timeout:
            status = "offline"
        else:
            status = "active" if state.current_task else "idle"
        return WorkerHealth(worker_id, status, state.current_task, state.completed, round(age, 1))

    def health(self) -> list[WorkerHealth]:
        return [self.get_worker_health(w) for w in sorted(self.workers)]


def workers_of(record: SessionRecord, root: Path, timeout: float) -> list[WorkerHealth]:
    return WorkerCoordinator(record.name, root=root, timeout=timeout).health()
