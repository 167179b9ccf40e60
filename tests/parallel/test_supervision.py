"""Real processes: kill -9 of a running `br parallel start`, resume, stop, pause, cleanup."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from brgit.config import load_config
from brgit.core.session import load_session
from brgit.errors import BuildRunnerError, ParallelError
from brgit.parallel.orchestrator import resume_session
from brgit.process import pid_alive
from tests.conftest import ctrl_c_default, git
from tests.parallel.conftest import write_config, write_plan


def wait_for(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def record(repo: Path, name: str = "s") -> dict[str, Any]:
    """The session's record as another process reads it (its snapshot and journal)."""
    try:
        return load_session(name, repo).to_dict()
    except BuildRunnerError:
        return {}


def states(repo: Path, name: str = "s") -> dict[str, str]:
    return {t: r["status"] for t, r in record(repo, name).get("tasks", {}).items()}


def start(repo: Path, plan: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "brgit", "parallel", "start", "s", "--plan", str(plan), *extra],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=ctrl_c_default,  # the SIGINT tests need Python's default handler
    )


def test_kill_9_then_resume_keeps_completed_work(repo: Path, tmp_path: Path, br: Any) -> None:
    count, mark = tmp_path / "count-a", tmp_path / "mark-b"
    plan = write_plan(
        tmp_path / "plan.toml",
        f"""
[plan]
name = "crash"
[[tasks]]
id = "a"
run = "echo run >> {count}; echo a > a.txt"
[[tasks]]
id = "b"
run = "if [ -f {mark} ]; then echo b > b.txt; else touch {mark}; sleep 60; fi"
[[tasks]]
id = "c"
depends_on = ["a", "b"]
run = "cat a.txt b.txt > c.txt"
""",
    )
    proc = start(repo, plan, "--workers", "2")
    wait_for(
        lambda: states(repo).get("a") == "completed" and bool(record(repo)["tasks"]["b"].get("pid"))
    )
    agent_pid = record(repo)["tasks"]["b"]["pid"]
    a_commit = record(repo)["tasks"]["a"]["commit"]
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    proc.stdout.close() if proc.stdout else None
    proc.stderr.close() if proc.stderr else None

    shown = br("parallel", "status", "s", "--format", "json", cwd=repo)
    assert json.loads(shown.out)["status"] == "interrupted"
    shown_tasks = {t["task_id"]: t["status"] for t in json.loads(shown.out)["tasks"]}
    assert shown_tasks["b"] == "interrupted"  # not "running": nothing supervises it any more
    assert pid_alive(agent_pid)  # the orphaned agent outlived its supervisor

    resumed = br("parallel", "resume", "s", "--format", "json", cwd=repo)
    assert resumed.code == 0, resumed.err
    final = load_session("s", repo)
    assert final.status == "completed"
    assert final.tasks["a"].commit == a_commit and final.tasks["a"].attempts == 1
    assert count.read_text() == "run\n"  # a did not run again
    assert final.tasks["b"].attempts == 2
    assert git(repo, "show", f"{final.tasks['c'].commit}:c.txt") == "a\nb"
    wait_for(lambda: not pid_alive(agent_pid), 5)


def test_live_session_is_not_run_twice_and_force_stop_kills(
    repo: Path, tmp_path: Path, br: Any
) -> None:
    plan = write_plan(tmp_path / "p.toml", '[[tasks]]\nid = "slow"\nrun = "sleep 60"\n')
    proc = start(repo, plan)
    try:
        wait_for(lambda: bool(record(repo).get("tasks", {}).get("slow", {}).get("pid")))
        agent_pid = record(repo)["tasks"]["slow"]["pid"]
        with pytest.raises(ParallelError, match="still running"):
            resume_session("s", root=repo, cfg=load_config(repo))
        again = br("parallel", "resume", "s", cwd=repo)
        assert again.code == 0 and again.out.strip() == "session s: running"
        stopped = br("parallel", "stop", "s", "--force", cwd=repo)
        assert stopped.code == 0, stopped.err
        assert proc.wait(timeout=20) == 1
        final = load_session("s", repo)
        assert final.status == "stopped" and final.tasks["slow"].status == "stopped"
        wait_for(lambda: not pid_alive(agent_pid), 5)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def test_graceful_stop_then_resume(repo: Path, tmp_path: Path, br: Any) -> None:
    plan = write_plan(
        tmp_path / "p.toml",
        '[[tasks]]\nid = "first"\nrun = "sleep 0.5; echo 1 > one.txt"\n'
        '[[tasks]]\nid = "second"\ndepends_on = ["first"]\nrun = "echo 2 > two.txt"\n',
    )
    started = br("parallel", "start", "s", "--plan", str(plan), "--detach", cwd=repo)
    assert started.code == 0 and "background" in started.out
    wait_for(lambda: states(repo).get("first") == "running")
    stopped = br("parallel", "stop", "s", cwd=repo)
    assert stopped.code == 0 and "stopped" in stopped.out
    assert states(repo) == {"first": "completed", "second": "ready"}  # waits for a worker
    resumed = br("parallel", "resume", "s", cwd=repo)
    assert resumed.code == 0
    assert states(repo) == {"first": "completed", "second": "completed"}


def gated(gate: Path) -> str:
    """A shell task that runs until `gate` exists: the test decides when it ends."""
    return f"while [ ! -e '{gate}' ]; do sleep 0.05; done"


def test_pause_holds_new_tasks_until_resumed(repo: Path, tmp_path: Path, br: Any) -> None:
    gate = tmp_path / "gate"
    plan = write_plan(
        tmp_path / "p.toml",
        f'[[tasks]]\nid = "one"\nrun = "{gated(gate)}"\n'
        '[[tasks]]\nid = "two"\ndepends_on = ["one"]\nrun = "true"\n',
    )
    assert br("parallel", "start", "s", "--plan", str(plan), "--detach", cwd=repo).code == 0
    wait_for(lambda: states(repo).get("one") == "running")
    paused = br("parallel", "pause", "s", cwd=repo)
    assert paused.code == 0 and "paused" in paused.out
    gate.touch()  # "one" ends only now, with the session already paused
    wait_for(lambda: states(repo).get("one") == "completed")
    time.sleep(0.3)
    assert states(repo)["two"] == "ready" and record(repo)["status"] == "paused"
    assert br("parallel", "resume", "s", cwd=repo).code == 0
    wait_for(lambda: record(repo).get("status") == "completed")


def test_cleanup_removes_worktrees_and_records(repo: Path, tmp_path: Path, br: Any) -> None:
    write_config(repo, '[parallel]\nkeep_worktrees = "all"\n')
    plan = write_plan(tmp_path / "p.toml", '[[tasks]]\nid = "t"\nrun = "echo t > t.txt"\n')
    assert br("parallel", "start", "s", "--plan", str(plan), cwd=repo).code == 0
    worktree = Path(load_session("s", repo).tasks["t"].worktree or "")
    assert worktree.is_dir()
    kept = br("parallel", "cleanup", "--format", "json", cwd=repo)
    assert json.loads(kept.out) == []  # younger than 7 days
    done = br("parallel", "cleanup", "--all", "--format", "json", cwd=repo)
    assert json.loads(done.out) == [{"name": "s", "worktrees": 1, "left_alone": []}]
    assert not worktree.exists() and not (repo / ".buildrunner/sessions/s").exists()
    assert git(repo, "branch", "--list", "br/s/t")  # the work is still there to merge


def test_ctrl_c_stops_agents_and_keeps_the_record(repo: Path, tmp_path: Path) -> None:
    plan = write_plan(
        tmp_path / "p.toml",
        '[[tasks]]\nid = "quick"\nrun = "true"\n[[tasks]]\nid = "slow"\nrun = "sleep 60"\n',
    )
    proc = start(repo, plan, "--workers", "2")
    wait_for(lambda: bool(record(repo).get("tasks", {}).get("slow", {}).get("pid")))
    wait_for(lambda: states(repo).get("quick") == "completed")
    agent_pid = record(repo)["tasks"]["slow"]["pid"]
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 130, err
    final = load_session("s", repo)
    assert final.status == "stopped"
    assert (final.tasks["quick"].status, final.tasks["slow"].status) == ("completed", "stopped")
    wait_for(lambda: not pid_alive(agent_pid), 5)


def test_dashboard_keys_pause_resume_and_stop(repo: Path, tmp_path: Path, br: Any) -> None:
    from brgit.parallel.live import SessionWatch
    from brgit.parallel.manager import SessionManager

    gate_one, gate_two = tmp_path / "gate1", tmp_path / "gate2"
    plan = write_plan(
        tmp_path / "p.toml",
        f'[[tasks]]\nid = "one"\nrun = "{gated(gate_one)}"\n'
        f'[[tasks]]\nid = "two"\ndepends_on = ["one"]\nrun = "{gated(gate_two)}"\n'
        '[[tasks]]\nid = "three"\ndepends_on = ["two"]\nrun = "true"\n',
    )
    assert br("parallel", "start", "s", "--plan", str(plan), "--detach", cwd=repo).code == 0
    manager = SessionManager(repo, load_config(repo))
    wait_for(lambda: states(repo).get("one") == "running")
    assert SessionWatch(manager, "s").key("p") == "session paused"
    assert SessionWatch(manager, "s").key("p") == "session running"
    gate_one.touch()
    wait_for(lambda: states(repo).get("two") == "running")
    assert SessionWatch(manager, "s").key("s") == "session stopping"
    gate_two.touch()  # "two" finishes after the stop request; "three" must not start
    wait_for(lambda: record(repo).get("status") == "stopped", 20)
    assert states(repo) == {"one": "completed", "two": "completed", "three": "ready"}
    assert SessionWatch(manager, "s").key("p") == "cannot pause session 's': it is stopped"
