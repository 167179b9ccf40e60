"""The ETA of a running session: the rest of the session replayed on its workers."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

from brgit.core.session import load_session
from brgit.parallel.eta import Snapshot, TaskState, estimate
from brgit.telemetry.velocity import LaneVelocity
from tests.parallel.conftest import write_plan


def _tasks(statuses: list[str], **extra: Any) -> list[TaskState]:
    return [TaskState(f"t{i}", s, **extra) for i, s in enumerate(statuses)]


def test_backlog_wip_workers_and_time_already_spent() -> None:
    done = [TaskState(f"d{i}", "completed", duration=2.0) for i in range(4)]
    running = [TaskState("r1", "running", elapsed=0.5), TaskState("r2", "running", elapsed=1.5)]
    waiting = _tasks(["ready"] * 3 + ["pending"] * 3)
    eta = estimate(Snapshot(done + running + waiting, workers=2))
    # r2 ends in 0.5 s, r1 in 1.5 s; then six tasks of 2 s on two workers
    assert eta.eta_seconds == 7.5 and eta.basis == "session"
    lanes = {lane.lane: lane for lane in eta.lanes}
    assert (lanes["work"].wip, lanes["work"].backlog, lanes["work"].median_seconds) == (2, 6, 2.0)
    assert (lanes["wait"].wip, lanes["wait"].backlog) == (3, 3)
    assert (lanes["merge"].wip, lanes["merge"].backlog) == (4, 8)


def test_dependencies_hold_tasks_back() -> None:
    chain = [TaskState("a", "completed", duration=1.0), TaskState("b", "ready"),
             TaskState("c", "pending", ("b",)), TaskState("d", "pending", ("c",))]  # fmt: skip
    assert estimate(Snapshot(chain, workers=4)).eta_seconds == 3.0  # one after another
    failed = [TaskState("a", "failed", duration=1.0), TaskState("b", "pending", ("a",))]
    assert estimate(Snapshot(failed, workers=1)).eta_seconds == 0.0  # b will be blocked


def test_none_before_a_task_finished_unless_history_says() -> None:
    fresh = Snapshot(_tasks(["running", "ready"], elapsed=0.0), workers=1)
    assert estimate(fresh).eta_seconds is None
    past = {"work": LaneVelocity("work", 12, 3.0, 4.0, "events")}
    eta = estimate(fresh, past)
    assert (eta.eta_seconds, eta.basis) == (6.0, "history")


def test_eta_of_a_detached_session_against_the_time_it_took(
    repo: Path, tmp_path: Path, br: Any
) -> None:
    body = "".join(f'[[tasks]]\nid = "t{i:02d}"\nrun = "sleep 2"\n' for i in range(12))
    plan = write_plan(tmp_path / "p.toml", body)
    started = br("parallel", "start", "s", "--plan", str(plan), "--workers", "2", "--detach",
                 cwd=repo)  # fmt: skip
    assert started.code == 0, started.err
    first = json.loads(br("parallel", "status", "s", "--format", "json", cwd=repo).out)
    assert first["eta_seconds"] is None  # nothing finished yet, no earlier sessions
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        shown = json.loads(br("parallel", "status", "s", "--format", "json", cwd=repo).out)
        if shown["completed_tasks"] >= 4:
            break
        time.sleep(0.1)
    asked = dt.datetime.now(dt.UTC)
    assert shown["status"] == "running" and shown["eta_seconds"] is not None
    assert {lane["lane"] for lane in shown["lanes"]} == {"wait", "work", "merge"}
    while time.monotonic() < deadline and load_session("s", repo).status == "running":
        time.sleep(0.2)
    record = load_session("s", repo)
    assert record.status == "completed"
    ended = max(dt.datetime.fromisoformat(t.finished_at or "") for t in record.tasks.values())
    took = (ended - asked).total_seconds()
    # about 8 of 12 tasks left on 2 workers: roughly 8 s; the estimate comes from this
    # session's own task times, so machine load moves both sides alike
    assert abs(shown["eta_seconds"] - took) <= max(0.3 * took, 1.5), (shown["eta_seconds"], took)
    table = br("parallel", "status", "s", cwd=repo).out
    assert "ETA:" in table and "done" in table
