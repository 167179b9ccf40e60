"""Data safety: brgit deletes only folders it created and recorded, never what git does not know.

Each test plants something that is not brgit's where a deletion path used to reach it (a
sibling project, the repository's own `.git`, a user's worktree, a tampered record) and checks
that it survives and is reported.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from brgit.gitops import owned
from tests.conftest import git


def _sibling(tmp_path: Path) -> Path:
    sibling = tmp_path / "sibling"
    (sibling / "src").mkdir(parents=True)
    (sibling / "src" / "app.py").write_text("print('keep me')\n")
    git(sibling, "init", "-q", "-b", "main")
    return sibling


def _configure(repo: Path, text: str) -> None:
    (repo / ".buildrunner").mkdir(exist_ok=True)
    (repo / ".buildrunner" / "config.toml").write_text(text)


def _intact(repo: Path, sibling: Path) -> None:
    assert (sibling / "src" / "app.py").read_text() == "print('keep me')\n"
    assert (sibling / ".git").is_dir()
    assert (repo / ".git").is_dir() and (repo / "README.md").exists()
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD") == "main"


def test_prune_with_root_dotdot_keeps_siblings_and_git(
    repo: Path, tmp_path: Path, br: Any
) -> None:
    sibling = _sibling(tmp_path)
    _configure(repo, '[parallel]\nworktree_root = ".."\nkeep_worktrees = "all"\n')
    plan = tmp_path / "p.toml"
    plan.write_text('[[tasks]]\nid = "t"\nrun = "echo t > t.txt"\n')
    assert br("parallel", "start", "s", "--plan", str(plan), cwd=repo).code == 0
    spawned = json.loads(br("worktree", "spawn", "w", "--format", "json", cwd=repo).out)
    assert Path(spawned["path"]) == tmp_path / "manual" / "w"

    first = br("worktree", "prune", "--format", "json", cwd=repo)
    assert first.code == 0, first.err
    assert json.loads(first.out)["removed_folders"] == []
    _intact(repo, sibling)
    assert (tmp_path / "s" / "t" / "t.txt").exists() and (tmp_path / "manual" / "w").is_dir()

    entry = owned.lookup(repo, tmp_path / "manual" / "w")
    assert entry is not None
    shutil.rmtree(entry.gitdir)  # git forgets the worktree: now it is a leftover of brgit's
    second = json.loads(br("worktree", "prune", "--format", "json", cwd=repo).out)
    assert second["removed_folders"] == [str(tmp_path / "manual" / "w")]
    assert not (tmp_path / "manual" / "w").exists()
    _intact(repo, sibling)
    assert (tmp_path / "s" / "t" / "t.txt").exists()  # a live worktree stays


def test_cleanup_leaves_a_recorded_path_brgit_did_not_create(
    repo: Path, tmp_path: Path, br: Any
) -> None:
    sibling = _sibling(tmp_path)
    plan = tmp_path / "p.toml"
    plan.write_text('[[tasks]]\nid = "t"\nrun = "true"\n')
    assert br("parallel", "start", "s", "--plan", str(plan), cwd=repo).code == 0
    record_file = repo / ".buildrunner" / "sessions" / "s" / "session.json"
    record = json.loads(record_file.read_text())
    record["tasks"]["t"]["worktree"] = str(sibling)  # a damaged or hostile record
    record_file.write_text(json.dumps(record))
    done = br("parallel", "cleanup", "--all", "--format", "json", cwd=repo)
    assert done.code == 0, done.err
    (entry,) = json.loads(done.out)
    assert entry["worktrees"] == 0
    assert entry["left_alone"] == [f"{sibling} was not created by brgit; left alone"]
    _intact(repo, sibling)


def test_worktree_remove_refuses_a_worktree_brgit_did_not_create(
    repo: Path, tmp_path: Path, br: Any
) -> None:
    theirs = tmp_path / "theirs"
    git(repo, "worktree", "add", "-q", "-b", "theirs", str(theirs))
    (theirs / "wip.txt").write_text("unsaved")
    refused = br("worktree", "remove", str(theirs), "--force", "--delete-branch", cwd=repo)
    assert refused.code == 6 and "brgit removes only its own" in refused.err
    assert (theirs / "wip.txt").exists() and git(repo, "branch", "--list", "theirs")
    listed = json.loads(br("worktree", "list", "--format", "json", cwd=repo).out)
    assert [w["brgit"] for w in listed] == [False, False]


def test_spawn_with_an_option_as_branch_never_touches_the_users_branch(
    repo: Path, br: Any
) -> None:
    for hostile in ("-m", "--delete", "a..b", "x.lock"):
        result = br("worktree", "spawn", "x", f"--branch={hostile}", cwd=repo)
        assert result.code == 2 and "branch name" in result.err, result.err
        assert result.err.count("\n") == 1
    assert git(repo, "branch", "--format=%(refname:short)") == "main"
    base = br("worktree", "spawn", "y", "--base=--all", cwd=repo)
    assert base.code == 6 and "no such commit" in base.err
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_merge_scratch_removal_stays_in_its_own_folder(repo: Path, tmp_path: Path) -> None:
    from brgit.gitops.merge import remove_scratch

    sibling = _sibling(tmp_path)
    remove_scratch(repo, sibling)  # e.g. a train record naming another folder
    _intact(repo, sibling)
