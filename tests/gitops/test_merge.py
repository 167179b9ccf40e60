"""The train's git plumbing: git writes every object and ref, whatever the repository's format."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from brgit.errors import MergeError
from brgit.gitops import merge as gm
from brgit.merge import order
from brgit.merge.model import TrainOptions
from brgit.merge.train import run_train
from tests.conftest import commit_file, git
from tests.merge.conftest import make_branch


def test_a_train_leaves_a_sound_repository(repo: Path) -> None:
    names = [f"w{i}" for i in range(4)]
    for i, name in enumerate(names):
        make_branch(repo, name, {f"src/w{i}.py": f"w = {i}\n"})
    make_branch(repo, "edits", {"README.md": "changed\n"})
    make_branch(repo, "clash", {"README.md": "other\n"})
    items = order.from_branches([*names, "edits", "clash"], repo)
    result = run_train(repo, items, TrainOptions("main", verify="test -f README.md", speculate=2))
    assert [m.task_id for m in result.merged] == [*names, "edits"]
    assert [e.task_id for e in result.ejected] == ["clash"]
    assert git(repo, "fsck", "--strict", "--no-progress", "--no-dangling") == ""
    assert git(repo, "status", "--porcelain", "--untracked-files=no") == ""


@pytest.mark.parametrize("strategy", ["merge", "squash", "rebase"])
def test_a_sha256_repository_is_merged_by_git_itself(tmp_path: Path, strategy: str) -> None:
    repo = tmp_path / "sha256"
    repo.mkdir()
    init = subprocess.run(
        ["git", "init", "-q", "-b", "main", "--object-format=sha256"], cwd=repo, check=False
    )
    if init.returncode != 0:
        pytest.skip("this git cannot make SHA-256 repositories")
    commit_file(repo, "README.md", "# sample\n", "initial commit")
    make_branch(repo, "one", {"one.txt": "1\n"})
    make_branch(repo, "two", {"two.txt": "2\n"})
    opts = TrainOptions("main", strategy=strategy, verify="test -f README.md")
    result = run_train(repo, order.from_branches(["one", "two"], repo), opts)
    assert len(result.final_commit) == 64 == len(git(repo, "rev-parse", "main"))
    assert (repo / "one.txt").exists() and (repo / "two.txt").exists()
    assert git(repo, "fsck", "--strict", "--no-progress", "--no-dangling") == ""


def test_merges_come_from_merge_tree_and_commit_tree(repo: Path) -> None:
    tip = make_branch(repo, "a", {"a.txt": "a\n"})
    base = git(repo, "rev-parse", "main")
    merger = gm.Merger(repo)
    step = merger.merge(base, tip, "br merge: a")
    assert step.ok and git(repo, "rev-parse", f"{step.commit}^@").split() == [base, tip]
    assert merger.merge(step.commit, tip, "again").commit == step.commit  # nothing new
    squashed = merger.merge(base, tip, "squash a", squash=True)
    assert git(repo, "rev-parse", f"{squashed.commit}^@").split() == [base]
    assert git(repo, "rev-parse", "main") == base  # no ref moved


def test_advance_is_a_compare_and_swap(repo: Path) -> None:
    git(repo, "branch", "target")
    old = git(repo, "rev-parse", "target")
    new = commit_file(repo, "x.txt", "x\n")
    with pytest.raises(MergeError, match="moved during the train"):
        gm.advance(repo, "target", new, "0" * 40, None)
    assert git(repo, "rev-parse", "target") == old
    gm.advance(repo, "target", new, old, None)
    assert git(repo, "rev-parse", "target") == new
