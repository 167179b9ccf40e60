"""The one atomic-write helper and the one file-lock helper (brgit.files)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from brgit.files import atomic_write, locked, replacing


def test_a_write_cut_short_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    atomic_write(target, "old\n")
    with pytest.raises(RuntimeError), replacing(target) as handle:
        handle.write(b"half of the new")
        raise RuntimeError("disk full")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_a_finished_write_replaces_the_file_with_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "hook"
    atomic_write(target, "#!/bin/sh\n", mode=0o755)
    assert target.read_text() == "#!/bin/sh\n"
    assert target.stat().st_mode & 0o777 == 0o755


HOLDER = """
import sys, time
from pathlib import Path
from brgit.files import locked
with locked(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(30)
"""


def test_a_lock_held_by_another_process_is_not_taken_without_waiting(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(lock)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with locked(lock, wait=False) as got:
            assert got is False
    finally:
        holder.kill()
        holder.wait()
    with locked(lock, wait=False) as got:  # released when its holder died
        assert got is True
