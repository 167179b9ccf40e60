"""When a running session will finish: lanes, their backlog and WIP, and an ETA.

The ETA replays the rest of the session on its workers: every task still to run takes the
session's median task time (the work lane; from earlier sessions' history while none of this
one's tasks has finished), a running task takes what is left of it after the time it has
already run, and a task starts only once its dependencies would have completed and a worker
is free, the way the scheduler starts them (plan order, dependencies first). It ends when the
session's last task does; the merge train that `br run` starts afterwards is not included.

    estimate(snapshot_of(record, now), history=lanes_from_telemetry) -> Eta
"""

from __future__ import annotations

import datetime as dt
import heapq
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from brgit.context import Context
from brgit.core.session import SessionRecord
from brgit.telemetry.velocity import (
    LANES,
    MERGE,
    WAIT,
    WORK,
    LaneVelocity,
    lane_velocity,
    read_velocity,
)

FINISHED = ("completed", "failed", "stopped")
HISTORY_DAYS = 30  # how far back earlier sessions' task times are read
TO_RUN = ("pending", "ready")


@dataclass(frozen=True)
class TaskState:
    task_id: str
    status: str
    depends_on: tuple[str, ...] = ()
    elapsed: float | None = None  # seconds a running task has run
    duration: float | None = None  # seconds a finished task took
    waited: float | None = None  # seconds a started task waited for a worker


@dataclass(frozen=True)
class Snapshot:
    """A session at one moment: its tasks in the order they start (dependencies first)."""

    tasks: Sequence[TaskState]
    workers: int


@dataclass
class Lane:
    lane: str
    wip: int  # tasks in the lane now
    backlog: int  # tasks still to come into it
    count: int  # task times known
    median_seconds: float | None
    p90_seconds: float | None
    source: str  # session | history | none


@dataclass
class Eta:
    eta_seconds: float | None
    lanes: list[Lane] = field(default_factory=list)
    basis: str = "none"  # session | history | none

    def to_dict(self) -> dict[str, Any]:
        return {"eta_seconds": self.eta_seconds, "eta_basis": self.basis,
                "lanes": [vars(lane) for lane in self.lanes]}  # fmt: skip


def snapshot_of(record: SessionRecord, now: dt.datetime | None = None) -> Snapshot:
    now = now or dt.datetime.now(dt.UTC)
    order = record.plan.graph()
    tasks = []
    for task_id in order.order:
        rec = record.task(task_id)
        elapsed = _since(rec.started_at, now) if rec.status == "running" else None
        duration = rec.duration_ms / 1000 if rec.duration_ms and rec.status in FINISHED else None
        waited = _between(rec.ready_at, rec.started_at) if rec.started_at else None
        tasks.append(TaskState(task_id, rec.status, order.dependencies[task_id], elapsed,
                               duration, waited))  # fmt: skip
    return Snapshot(tasks, record.num_workers)


def estimate(snapshot: Snapshot, history: Mapping[str, LaneVelocity] | None = None) -> Eta:
    """The ETA and the lanes of `snapshot`; `history` (lane -> velocity of earlier sessions)
    stands in for a lane this session has no times for yet."""
    history = history or {}
    lanes = _lanes(snapshot, history)
    work = next(lane for lane in lanes if lane.lane == WORK)
    if work.median_seconds is None:
        return Eta(None, lanes)
    left = _replay(snapshot, work.median_seconds)
    return Eta(round(left, 1), lanes, work.source)


def _lanes(snapshot: Snapshot, history: Mapping[str, LaneVelocity]) -> list[Lane]:
    tasks = snapshot.tasks
    count = {s: sum(1 for t in tasks if t.status == s) for s in (*TO_RUN, "running", "completed")}
    times = {
        WAIT: [t.waited for t in tasks if t.waited is not None],
        WORK: [t.duration for t in tasks if t.duration],
        MERGE: [],
    }
    shape = {
        WAIT: (count["ready"], count["pending"]),
        WORK: (count["running"], count["pending"] + count["ready"]),
        MERGE: (count["completed"], count["pending"] + count["ready"] + count["running"]),
    }
    return [_lane(name, *shape[name], times[name], history.get(name)) for name in LANES]


def _lane(
    name: str, wip: int, backlog: int, times: list[float], past: LaneVelocity | None
) -> Lane:
    known = lane_velocity(name, times, "session") if times else past
    if known is None or not known.count or known.median_seconds is None:
        return Lane(name, wip, backlog, 0, None, None, "none")
    source = "session" if times else "history"
    return Lane(name, wip, backlog, known.count, known.median_seconds, known.p90_seconds, source)


def _replay(snapshot: Snapshot, each: float) -> float:
    """Seconds until the last task would finish: list scheduling of what is left."""
    position = {t.task_id: i for i, t in enumerate(snapshot.tasks)}
    status = {t.task_id: t.status for t in snapshot.tasks}
    dependents: dict[str, list[str]] = {}
    waiting: dict[str, int] = {}
    for task in snapshot.tasks:
        if task.status not in TO_RUN:
            continue
        open_deps = [d for d in task.depends_on if status.get(d) != "completed"]
        if any(status.get(d) not in (*TO_RUN, "running") for d in open_deps):
            continue  # a dependency failed or was blocked: this task will be blocked
        waiting[task.task_id] = len(open_deps)
        for dep in open_deps:
            dependents.setdefault(dep, []).append(task.task_id)
    running = [(max(0.0, each - (t.elapsed or 0.0)), t.task_id) for t in snapshot.tasks
               if t.status == "running"]  # fmt: skip
    heapq.heapify(running)
    ready = [position[t] for t, n in waiting.items() if n == 0]
    heapq.heapify(ready)
    free, now = max(snapshot.workers - len(running), 0), 0.0
    while running or ready:
        while free and ready:
            task_id = snapshot.tasks[heapq.heappop(ready)].task_id
            heapq.heappush(running, (now + each, task_id))
            free -= 1
        if not running:
            break
        now, done = heapq.heappop(running)
        free += 1
        for child in dependents.get(done, ()):
            waiting[child] -= 1
            if not waiting[child]:
                heapq.heappush(ready, position[child])
    return now


def _since(stamp: str | None, now: dt.datetime) -> float | None:
    start = _parse(stamp)
    return max(0.0, (now - start).total_seconds()) if start else None


def _between(first: str | None, second: str | None) -> float | None:
    a, b = _parse(first), _parse(second)
    return max(0.0, (b - a).total_seconds()) if a and b else None


def _parse(stamp: str | None) -> dt.datetime | None:
    if not stamp:
        return None
    try:
        return dt.datetime.fromisoformat(stamp)
    except ValueError:
        return None


def telemetry_history(ctx: Context, days: float = HISTORY_DAYS) -> dict[str, LaneVelocity]:
    """Each lane's velocity over earlier sessions (empty when telemetry is off or cannot be
    read: the ETA then waits for this session's first task)."""
    if not ctx.config.telemetry.enabled:
        return {}
    try:
        found = read_velocity(ctx.events, days)
    except Exception as exc:  # a damaged store must not break `status`
        logging.getLogger(__name__).warning("br: warning: task history not read: %s", exc)
        return {}
    return {lane.lane: lane for lane in found.lanes}
