from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from brgit.errors import BuildRunnerError, NotFoundError
from brgit.gitops import hooks
from tests.conftest import git
from tests.security.samples import tokens


def _commit(repo: Path, name: str, text: str) -> subprocess.CompletedProcess[str]:
    (repo / name).parent.mkdir(parents=True, exist_ok=True)
    (repo / name).write_text(text)
    git(repo, "add", name)
    return subprocess.run(["git", "commit", "-m", f"add {name}"], cwd=repo,
                          capture_output=True, text=True, check=False)


def test_real_commit_with_a_secret_is_blocked_and_a_clean_one_passes(repo: Path) -> None:
    hooks.install(repo)
    key = tokens()["anthropic_key"]
    blocked = _commit(repo, "settings.py", f"KEY = '{key}'\n")
    assert blocked.returncode != 0
    output = blocked.stdout + blocked.stderr
    assert "anthropic_key" in output and key[:4] + "..." + key[-4:] in output
    assert key not in output
    assert git(repo, "log", "--oneline").count("\n") == 0
    passed = _commit(repo, "settings.py", "import os\nKEY = os.environ['ANTHROPIC_API_KEY']\n")
    assert passed.returncode == 0, passed.stdout + passed.stderr


def test_status_install_uninstall(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    assert "not installed" in br("security", "hooks", "status", cwd=repo).out
    result = br("security", "hooks", "install", cwd=repo)
    assert result.code == 0 and ".git/hooks/pre-commit" in result.out
    state = hooks.status(repo)
    assert state.installed and state.executable and state.permissions == "-rwxr-xr-x"
    assert br("security", "hooks", "install", cwd=repo).code == 0  # idempotent
    assert br("security", "hooks", "uninstall", cwd=repo).code == 0
    assert not (repo / ".git" / "hooks" / "pre-commit").exists()
    assert br("security", "hooks", "uninstall", cwd=repo).code == 6


def test_existing_hook_is_refused_then_chained_with_force(repo: Path, br) -> None:  # type: ignore[no-untyped-def]
    marker = repo / "old-hook-ran"
    old = repo / ".git" / "hooks" / "pre-commit"
    old.write_text(f"#!/bin/sh\ntouch '{marker}'\nexit 0\n")
    old.chmod(0o755)
    refused = br("security", "hooks", "install", cwd=repo)
    assert refused.code == 1 and "--force" in refused.err
    assert "touch" in old.read_text()
    assert br("security", "hooks", "install", "--force", cwd=repo).code == 0
    assert hooks.status(repo).chained
    assert _commit(repo, "a.py", f"T = '{tokens()['github_token']}'\n").returncode != 0
    assert marker.exists()
    marker.unlink()
    assert _commit(repo, "a.py", "T = 1\n").returncode == 0 and marker.exists()
    hooks.uninstall(repo)
    assert "touch" in old.read_text() and not hooks.status(repo).chained


def test_chained_hook_failure_blocks_the_commit(repo: Path) -> None:
    old = repo / ".git" / "hooks" / "pre-commit"
    old.write_text("#!/bin/sh\necho 'lint failed'\nexit 7\n")
    old.chmod(0o755)
    hooks.install(repo, force=True)
    result = _commit(repo, "clean.py", "x = 1\n")
    assert result.returncode != 0 and "lint failed" in result.stdout + result.stderr


def test_core_hooks_path_is_honoured(repo: Path) -> None:
    git(repo, "config", "core.hooksPath", ".githooks")
    state = hooks.install(repo)
    assert Path(state.path) == repo / ".githooks" / "pre-commit"
    assert state.hooks_path_config == ".githooks"
    assert _commit(repo, "k.py", f"K = '{tokens()['npm_token']}'\n").returncode != 0


def test_linked_worktree_installs_into_the_shared_hooks(repo: Path, tmp_path: Path) -> None:
    worktree = tmp_path / "wt"
    git(repo, "worktree", "add", "-q", "-b", "feature", str(worktree))
    state = hooks.install(worktree)
    assert Path(state.path).resolve() == (repo / ".git" / "hooks" / "pre-commit").resolve()
    assert _commit(worktree, "k.py", f"K = '{tokens()['npm_token']}'\n").returncode != 0
    git(worktree, "reset", "-q")
    assert _commit(worktree, "ok.py", "x = 1\n").returncode == 0


def test_enforce_hooks_false_reports_without_blocking(repo: Path) -> None:
    config = repo / ".buildrunner" / "config.toml"
    config.parent.mkdir()
    config.write_text("[security]\nenforce_hooks = false\n")
    hooks.install(repo)
    result = _commit(repo, "k.py", f"K = '{tokens()['npm_token']}'\n")
    assert result.returncode == 0 and "npm_token" in result.stdout + result.stderr


def test_foreign_hook_is_never_removed(repo: Path) -> None:
    old = repo / ".git" / "hooks" / "pre-commit"
    old.write_text("#!/bin/sh\nexit 0\n")
    with pytest.raises(BuildRunnerError, match="not brgit's"):
        hooks.uninstall(repo)
    assert old.exists()


def test_outside_git_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError):
        hooks.status(tmp_path)


def test_hook_falls_back_to_br_on_path(repo: Path, tmp_path: Path) -> None:
    hooks.install(repo)
    hook = repo / ".git" / "hooks" / "pre-commit"
    hook.write_text(hook.read_text().replace(f'BR_PYTHON="{sys.executable}"', 'BR_PYTHON="/nonexistent/python"'))
    env = {**os.environ, "PATH": "/usr/bin:/bin"}
    (repo / "x.py").write_text("x = 1\n")
    git(repo, "add", "x.py")
    result = subprocess.run(["git", "commit", "-m", "x"], cwd=repo, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 1 and "reinstall" in result.stderr
