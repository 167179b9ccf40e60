"""In-process commit objects: the same bytes as `git commit-tree`, and git where they can't be."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from brgit.gitops.objects import CommitWriter
from tests.conftest import commit_file, git

FIXED = {"GIT_AUTHOR_DATE": "1700000000 +0200", "GIT_COMMITTER_DATE": "1700000100 -0130"}


def _writer(repo: Path) -> CommitWriter | None:
    return CommitWriter.open(repo, repo / ".git")


@pytest.fixture
def fixed_dates(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FIXED.items():
        monkeypatch.setenv(name, value)


@pytest.mark.usefixtures("fixed_dates")
@pytest.mark.parametrize(
    "message", ["one line", "subject\n\nbody line\nBranch: x", "ünïcödé ✓", "trailing\n", "two\n\n"]
)
def test_a_commit_is_byte_for_byte_what_git_commit_tree_writes(repo: Path, message: str) -> None:
    second = commit_file(repo, "b.txt", "b\n")
    first = git(repo, "rev-parse", "HEAD~1")
    tree = git(repo, "rev-parse", "HEAD^{tree}")
    writer = _writer(repo)
    assert writer is not None
    ours = writer.commit(tree, [second, first], message)
    theirs = git(repo, "commit-tree", tree, "-p", second, "-p", first, "-m", message)
    assert ours == theirs
    assert git(repo, "cat-file", "-t", ours) == "commit"
    assert git(repo, "fsck", "--strict", "--no-progress", "--no-dangling") == ""


def test_identity_comes_from_the_repository_config(repo: Path) -> None:
    git(repo, "config", "user.name", "Repo Person")
    git(repo, "config", "user.email", "person@example.invalid")
    writer = _writer(repo)
    assert writer is not None
    tree = git(repo, "rev-parse", "HEAD^{tree}")
    oid = writer.commit(tree, [git(repo, "rev-parse", "HEAD")], "x")
    assert git(repo, "show", "-s", "--format=%an <%ae>|%cn", oid) == (
        "Repo Person <person@example.invalid>|Repo Person"
    )


def test_the_current_time_is_written_in_the_local_zone_as_git_does(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    try:
        writer = _writer(repo)
        assert writer is not None
        tree = git(repo, "rev-parse", "HEAD^{tree}")
        before = int(time.time())
        oid = writer.commit(tree, [], "now")
        stamp, zone = git(repo, "show", "-s", "--format=%at %ai", oid).split()[::3]
        by_git = git(repo, "commit-tree", tree, "-m", "now")
        assert zone == git(repo, "show", "-s", "--format=%ai", by_git).split()[2] == "+0530"
        assert before <= int(stamp) <= int(time.time())
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("commit.gpgSign", "true"),
        ("i18n.commitEncoding", "ISO-8859-1"),
        ("core.sharedRepository", "group"),
    ],
)
def test_config_that_changes_the_commit_hands_it_to_git(repo: Path, key: str, value: str) -> None:
    git(repo, "config", key, value)
    assert _writer(repo) is None


def test_a_sha256_repository_is_left_to_git(tmp_path: Path) -> None:
    folder = tmp_path / "sha256"
    made = subprocess.run(
        ["git", "init", "-q", "--object-format=sha256", str(folder)], capture_output=True
    )
    if made.returncode != 0:
        pytest.skip("this git cannot make sha256 repositories")
    assert CommitWriter.open(folder, folder / ".git") is None


def test_a_relocated_object_directory_is_left_to_git(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GIT_OBJECT_DIRECTORY", str(repo / ".git" / "objects"))
    assert _writer(repo) is None


def test_no_identity_is_left_to_git_which_says_so(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(repo, "config", "user.useConfigOnly", "true")
    (Path.home() / ".gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    for name in (
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "EMAIL",
    ):
        monkeypatch.delenv(name, raising=False)
    assert _writer(repo) is None
