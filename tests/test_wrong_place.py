"""Commands run in the wrong place say so in one line with the documented exit code, and
leave nothing behind: outside a git repository, in a repository with no commits, and with
no API key."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import git

REPO_COMMANDS = [
    ["init"],
    ["telemetry", "summary"],
    ["telemetry", "events"],
    ["routing", "costs"],
    ["db", "status"],
    ["parallel", "list"],
    ["parallel", "status", "s"],
    ["parallel", "cleanup"],
    ["worktree", "list"],
    ["worktree", "prune"],
    ["merge", "some-branch"],
    ["merge", "--session", "s"],
    ["run", "plan.toml"],
    ["security", "check"],
    ["security", "hooks", "status"],
]
FOLDER_COMMANDS = [["routing", "models"], ["routing", "estimate", "add a flag"], ["doctor"]]


@pytest.fixture
def plain(tmp_path: Path) -> Path:
    folder = tmp_path / "not-a-repo"
    folder.mkdir()
    return folder


@pytest.mark.parametrize("args", REPO_COMMANDS, ids=" ".join)
def test_repository_commands_outside_git_say_so(br, plain: Path, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = br(*args, cwd=plain)
    assert result.code == 6, result.out + result.err
    assert result.err == f"br: error: not a git repository: {plain}\n" or (
        result.err.startswith(f"br: error: not a git repository: {plain} ")
        and result.err.count("\n") == 1
    )
    assert list(plain.iterdir()) == []  # no store made in a folder that is not a repository


@pytest.mark.parametrize("args", FOLDER_COMMANDS, ids=" ".join)
def test_folder_commands_outside_git_work_and_write_nothing(br, plain: Path, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = br(*args, cwd=plain)
    assert result.code in (0, 1), result.out + result.err  # doctor: 1 when no agent CLI is usable
    assert "not a git repository" not in result.err
    assert list(plain.iterdir()) == []


def test_security_scan_of_a_plain_folder_works(br, plain: Path) -> None:  # type: ignore[no-untyped-def]
    (plain / "app.py").write_text("print('hello')\n")
    result = br("security", "scan", ".", cwd=plain)
    assert result.code == 0, result.out + result.err
    assert sorted(p.name for p in plain.iterdir()) == ["app.py"]


@pytest.fixture
def empty_repo(tmp_path: Path) -> Path:
    root = tmp_path / "empty"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "plan.toml").write_text(
        '[plan]\nname = "p"\n[[tasks]]\nid = "t"\ntitle = "x"\nrun = "echo hi > a.txt"\n'
    )
    return root


@pytest.mark.parametrize(
    "args",
    [
        ["run", "plan.toml"],
        ["parallel", "start", "s", "--plan", "plan.toml"],
        ["merge", "some-branch", "--target", "main"],
        ["worktree", "spawn", "x"],
    ],
    ids=" ".join,
)
def test_a_repository_with_no_commits_is_named_as_such(br, empty_repo: Path, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = br(*args, cwd=empty_repo)
    assert result.code == 6, result.out + result.err
    assert result.err.startswith(f"br: error: the repository at {empty_repo} has no commits yet")
    assert "no such commit or branch" not in result.err
    assert result.err.count("\n") == 1


def test_a_missing_name_in_a_repository_with_commits_is_still_named(br, repo: Path) -> None:  # type: ignore[no-untyped-def]
    result = br("merge", "no-such-branch", "--target", "main", cwd=repo)
    assert result.code == 6
    assert "no such commit or branch: no-such-branch" in result.err


def test_the_missing_key_message_names_the_repositorys_env_file(
    br, repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    (repo / "plan.toml").write_text('[plan]\nname = "p"\n[[tasks]]\nid = "t"\ntitle = "x"\n')
    result = br("run", "plan.toml", "--agent", "claude", cwd=repo)
    assert result.code == 2, result.out + result.err
    assert ".env.example" not in result.err  # exists only in brgit's own repository
    assert f"ANTHROPIC_API_KEY=<your key> to {repo / '.env'}" in result.err
