"""Many worktrees added at once from threads and processes: git 2.39 races without brgit's lock."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from brgit.gitops.worktrees import add_worktree, list_worktrees, remove_worktree


def test_concurrent_adds_and_removes_all_succeed(repo: Path, tmp_path: Path) -> None:
    root = tmp_path / "wts"

    def add(i: int) -> Path:
        return add_worktree(repo, root / f"t{i}", f"br/race/t{i}", "HEAD")

    for _ in range(3):
        with ThreadPoolExecutor(max_workers=12) as pool:
            paths = list(pool.map(add, range(12)))
        assert {p.resolve() for p in paths} <= {w.path.resolve() for w in list_worktrees(repo)}
        with ThreadPoolExecutor(max_workers=12) as pool:
            assert all(pool.map(lambda p: remove_worktree(repo, p, force=True), paths))
    assert len(list_worktrees(repo)) == 1


def test_adds_from_separate_processes(repo: Path, tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from brgit.gitops.worktrees import add_worktree\n"
        "add_worktree(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], 'HEAD')\n"
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(repo), str(tmp_path / f"p{i}"), f"br/proc/p{i}"],
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(8)
    ]
    errors = [p.communicate()[1] for p in procs if p.wait() != 0]
    assert errors == []
    assert len(list_worktrees(repo)) == 9
