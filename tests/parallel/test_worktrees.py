from __future__ import annotations

from pathlib import Path

import pytest

from brgit.errors import GitError, NotFoundError, UsageError
from brgit.gitops import owned, worktrees
from tests.conftest import commit_file, git


def test_default_root_is_beside_the_repository_outside_git(repo: Path, tmp_path: Path) -> None:
    root = worktrees.default_root(repo)
    assert root == repo.resolve().parent / "repo.brgit"
    assert not worktrees.inside_git_dir(repo, root)
    assert worktrees.default_root(repo, "trees") == repo.resolve() / "trees"
    assert worktrees.inside_git_dir(repo, worktrees.default_root(repo, ".git/brgit"))
    linked = tmp_path / "linked"
    git(repo, "worktree", "add", "-q", str(linked))
    assert worktrees.default_root(linked) == root  # from any checkout: beside the main one


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


def test_add_refuses_a_folder_brgit_did_not_create(repo: Path) -> None:
    path = worktrees.default_root(repo) / "s" / "mine"
    path.mkdir(parents=True)
    (path / "notes.txt").write_text("the user's own")
    with pytest.raises(GitError, match="not created by brgit"):
        worktrees.add_worktree(repo, path, "br/s/mine", "HEAD")
    assert (path / "notes.txt").read_text() == "the user's own"
    empty = path.parent / "empty"
    empty.mkdir()
    worktrees.add_worktree(repo, empty, "br/s/empty", "HEAD")  # an empty folder is reused
    assert (empty / "README.md").exists()


def test_remove_refuses_a_worktree_brgit_did_not_create(repo: Path, tmp_path: Path) -> None:
    theirs = tmp_path / "theirs"
    git(repo, "worktree", "add", "-q", "-b", "theirs", str(theirs))
    with pytest.raises(NotFoundError, match="brgit removes only its own"):
        worktrees.remove_worktree(repo, theirs, force=True)
    assert not worktrees.remove_worktree(repo, theirs, force=True, missing_ok=True)
    assert (theirs / "README.md").exists()
    assert worktrees.release(repo, theirs) == f"{theirs} was not created by brgit; left alone"


def test_a_replaced_folder_is_left_alone(repo: Path) -> None:
    import shutil

    path = worktrees.default_root(repo) / "s" / "r"
    worktrees.add_worktree(repo, path, "br/s/r", "HEAD")
    shutil.rmtree(path)
    path.mkdir()
    (path / "precious.txt").write_text("someone else's")
    with pytest.raises(GitError, match=r"left alone: its \.git file is gone"):
        worktrees.remove_worktree(repo, path, force=True)
    assert (path / "precious.txt").exists()
    assert "left alone" in (worktrees.release(repo, path) or "")


def test_a_recorded_leftover_git_forgot_is_swept(repo: Path) -> None:
    import shutil

    path = worktrees.default_root(repo) / "s" / "gone"
    worktrees.add_worktree(repo, path, "br/s/gone", "HEAD")
    entry = owned.lookup(repo, path)
    assert entry is not None and owned.known_to_git(entry)
    shutil.rmtree(entry.gitdir)  # git's admin folder lost: the folder is unknown to git
    worktrees.prune(repo)
    done = owned.sweep(repo)
    assert done.removed == [str(path.resolve())] and not path.exists()
    assert owned.lookup(repo, path) is None


@pytest.mark.parametrize("branch", ["-m", "a..b", "x.lock", "x.", "x\n", "", "a b", "HEAD", "-"])
def test_hostile_branch_names_never_reach_git(repo: Path, branch: str) -> None:
    path = worktrees.default_root(repo) / "s" / "h"
    with pytest.raises(UsageError, match="branch name"):
        worktrees.add_worktree(repo, path, branch, "HEAD")
    assert git(repo, "branch", "--format=%(refname:short)") == "main"
    assert not path.exists()


def test_bookkeeping_never_lists_the_other_worktrees(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Adding or removing one worktree costs the same with ten or a thousand others: nothing
    reads `git worktree list` or resolves the other worktrees' paths."""

    def refuse(_repo: Path) -> list[worktrees.Worktree]:
        raise AssertionError("listed every worktree")

    monkeypatch.setattr(worktrees, "list_worktrees", refuse)
    path = worktrees.default_root(repo) / "s" / "o1"
    worktrees.add_worktree(repo, path, "br/s/o1", "HEAD")
    (path / "junk").write_text("x")
    worktrees.add_worktree(repo, path, "br/s/o1", "HEAD")  # reset: replaces its own leftover
    assert not (path / "junk").exists()
    assert worktrees.remove_worktree(repo, path, force=True)


def test_checkout_runs_outside_the_admin_lock(repo: Path) -> None:
    """The post-checkout hook (run by the checkout) finds the worktree admin lock free, so
    other worktrees are added while this one checks out its files."""
    import sys

    probe = repo / ".git" / "lock-probe"
    lock = repo / ".git" / "brgit-worktrees.lock"
    hook = repo / ".git" / "hooks" / "post-checkout"
    hook.write_text(
        f"#!{sys.executable}\n"
        "import fcntl, os\n"
        f"fd = os.open({str(lock)!r}, os.O_RDWR | os.O_CREAT)\n"
        "try:\n"
        "    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
        "    state = 'free'\n"
        "except OSError:\n"
        "    state = 'held'\n"
        f"open({str(probe)!r}, 'a').write(state + '\\n')\n"
    )
    hook.chmod(0o755)
    worktrees.add_worktree(repo, worktrees.default_root(repo) / "s" / "c", "br/s/c", "HEAD")
    assert probe.read_text() == "free\n"


def test_a_worktree_added_just_before_a_kill_is_still_brgits(repo: Path) -> None:
    """The intent is recorded before `git worktree add`; a kill before the second record
    leaves a worktree that the next reset still recognises (its .git names it back)."""
    path = worktrees.default_root(repo) / "s" / "k"
    path.parent.mkdir(parents=True)
    owned.record(repo, path, "br/s/k")  # what a killed add leaves: the intent ...
    git(repo, "worktree", "add", "-q", "-b", "br/s/k", str(path))  # ... and git's worktree
    entry = owned.lookup(repo, path)
    assert entry is not None and entry.gitdir and owned.known_to_git(entry)
    worktrees.add_worktree(repo, path, "br/s/k", "HEAD")  # reset replaces it
    assert (path / "README.md").exists()
    stranger = worktrees.default_root(repo) / "s" / "x"
    git(repo, "worktree", "add", "-q", "-b", "x", str(stranger))  # no intent recorded
    with pytest.raises(GitError, match="not created by brgit"):
        worktrees.add_worktree(repo, stranger, "br/s/x", "HEAD")
    assert (stranger / "README.md").exists()


def test_sweep_reports_a_replaced_folder_and_strangers(repo: Path) -> None:
    import shutil

    root = worktrees.default_root(repo)
    path = root / "s" / "r"
    worktrees.add_worktree(repo, path, "br/s/r", "HEAD")
    entry = owned.lookup(repo, path)
    assert entry is not None
    shutil.rmtree(path)
    path.mkdir()
    (path / "precious.txt").write_text("someone else's")
    (root / "s" / "mine").mkdir()
    worktrees.prune(repo)  # git forgets the worktree whose .git file went away
    done = owned.sweep(repo, root)
    assert done.removed == [] and (path / "precious.txt").exists()
    assert done.left == [
        (str(path.resolve()), "its .git file is gone"),
        (str(root / "s" / "mine"), "not created by brgit"),
    ]
