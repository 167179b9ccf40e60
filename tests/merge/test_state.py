"""One train at a time: the state file, a live train, a dead one, and `--abort`."""

from __future__ import annotations

import json
import subprocess
import sys
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
