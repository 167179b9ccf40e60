from __future__ import annotations

from pathlib import Path

import pytest

from brgit.errors import GitError, NotFoundError
from brgit.gitops import worktrees
from tests.conftest import commit_file, git


def test_default_root_is_inside_the_common_dir(repo: Path) -> None:
    root = worktrees.default_root(repo)
    assert root == (repo / ".git" / "brgit" / "worktrees").resolve()
    assert worktrees.default_root(repo, "trees") == repo / "trees"


def test_add_list_commit_remove(repo: Path) -> None:
    path = worktrees.default_root(repo) / "s" / "t1"
    base = git(repo, "rev-parse", "HEAD")
    worktrees.add_worktree(repo, path, "br/s/t1", base)
    listed = {w.branch: w for w in worktrees.list_worktrees(repo)}
    assert listed["br/s/t1"].path == path
    assert listed["br/s/t1"].head == base
    assert worktrees.commit_all(path, "nothing") is None
    (path / "new.txt").write_text("x\n")
    commit = worktrees.commit_all(path, "br: t1: add new")
    assert commit and git(repo, "rev-parse", "br/s/t1") == commit
    assert git(repo, "log", "-1", "--format=%s", "br/s/t1") == "br: t1: add new"
    assert worktrees.remove_worktree(repo, path, force=True)
    assert "br/s/t1" not in {w.branch for w in worktrees.list_worktrees(repo)}
    with pytest.raises(NotFoundError):
        worktrees.remove_worktree(repo, path)


def test_add_resets_leftovers(repo: Path) -> None:
    path = worktrees.default_root(repo) / "s" / "t"
    base = git(repo, "rev-parse", "HEAD")
    worktrees.add_worktree(repo, path, "br/s/t", base)
    (path / "junk.txt").write_text("partial work of a killed agent")
    worktrees.add_worktree(repo, path, "br/s/t", base)
    assert not (path / "junk.txt").exists()


def test_parse_porcelain_detached_and_prunable() -> None:
    text = (
        "worktree /r\nHEAD aaa\nbranch refs/heads/main\n\n"
        "worktree /r/x\nHEAD bbb\ndetached\nprunable gitdir file points to non-existent location\n"
    )
    main, other = worktrees.parse_porcelain(text)
    assert main.branch == "main" and other.branch is None and other.prunable


def test_prune_forgets_deleted_folder(repo: Path, tmp_path: Path) -> None:
    import shutil

    path = tmp_path / "wt"
    worktrees.add_worktree(repo, path, "br/x/y", "HEAD")
    shutil.rmtree(path)
    assert worktrees.prune(repo)
    assert [w.path for w in worktrees.list_worktrees(repo)] == [repo]


def test_merge_into_reports_conflict_and_aborts(repo: Path) -> None:
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "one")
    a = commit_file(repo, "f.txt", "one\n")
    git(repo, "checkout", "-q", "-b", "two", base)
    b = commit_file(repo, "f.txt", "two\n")
    git(repo, "checkout", "-q", "main")
    path = worktrees.default_root(repo) / "s" / "m"
    worktrees.add_worktree(repo, path, "br/s/m", a)
    reason = worktrees.merge_into(path, [b], "merge deps")
    assert reason and "f.txt" in reason
    assert git(path, "status", "--porcelain") == ""


def test_commit_failure_is_a_git_error(repo: Path) -> None:
    path = worktrees.default_root(repo) / "s" / "h"
    worktrees.add_worktree(repo, path, "br/s/h", "HEAD")
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho blocked by hook >&2\nexit 1\n")
    hook.chmod(0o755)
    (path / "a.txt").write_text("a")
    with pytest.raises(GitError, match="blocked by hook"):
        worktrees.commit_all(path, "x")
