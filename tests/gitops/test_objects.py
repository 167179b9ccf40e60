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


def test_a_bare_shared_repository_key_means_group_and_is_left_to_git(repo: Path) -> None:
    with (repo / ".git" / "config").open("a") as config:
        config.write("[core]\n\tsharedRepository\n")  # no value: true, that is "group"
    assert _writer(repo) is None


def test_config_that_is_not_utf8_does_not_break_the_train(repo: Path) -> None:
    with (repo / ".git" / "config").open("ab") as config:
        config.write(b"[notes]\n\tnote = caf\xe9\n")  # latin-1 bytes somewhere in the config
    assert _writer(repo) is not None
    git(repo, "config", "user.name", "x")
    with (repo / ".git" / "config").open("ab") as config:
        config.write(b"[user]\n\tname = Ren\xe9\n")  # an identity git writes byte for byte
    assert _writer(repo) is None


def test_messages_git_would_rewrite_are_left_to_git(repo: Path) -> None:
    writer = _writer(repo)
    assert writer is not None
    assert writer.accepts("br merge: t1: émoji 😀\n\nBranch: b")
    for odd in ("title \ufdd0", "nonchar \uffff", "plane one \U0001fffe", "nul \0"):
        assert not writer.accepts(odd)


def test_an_object_already_there_is_freshened_and_new_ones_follow_the_umask(repo: Path) -> None:
    import os

    writer = _writer(repo)
    assert writer is not None
    oid = writer.write(b"blob", b"hello\n")
    stored = repo / ".git" / "objects" / oid[:2] / oid[2:]
    assert git(repo, "cat-file", "-p", oid) == "hello"
    os.utime(stored, (1_000_000, 1_000_000))
    assert writer.write(b"blob", b"hello\n") == oid
    assert stored.stat().st_mtime > 1_000_000  # touched, so a concurrent gc keeps it
    old = os.umask(0o077)
    try:
        fresh = writer.write(b"blob", b"private\n")
    finally:
        os.umask(old)
    assert (repo / ".git" / "objects" / fresh[:2] / fresh[2:]).stat().st_mode & 0o777 == 0o400
    assert git(repo, "cat-file", "-p", fresh) == "private"
