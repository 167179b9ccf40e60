from __future__ import annotations

import time
from pathlib import Path

from brgit.config import Config
from brgit.core.plan import Task
from brgit.parallel.coordinator import WorkerCoordinator
from brgit.parallel.manager import SessionManager
from tests.parallel.conftest import plan


def test_workers_take_ready_tasks_and_report_health(repo: Path, cfg: Config) -> None:
    manager = SessionManager(repo, cfg)
    record = manager.create_session(
        plan(Task("a"), Task("b"), Task("c", depends_on=["a"])), "hand", workers=2
    )
    assert manager.get_session_status("hand").status == "stopped"
    coordinator = WorkerCoordinator(record.name, root=repo, timeout=30)
    one, two = coordinator.register_worker(), coordinator.register_worker()
    assert (one, two) == ("worker-1", "worker-2")
    assert coordinator.get_next_task(one) == "a"
    assert coordinator.get_next_task(two) == "b"  # c waits for a
    assert coordinator.get_worker_health(one).status == "active"
    coordinator.complete_task(one, "a")
    health = coordinator.get_worker_health(one)
    assert (health.status, health.completed, health.current_task) == ("idle", 1, None)
    later = time.time() + 31
    assert coordinator.get_worker_health(two, now=later).status == "offline"
    coordinator.heartbeat(two)
    # another process sees the same state
    other = WorkerCoordinator(record.name, root=repo, timeout=30)
    assert other.get_worker_health(two).current_task == "b"
    by_id = WorkerCoordinator(record.session_id, root=repo, timeout=30)  # the id names it too
    assert by_id.session == "hand" and by_id.get_worker_health(two).current_task == "b"


def test_created_session_runs_on_resume(repo: Path, cfg: Config) -> None:
    manager = SessionManager(repo, cfg)
    manager.create_session(plan(Task("a", run="echo a > a.txt")), "later")
    final = manager.resume_session("later")
    assert final.status == "completed" and final.tasks["a"].commit
