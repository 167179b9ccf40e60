"""The lean hook install: `pip install brgit` (what pre-commit does for the published hooks)
brings at most 10 distributions, and every heavy package sits behind an extra that a feature
names when it is missing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from brgit.extras import OPTIONAL
from tests.conftest import REPO_ROOT, git

MAX_HOOK_ENV = 10  # distributions, pip and setuptools not counted
NOT_COUNTED = {"pip", "setuptools", "wheel"}
HEAVY = {"anthropic", "detect-secrets", "gitpython", "pre-commit", "pydantic", "httpx"}


def _required(dist: str) -> list[Requirement]:
    """The requirements `pip install dist` (no extras) installs, from its built metadata."""
    found = []
    for line in metadata.requires(dist) or []:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            found.append(req)
    return found


def _closure(dist: str) -> set[str]:
    """Every distribution a plain install of `dist` brings, itself included."""
    seen: set[str] = set()
    todo = [dist]
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        seen.add(name)
        todo.extend(req.name for req in _required(name))
    return seen


def test_plain_install_stays_within_the_hook_budget() -> None:
    brought = _closure("brgit") - NOT_COUNTED
    assert len(brought) <= MAX_HOOK_ENV, sorted(brought)
    assert not brought & HEAVY, sorted(brought & HEAVY)
    assert {"typer", "tomlkit"} <= brought  # `br` itself works from a plain install


def test_heavy_packages_are_extras_named_in_the_missing_package_message() -> None:
    declared = metadata.metadata("brgit").get_all("Provides-Extra") or []
    for module, (dist, extra) in OPTIONAL.items():
        assert extra in declared, (module, extra)
        in_extra = [
            Requirement(line).name
            for line in metadata.requires("brgit") or []
            if f'extra == "{extra}"' in line
        ]
        assert dist in in_extra, (dist, extra, in_extra)


BLOCK = "import sys; sys.modules[{name!r}] = None; from brgit.cli.main import main; sys.exit(main())"


def _br_without(module: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`br ARGS` in a fresh interpreter in which `module` cannot be imported."""
    code = BLOCK.format(name=module)
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True,
                          text=True, check=False, timeout=120)


def test_a_missing_optional_package_is_one_line_naming_its_extra(repo: Path) -> None:
    from tests.security.samples import tokens

    (repo / "settings.py").write_text(f"KEY = '{tokens()['github_token']}'\n")
    done = _br_without("detect_secrets", repo, "security", "baseline")
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip().splitlines() == [
        "br: error: this command needs detect-secrets, which is not installed: "
        "pip install 'brgit[baseline]'"
    ]
    assert not (repo / ".secrets.baseline").exists()


def test_the_claude_agent_without_its_sdk_stops_before_any_work(repo: Path) -> None:
    (repo / "plan.toml").write_text('[[tasks]]\nid = "a"\ndescription = "write a"\n')
    done = _br_without("anthropic", repo, "run", "plan.toml", "--agent", "claude")
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "br: error: the claude agent needs the anthropic SDK, which is not installed: "
        "pip install 'brgit[claude]'"
    )
    assert "br/" not in git(repo, "branch", "--list")


def test_doctor_says_the_claude_agent_needs_its_extra(repo: Path) -> None:
    key = "sk-ant-api03-" + "x" * 20
    env_file = repo / ".env"
    env_file.write_text(f"ANTHROPIC_API_KEY={key}\n")
    done = _br_without("anthropic", repo, "doctor", "--format", "json")
    claude = next(c for c in json.loads(done.stdout)["agents"] if c["agent"] == "claude")
    assert claude["usable"] is False
    assert claude["problem"] == (
        "the claude agent needs the anthropic SDK, which is not installed: "
        "pip install 'brgit[claude]'"
    )
    assert key not in done.stdout + done.stderr


def test_require_names_the_feature_and_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from brgit.errors import MissingExtraError
    from brgit.extras import require

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "anthropic" else real(name)
    )
    with pytest.raises(MissingExtraError) as caught:
        require("anthropic", "the claude agent needs the anthropic SDK")
    assert caught.value.exit_code == 2
    assert str(caught.value) == (
        "the claude agent needs the anthropic SDK, which is not installed: "
        "pip install 'brgit[claude]'"
    )


def _hook_repo(target: Path) -> str:
    """A clone of this checkout as it is now (uncommitted changes included), as pre-commit
    would fetch it from a URL."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".git")
    target.mkdir()
    for name in ("brgit", "README.md", "pyproject.toml", ".pre-commit-hooks.yaml", "LICENSE"):
        src = REPO_ROOT / name
        if src.is_dir():
            shutil.copytree(src, target / name, ignore=ignore)
        elif src.exists():
            shutil.copy2(src, target / name)
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "hook repository")
    return git(target, "rev-parse", "HEAD")


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("BRGIT_TEST_PYPI") != "1",
    reason="installs from PyPI through pre-commit; set BRGIT_TEST_PYPI=1 to run it",
)
def test_pre_commit_builds_a_hook_environment_of_at_most_ten_distributions(
    tmp_path: Path, repo: Path
) -> None:
    rev = _hook_repo(tmp_path / "hookrepo")
    home = tmp_path / "pre-commit-home"
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {tmp_path / 'hookrepo'}\n  rev: {rev}\n"
        "  hooks:\n  - id: br-secrets\n  - id: br-sql-injection\n"
    )
    git(repo, "add", ".pre-commit-config.yaml")
    env = {**os.environ, "PRE_COMMIT_HOME": str(home)}
    run = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=900, check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    pythons = list(home.glob("repo*/py_env-*/bin/python"))
    assert len(pythons) == 1, pythons
    listed = subprocess.run(
        [str(pythons[0]), "-m", "pip", "list", "--format", "json"],
        capture_output=True, text=True, check=True, env=env,
    )
    names = {canonicalize_name(d["name"]) for d in json.loads(listed.stdout)} - NOT_COUNTED
    assert len(names) <= MAX_HOOK_ENV, sorted(names)
    assert not names & HEAVY, sorted(names & HEAVY)
