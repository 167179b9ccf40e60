"""One train at a time: the state file, a live train, a dead one, and `--abort`."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import pytest

from brgit.errors import MergeError
from brgit.merge import state


def _fake_train(repo: Path, pid: int) -> state.TrainState:
    recorded = state.TrainState("t1", pid, "main", "0" * 40, str(repo / "gone"), "now")
    file = state.state_file(repo)
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps(asdict(recorded)))
    return recorded


def test_a_running_train_blocks_another_and_its_abort(repo: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "brgit"])
    cmdline = Path(f"/proc/{sleeper.pid}/cmdline")
    deadline = time.monotonic() + 30
    while b"brgit" not in cmdline.read_bytes() and time.monotonic() < deadline:
        time.sleep(0.01)  # until the child has exec'd (before, it still shows pytest's cmdline)
    try:
        _fake_train(repo, sleeper.pid)
        with pytest.raises(MergeError, match="already running"):
            state.begin(repo, "main", "0" * 40, None)
        with pytest.raises(MergeError, match="still running"):
            state.abort(repo)
    finally:
        sleeper.kill()
        sleeper.wait()
    with pytest.raises(MergeError, match="br merge --abort"):
        state.begin(repo, "main", "0" * 40, None)
    assert state.abort(repo) is not None
    assert not state.state_file(repo).exists()
    assert state.abort(repo) is None


def test_an_unreadable_state_file_is_a_clear_error(repo: Path) -> None:
    file = state.state_file(repo)
    file.parent.mkdir(parents=True)
    file.write_text("{not json")
    with pytest.raises(MergeError, match="unreadable train state"):
        state.begin(repo, "main", "0" * 40, None)
    assert file.read_text() == "{not json"  # nothing stored is lost


def test_abort_lands_verified_work_and_reports_when_it_cannot(repo: Path) -> None:
    from tests.conftest import commit_file, git

    start = git(repo, "rev-parse", "main")
    tree = git(repo, "rev-parse", "main^{tree}")
    verified = git(repo, "commit-tree", tree, "-p", start, "-m", "br merge: a")
    began = state.begin(repo, "main", start, None)
    state.note_verified(repo, state.Verified(began.train_id, "main", start, verified, ["a"]))
    state_file = state.state_file(repo)
    data = json.loads(state_file.read_text())
    data["pid"] = 999_999_999  # the train died
    state_file.write_text(json.dumps(data))
    done = state.abort(repo)
    assert done is not None and done.landed == verified and done.tasks == ["a"]
    assert git(repo, "rev-parse", "main") == verified
    assert not state.verified_file(repo).exists() and not state_file.exists()

    # the target moved since: nothing lands, the verified commit is named, all is cleaned up
    start = git(repo, "rev-parse", "main")
    verified = git(repo, "commit-tree", tree, "-p", start, "-m", "br merge: b")
    began = state.begin(repo, "main", start, None)
    state.note_verified(repo, state.Verified(began.train_id, "main", start, verified, ["b"]))
    data = json.loads(state_file.read_text())
    data["pid"] = 999_999_999
    state_file.write_text(json.dumps(data))
    moved = commit_file(repo, "other.txt", "x\n", "someone else's commit")
    done = state.abort(repo)
    assert done is not None and done.landed is None and done.problem is not None
    assert verified in done.problem and "moved" in done.problem
    assert git(repo, "rev-parse", "main") == moved
    assert not state_file.exists()


def test_abort_after_a_crash_between_landing_and_its_record_reports_it_landed(
    repo: Path,
) -> None:
    from tests.conftest import git

    start = git(repo, "rev-parse", "main")
    tree = git(repo, "rev-parse", "main^{tree}")
    verified = git(repo, "commit-tree", tree, "-p", start, "-m", "br merge: a")
    began = state.begin(repo, "main", start, None)
    state.note_verified(repo, state.Verified(began.train_id, "main", start, verified, ["a"]))
    git(repo, "update-ref", "refs/heads/main", verified, start)  # landed, then the kill
    git(repo, "reset", "-q", "--hard", verified)
    data = json.loads(state.state_file(repo).read_text())
    data["pid"] = 999_999_999
    state.state_file(repo).write_text(json.dumps(data))
    done = state.abort(repo)
    assert done is not None and done.problem is None and done.landed == verified
    assert git(repo, "rev-parse", "main") == verified
