"""A recorded pid is a process identity only together with its start time: pids get reused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from brgit.core.plan import Plan, Task
from brgit.core.session import SessionRecord
from brgit.parallel.manager import effective_status
from brgit.parallel.reconcile import reconcile
from brgit.process import pid_alive, process_start


def _record(pid: int, started: int | None) -> SessionRecord:
    record = SessionRecord("s-1", "reuse", Plan("p", [Task("a")]), "HEAD", "main")
    record.pid, record.pid_started = pid, started
    return record


def test_a_reused_pid_is_not_the_recorded_process() -> None:
    me = os.getpid()
    started = process_start(me)
    assert started is not None
    assert pid_alive(me, started)
    assert not pid_alive(me, started + 1)  # same pid, another process
    assert pid_alive(me)  # without a start time only existence counts (old records)


def test_a_session_whose_pid_was_reused_is_interrupted_not_running() -> None:
    me = os.getpid()
    assert effective_status(_record(me, process_start(me))) == "running"
    assert effective_status(_record(me, (process_start(me) or 0) + 1)) == "interrupted"


def test_reconcile_never_kills_a_process_that_reused_an_agent_pid(repo: Path) -> None:
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"],
                                 start_new_session=True)  # fmt: skip
    try:
        record = _record(999_999, None)
        rec = record.task("a")
        rec.status = "running"
        rec.pid, rec.pid_started = bystander.pid, (process_start(bystander.pid) or 0) + 1
        reconcile(record, repo)
        assert bystander.poll() is None  # still alive: not ours to kill
        assert record.tasks["a"].status == "pending" and record.tasks["a"].pid is None
    finally:
        bystander.kill()
        bystander.wait()
