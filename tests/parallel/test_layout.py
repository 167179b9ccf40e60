"""Where worktrees go: beside the repository by default; inside .git only for agents that can
write there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from brgit.core.session import load_session
from tests.conftest import git

PLAN = '[[tasks]]\nid = "t"\nrun = "echo t > t.txt"\n'


def _config(repo: Path, text: str) -> None:
    (repo / ".buildrunner").mkdir(exist_ok=True)
    (repo / ".buildrunner" / "config.toml").write_text(text)


def test_default_worktrees_live_beside_the_repository(repo: Path, tmp_path: Path, br: Any) -> None:
    _config(repo, '[parallel]\nkeep_worktrees = "all"\n')  # to look inside after the task
    plan = tmp_path / "p.toml"
    plan.write_text(PLAN)
    assert br("parallel", "start", "s", "--plan", str(plan), cwd=repo).code == 0
    worktree = Path(load_session("s", repo).tasks["t"].worktree or "")
    assert worktree == tmp_path / "repo.brgit" / "s" / "t"
    assert (worktree / "t.txt").read_text() == "t\n"
    assert ".git" not in worktree.parts
    # nothing nested in the checkout for pytest, ruff or scanners to walk into
    assert not list(repo.rglob("t.txt"))
    assert git(repo, "status", "--porcelain") == "?? .buildrunner/"  # brgit's own store only
    (repo / ".buildrunner" / "config.toml").unlink()  # the default: removed once completed
    assert br("parallel", "start", "d", "--plan", str(plan), cwd=repo).code == 0
    assert load_session("d", repo).tasks["t"].worktree is None
    assert not (tmp_path / "repo.brgit" / "d" / "t").exists()
    assert git(repo, "show", "br/d/t:t.txt") == "t"  # the branch keeps the work


def test_a_root_inside_git_is_refused_for_agent_clis(repo: Path, tmp_path: Path, br: Any) -> None:
    _config(
        repo,
        '[parallel]\nworktree_root = ".git/brgit/worktrees"\n'
        '[agent]\ncommand = "true {prompt}"\noutput_format = "plain"\n',
    )
    plan = tmp_path / "p.toml"
    plan.write_text(PLAN)
    refused = br("parallel", "start", "s", "--plan", str(plan), "--agent", "command", cwd=repo)
    assert refused.code == 2 and refused.err.count("\n") == 1, refused.err
    assert "inside .git" in refused.err and "'command'" in refused.err
    assert not (repo / ".git" / "brgit" / "worktrees").exists()


def test_a_root_inside_git_is_a_warning_for_the_shell_agent(
    repo: Path, tmp_path: Path, br: Any, caplog: pytest.LogCaptureFixture
) -> None:
    _config(repo, '[parallel]\nworktree_root = ".git/brgit/worktrees"\nkeep_worktrees = "all"\n')
    plan = tmp_path / "p.toml"
    plan.write_text(PLAN)
    result = br("parallel", "start", "s", "--plan", str(plan), cwd=repo)
    assert result.code == 0, result.err
    (warning,) = [r.getMessage() for r in caplog.records if "worktree_root" in r.getMessage()]
    assert warning.startswith("br: warning: parallel.worktree_root '.git/brgit/worktrees'")
    assert (repo / ".git" / "brgit" / "worktrees" / "s" / "t" / "t.txt").exists()
    spawned = br("worktree", "spawn", "w", cwd=repo)
    assert spawned.code == 0 and "br: warning: parallel.worktree_root" in spawned.err


def test_completed_worktrees_go_failed_ones_stay_and_the_train_merges(
    repo: Path, tmp_path: Path, br: Any
) -> None:
    plan = tmp_path / "p.toml"
    plan.write_text(
        '[[tasks]]\nid = "ok"\nrun = "echo ok > ok.txt"\n'
        '[[tasks]]\nid = "bad"\nrun = "echo bad > bad.txt; exit 3"\n'
    )
    assert br("parallel", "start", "s", "--plan", str(plan), cwd=repo).code == 1
    tasks = load_session("s", repo).tasks
    assert tasks["ok"].worktree is None and not (tmp_path / "repo.brgit" / "s" / "ok").exists()
    kept = Path(tasks["bad"].worktree or "")
    assert (kept / "bad.txt").read_text() == "bad\n"  # what the failed task left, to look at
    assert "repo.brgit/s/ok" not in git(repo, "worktree", "list")
    merged = br("merge", "--session", "s", "--target", "main", cwd=repo)
    assert merged.code == 0, merged.err
    assert git(repo, "show", "main:ok.txt") == "ok"
    cleaned = br("parallel", "cleanup", "s", "--format", "json", cwd=repo)
    assert cleaned.code == 0 and not kept.exists()
