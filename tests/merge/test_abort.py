"""`br merge --abort` after `kill -9`: what the train started is stopped before anything is removed."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from brgit.merge import slots, state
from tests.conftest import br_process, git
from tests.merge.conftest import make_branch


def _wait_for(check: object, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError("gave up waiting")
        time.sleep(0.05)


def _alive(pid: int) -> bool:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


def _killed_mid_verify(repo: Path, pids: Path, *extra: str) -> tuple[list[int], dict[str, object]]:
    """Start a real `br merge` of `one` (its verify passes at once) and `two` (its verify runs
    on and on), kill -9 it while `two` is verified, return the verify runs' pids (still
    alive) and the train's recorded state."""
    make_branch(repo, "one", {"one.txt": "1\n"})
    make_branch(repo, "two", {"two.txt": "2\n"})
    verify = f"if [ -f two.txt ]; then echo $$ > {pids}/$$; sleep 60; fi"
    argv = [sys.executable, "-m", "brgit", "merge", "one", "two", "--target", "main",
            "--verify", verify, *extra]  # fmt: skip
    br = subprocess.Popen(argv, cwd=repo, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start = git(repo, "rev-parse", "main")
    _wait_for(lambda: len(list(pids.iterdir())) >= 1)
    _wait_for(lambda: bool(slots.read_running(repo)))
    # speculating, two's verify may start before one's has passed: wait until one is verified
    # (recorded for landing, or landed), so what the abort must land is known
    _wait_for(lambda: state.verified_file(repo).exists() or git(repo, "rev-parse", "main") != start)
    br.send_signal(signal.SIGKILL)
    br.wait()
    running = [int(f.name) for f in pids.iterdir()]
    assert running and all(_alive(pid) for pid in running)  # kill -9 does not reach them
    return running, json.loads(state.state_file(repo).read_text())


@pytest.mark.parametrize("extra", [(), ("--speculate", "2")], ids=["one", "speculating"])
def test_abort_after_kill_9_stops_the_verify_runs_then_removes_their_worktrees(
    repo: Path, tmp_path: Path, extra: tuple[str, ...]
) -> None:
    pids = tmp_path / "pids"
    pids.mkdir()
    start = git(repo, "rev-parse", "main")
    running, recorded = _killed_mid_verify(repo, pids, *extra)
    landed = git(repo, "log", "-1", "--format=%s", "main")
    assert git(repo, "rev-parse", "main") == start or landed == "br merge: one"  # verified
    scratch = Path(str(recorded["scratch"]))
    assert scratch.exists()

    aborted = br_process("merge", "--abort", cwd=repo)
    assert aborted.returncode == 0, aborted.stderr
    assert f"stopped {len(running)} verify run(s) it left running" in aborted.stdout
    assert not any(_alive(pid) for pid in running)
    assert not scratch.exists() and "brgit-merge" not in git(repo, "worktree", "list")
    assert slots.read_running(repo) == []
    assert git(repo, "log", "-1", "--format=%s", "main") == "br merge: one"  # not two
    assert (repo / "one.txt").exists() and not (repo / "two.txt").exists()


def test_abort_leaves_everything_while_another_process_works_in_a_scratch_worktree(
    repo: Path, tmp_path: Path
) -> None:
    pids = tmp_path / "pids"
    pids.mkdir()
    _, recorded = _killed_mid_verify(repo, pids)
    scratch = Path(str(recorded["scratch"]))
    # a process that left the verify run's group (setsid) and still works in the worktree
    stray = subprocess.Popen(["sleep", "60"], cwd=scratch, start_new_session=True)
    try:
        aborted = br_process("merge", "--abort", cwd=repo)
        assert aborted.returncode == 1
        assert f"{stray.pid}" in aborted.stderr and "nothing was removed" in aborted.stderr
        assert scratch.exists() and state.state_file(repo).exists()
    finally:
        stray.kill()
        stray.wait()
    assert br_process("merge", "--abort", cwd=repo).returncode == 0
    assert not scratch.exists()


def test_a_recorded_pid_now_used_by_another_program_is_not_killed(tmp_path: Path) -> None:
    other = subprocess.Popen(["sleep", "60"], start_new_session=True)
    try:
        from brgit.process import process_start

        started = process_start(other.pid)
        assert started is not None
        record = slots.RunRecord("t", 0, other.pid, started - 1, str(tmp_path))  # an older one
        assert slots.stop_recorded(record)
        assert _alive(other.pid)
        mine = slots.RunRecord("t", 0, other.pid, started, str(tmp_path))
        assert slots.stop_recorded(mine)
        other.wait(timeout=10)
        assert other.returncode == -signal.SIGKILL
    finally:
        if other.poll() is None:
            other.kill()
            other.wait()


def test_what_a_verify_run_leaves_in_the_background_is_stopped_when_it_ends(
    repo: Path, tmp_path: Path
) -> None:
    from brgit.merge.verify import run_verify

    pid_file = tmp_path / "child.pid"
    outcome = run_verify(f"sleep 60 & echo $! > {pid_file}", repo, tmp_path / "v.log", 30)
    assert outcome.ok
    assert not _alive(int(pid_file.read_text()))
