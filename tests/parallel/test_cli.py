"""`br parallel` and `br worktree` through the CLI: JSON keys, tables, errors and exit codes."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from brgit.parallel.manager import SessionManager
from tests.conftest import git
from tests.parallel.conftest import make_cfg, write_config, write_plan

PLAN = '[plan]\nname = "demo"\n[[tasks]]\nid = "a"\nrun = "echo a > a.txt"\n'


def test_start_status_list_workers_json(repo: Path, tmp_path: Path, br: Any) -> None:
    plan = write_plan(tmp_path / "plan.toml", PLAN)
    started = br("parallel", "start", "s1", "--plan", str(plan), "--format", "json", cwd=repo)
    assert started.code == 0, started.err
    data = json.loads(started.out)
    assert data["status"] == "completed" and data["completed_tasks"] == 1
    assert {
        "session_id",
        "name",
        "total_tasks",
        "failed_tasks",
        "num_workers",
        "active_workers",
        "start_time",
        "elapsed_time_seconds",
    } <= set(data)
    assert data["tasks"][0]["branch"] == "br/s1/a"
    assert "[worker-1] completed a" in started.err
    status = json.loads(br("parallel", "status", "--format", "json", cwd=repo).out)
    assert status["name"] == "s1"
    listed = json.loads(br("parallel", "list", "--status", "completed", "-f", "json", cwd=repo).out)
    assert [s["name"] for s in listed] == ["s1"]
    assert (
        json.loads(br("parallel", "list", "--status", "running", "-f", "json", cwd=repo).out) == []
    )
    workers = json.loads(br("parallel", "workers", "s1", "--format", "json", cwd=repo).out)
    assert workers[0]["worker_id"] == "worker-1" and workers[0]["completed"] == 1
    assert workers[0]["status"] == "offline"
    table = br("parallel", "list", cwd=repo)
    assert "Parallel Sessions" in table.out and "s1" in table.out


def test_failed_task_exits_1_and_errors_are_one_line(repo: Path, tmp_path: Path, br: Any) -> None:
    plan = write_plan(tmp_path / "p.toml", '[[tasks]]\nid = "x"\nrun = "exit 4"\n')
    failed = br("parallel", "start", "s", "--plan", str(plan), cwd=repo)
    assert failed.code == 1 and "exit 4" in failed.out
    dup = br("parallel", "start", "s", "--plan", str(plan), cwd=repo)
    assert dup.code == 1 and "already exists" in dup.err
    assert br("parallel", "status", "nope", cwd=repo).code == 6
    cycle = write_plan(
        tmp_path / "c.toml",
        '[[tasks]]\nid = "a"\ndepends_on = ["b"]\n[[tasks]]\nid = "b"\ndepends_on = ["a"]\n',
    )
    bad = br("parallel", "start", "t", "--plan", str(cycle), cwd=repo)
    assert bad.code == 2 and "cycle" in bad.err and bad.err.count("\n") == 1
    agent = br("parallel", "start", "t", "--plan", str(plan), "--agent", "robot", cwd=repo)
    assert agent.code == 2 and "unknown agent 'robot'" in agent.err  # a usage error
    broken = write_plan(tmp_path / "b.toml", "[[tasks]\nid=")
    assert br("parallel", "start", "t", "--plan", str(broken), cwd=repo).code == 2
    assert br("parallel", "pause", "s", cwd=repo).code == 1


def test_worktree_commands(repo: Path, br: Any) -> None:
    (repo / ".gitignore").write_text(".env\n")
    git(repo, "add", ".gitignore")
    git(repo, "commit", "-qm", "ignore")
    (repo / ".env").write_text("A=1\n")
    made = json.loads(br("worktree", "spawn", "try", "--format", "json", cwd=repo).out)
    path = Path(made["path"])
    assert made["branch"] == "br/manual/try" and made["copied"] == [".env"]
    assert (path / ".env").read_text() == "A=1\n" and made["env"]["BR_TASK_ID"] == "try"
    listed = json.loads(br("worktree", "list", "--format", "json", cwd=repo).out)
    assert [w["brgit"] for w in listed] == [False, True]
    (path / "wip.txt").write_text("unsaved work")
    refused = br("worktree", "remove", "try", cwd=repo)
    assert refused.code == 1 and "untracked" in refused.err
    removed = br("worktree", "remove", "try", "--force", "--delete-branch", cwd=repo)
    assert removed.code == 0 and not path.exists()
    assert not git(repo, "branch", "--list", "br/manual/try")
    assert br("worktree", "remove", "try", cwd=repo).code == 6
    stale = path.parent / "leftover"  # not made by brgit: reported, never deleted
    stale.mkdir(parents=True)
    pruned = json.loads(br("worktree", "prune", "--format", "json", cwd=repo).out)
    assert pruned["removed_folders"] == [] and stale.exists()
    assert pruned["left_alone"] == [{"path": str(stale), "reason": "not created by brgit"}]


def test_dashboard_frame(repo: Path, tmp_path: Path, br: Any) -> None:
    from rich.console import Console

    from brgit.parallel.live import SessionWatch
    from brgit.ui.dashboard import render

    plan = write_plan(tmp_path / "plan.toml", PLAN)
    assert br("parallel", "start", "s1", "--plan", str(plan), cwd=repo).code == 0
    out = io.StringIO()
    Console(file=out, width=160).print(render(SessionWatch(SessionManager(repo, make_cfg(repo)), "s1").frame()))
    text = out.getvalue()
    for expected in ("Session: s1", "completed", "worker-1", "task_completed", "q quit"):
        assert expected in text
    shown = br("parallel", "dashboard", "s1", "--refresh", "0.2", cwd=repo)
    assert shown.code == 0 and "Session: s1" in shown.out


def test_watch_runs_under_the_dashboard(repo: Path, tmp_path: Path, br: Any) -> None:
    plan = write_plan(tmp_path / "plan.toml", PLAN)
    shown = br("parallel", "start", "w", "--plan", str(plan), "--watch", cwd=repo)
    assert shown.code == 0, shown.err
    assert "Session: w" in shown.out and "completed" in shown.out


def test_secrets_in_agent_output_are_masked(repo: Path, tmp_path: Path, br: Any) -> None:
    key = "sk-ant-api03-" + "Z" * 93 + "AA"
    (tmp_path / "key.txt").write_text(key + "\n")
    run = f"cat {tmp_path / 'key.txt'}; exit 1"
    plan = write_plan(tmp_path / "p.toml", f'[[tasks]]\nid = "leak"\nrun = "{run}"\n')
    shown = br("parallel", "start", "s", "--plan", str(plan), "--format", "json", cwd=repo)
    assert shown.code == 1
    assert key not in shown.out + shown.err
    assert json.loads(shown.out)["tasks"][0]["error"].startswith("exit 1: sk-a...")
    for file in (repo / ".buildrunner").rglob("*"):
        if file.is_file():
            assert key not in file.read_text(errors="replace"), file


def until(check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out waiting for the detached session"
        time.sleep(0.05)


def test_every_session_command_takes_the_id_too(repo: Path, tmp_path: Path, br: Any) -> None:
    gate = tmp_path / "gate"
    plan = write_plan(
        tmp_path / "p.toml",
        f'[[tasks]]\nid = "one"\nrun = "while [ ! -e {gate} ]; do sleep 0.05; done"\n'
        '[[tasks]]\nid = "two"\ndepends_on = ["one"]\nrun = "echo 2 > two.txt"\n',
    )
    assert br("parallel", "start", "named", "--plan", str(plan), "--detach", cwd=repo).code == 0
    (listed,) = json.loads(br("parallel", "list", "--format", "json", cwd=repo).out)
    sid = listed["session_id"]
    assert sid.startswith("session-") and listed["name"] == "named"
    shown = json.loads(br("parallel", "status", sid, "--format", "json", cwd=repo).out)
    assert shown["name"] == "named"
    manager = SessionManager(repo, make_cfg(repo))
    until(lambda: manager.get(sid).tasks["one"].status == "running")  # workers registered
    workers = json.loads(br("parallel", "workers", sid, "--format", "json", cwd=repo).out)
    assert workers and workers[0]["worker_id"] == "worker-1"
    assert br("parallel", "pause", sid, cwd=repo).out.strip() == "session named: paused"
    assert br("parallel", "resume", sid, cwd=repo).out.strip() == "session named: running"
    assert br("parallel", "pause", sid, cwd=repo).out.strip() == "session named: paused"
    gate.touch()  # "one" ends; "two" waits while the session is paused
    until(lambda: manager.get(sid).tasks["one"].status == "completed")
    stopped = br("parallel", "stop", sid, cwd=repo)
    assert stopped.code == 0 and stopped.out.startswith("session named: stopped")
    assert manager.get(sid).name == "named" and manager.get_session_status(sid).name == "named"
    resumed = br("parallel", "resume", sid, "--format", "json", cwd=repo)
    assert resumed.code == 0 and json.loads(resumed.out)["status"] == "completed"
    forecast = br("merge", "--session", sid, "--dry-run", "--format", "json", cwd=repo)
    assert forecast.code == 0, forecast.err
    assert br("parallel", "status", "session-0000000000", cwd=repo).code == 6


def test_cleanup_by_name_ignores_days(repo: Path, tmp_path: Path, br: Any) -> None:
    write_config(repo, '[parallel]\nkeep_worktrees = "all"\n')
    plan = write_plan(tmp_path / "p.toml", PLAN)
    for name in ("keep", "drop"):
        assert br("parallel", "start", name, "--plan", str(plan), cwd=repo).code == 0
    worktree = Path(json.loads(br("parallel", "status", "drop", "-f", "json", cwd=repo).out)
                    ["tasks"][0]["worktree"])  # fmt: skip
    nothing = br("parallel", "cleanup", cwd=repo)
    assert nothing.code == 0 and "nothing to clean up" in nothing.out  # younger than 7 days
    done = br("parallel", "cleanup", "drop", "--format", "json", cwd=repo)
    assert done.code == 0, done.err
    assert json.loads(done.out) == [{"name": "drop", "worktrees": 1, "left_alone": []}]
    assert not worktree.exists() and br("parallel", "status", "drop", cwd=repo).code == 6
    assert br("parallel", "status", "keep", cwd=repo).code == 0
    assert br("parallel", "cleanup", "nope", cwd=repo).code == 6
    both = br("parallel", "cleanup", "keep", "--all", cwd=repo)
    assert both.code == 2 and "not both" in both.err
