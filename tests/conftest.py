"""Shared fixtures: an isolated HOME and git config, throwaway repositories, and `br` runners."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from brgit.cli.main import main as br_main

REPO_ROOT = Path(__file__).resolve().parents[1]



def ctrl_c_default() -> None:
    """`preexec_fn` of a child that a test interrupts with SIGINT. A shell that starts the
    tests in the background (`cmd &` without job control) leaves SIGINT ignored, children
    inherit that, and Python then keeps ignoring it: the child must get the default back."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)

@pytest.fixture(autouse=True)
def isolated_env(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test may touch the real home, global git config, API keys or BR_* settings."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = brgit tests\n\temail = tests@example.invalid\n"
        "[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
        "[commit]\n\tgpgsign = false\n"
    )
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    for var in list(os.environ):
        if var.startswith(("BR_", "ANTHROPIC_", "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX")):
            monkeypatch.delenv(var, raising=False)
    return home


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def commit_file(repo: Path, name: str, text: str, message: str | None = None) -> str:
    path = repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", message or f"add {name}")
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository on branch main with one commit."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    commit_file(root, "README.md", "# sample\n", "initial commit")
    return root


@dataclass
class BrResult:
    code: int
    out: str
    err: str


@pytest.fixture
def br(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run `br` in-process: br(*args, cwd=path) -> BrResult."""

    def run(*args: str, cwd: Path | None = None) -> BrResult:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = br_main(list(args))
        captured = capsys.readouterr()
        return BrResult(code, captured.out, captured.err)

    return run


def br_process(
    *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run `br` as a real process (python -m brgit)."""
    return subprocess.run(
        [sys.executable, "-m", "brgit", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
    )
