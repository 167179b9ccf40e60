"""Real agent CLIs against local fakes: where the CLIs come from, and each test's setting.

The CLIs are pinned in tests/agents/package.json. `claude_bin` installs them with npm when
node_modules is missing (CI's .ci/run installs them first) and skips, saying why, where npm
is absent or the install fails. Each test gets its own HOME and CLAUDE_CONFIG_DIR (Claude
Code writes ~/.claude there), a fake Messages API on 127.0.0.1, and a test key; nothing
reaches the network.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.openai_server import FakeOpenAI, codex_home

HERE = Path(__file__).resolve().parent
BIN = HERE / "node_modules" / ".bin"
KEY = "sk-ant-api03-" + "Zq7" * 31 + "AA"  # a well-formed test key; must never be printed


def pinned(package: str) -> str:
    data = json.loads((HERE / "package.json").read_text())
    found = {**data.get("dependencies", {}), **data.get("optionalDependencies", {})}
    return str(found[package])


def npm_install() -> str | None:
    """Install the pinned CLIs into tests/agents/node_modules; why not, or None when done."""
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed, so the agent CLIs in tests/agents/package.json cannot be"
    command = "ci" if (HERE / "package-lock.json").exists() else "install"
    proc = subprocess.run(
        [npm, command, "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        return f"npm {command} in tests/agents failed: {' / '.join(tail)}"
    return None


def cli(name: str) -> Path:
    exe = BIN / name
    if not exe.exists():
        problem = npm_install()
        if problem:
            pytest.skip(problem)
    if not exe.exists():
        pytest.skip(f"{exe} is missing after npm installed tests/agents/package.json")
    return exe


def pinned_cli(name: str, package: str) -> Path:
    """`node_modules/.bin/NAME`, installed on first use, at the version package.json pins."""
    exe = cli(name)
    proc = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=False)
    if proc.returncode != 0 or pinned(package) not in proc.stdout:
        pytest.skip(f"{exe} --version gave {proc.stdout.strip() or proc.stderr.strip()!r}")
    return exe


@pytest.fixture(scope="session")
def claude_bin() -> Path:
    """Claude Code, as pinned."""
    return pinned_cli("claude", "@anthropic-ai/claude-code")


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, isolated_env: Path) -> Iterator[FakeAnthropic]:
    """A fake Messages API, and the environment Claude Code needs to use it and only it."""
    with FakeAnthropic() as server:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(isolated_env / ".claude"))
        monkeypatch.setenv("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        monkeypatch.setenv("DISABLE_AUTOUPDATER", "1")
        yield server


def key_leaks(*roots: Path) -> list[str]:
    """Every file under `roots` whose bytes hold the test key."""
    found = []
    needle = KEY.encode()
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and not path.is_symlink() and needle in path.read_bytes():
                found.append(str(path))
    return found


@pytest.fixture(scope="session")
def codex_bin() -> Path:
    """Codex, as pinned (an optional dependency: about 420 MB)."""
    return pinned_cli("codex", "@openai/codex")


OPENAI_KEY = "sk-proj-" + "Qm4" * 20 + "T3BlbkFJ" + "x" * 20  # well-formed, never printed


@pytest.fixture
def openai(monkeypatch: pytest.MonkeyPatch, isolated_env: Path) -> Iterator[FakeOpenAI]:
    """A fake Responses API, and a CODEX_HOME whose config sends Codex to it and only it."""
    with FakeOpenAI() as server:
        home = codex_home(isolated_env / ".codex", server.url)
        monkeypatch.setenv("CODEX_HOME", str(home))
        monkeypatch.setenv("FAKE_OPENAI_KEY", OPENAI_KEY)
        monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
        yield server


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The `agent_cli` suite (Codex, aider: large installs, slower runs) runs only when asked
    for with `-m agent_cli`; .ci/run runs it as its own step."""
    if "agent_cli" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="agent_cli suite: run with `pytest -m agent_cli`")
    for item in items:
        if "agent_cli" in item.keywords:
            item.add_marker(skip)


AIDER_VERSION = "0.86.1"
AIDER_VENV = HERE / ".aider-venv"


@pytest.fixture(scope="session")
def aider_bin() -> Path:
    """aider (PyPI aider-chat, about 685 MB) in its own virtual environment under
    tests/agents/.aider-venv, installed on first use; skipped, saying why, if that fails."""
    import sys

    exe = AIDER_VENV / "bin" / "aider"
    if not exe.exists():
        steps = [
            [sys.executable, "-m", "venv", str(AIDER_VENV)],
            [str(AIDER_VENV / "bin" / "pip"), "install", "-q", f"aider-chat=={AIDER_VERSION}"],
        ]
        for step in steps:
            proc = subprocess.run(step, capture_output=True, text=True, timeout=1200, check=False)
            if proc.returncode != 0:
                tail = (proc.stderr or proc.stdout).strip().splitlines()[-2:]
                pytest.skip(f"installing aider-chat failed: {' / '.join(tail)}")
    return exe
