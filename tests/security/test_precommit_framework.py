"""brgit's published hooks through the real pre-commit framework and a real `git commit`.

The hook repository is a copy of this checkout's package and manifest committed into a temp
repository. pre-commit builds its own virtualenv and pip-installs that repository; the copy's
pyproject lists no dependencies (the hooks use only the standard library) and pip is pointed at
virtualenv's bundled wheels with no index, so the test runs offline.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import virtualenv  # type: ignore[import-untyped]

from tests.conftest import REPO_ROOT, git
from tests.security.samples import tokens

pytestmark = pytest.mark.slow


def _hook_repo(target: Path) -> str:
    target.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO_ROOT / "brgit", target / "brgit", ignore=ignore)
    for name in (".pre-commit-hooks.yaml", "README.md"):
        if (REPO_ROOT / name).exists():
            shutil.copy2(REPO_ROOT / name, target / name)
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()
    pyproject = re.sub(r"(?ms)^dependencies = \[.*?^\]", "dependencies = []", pyproject, count=1)
    (target / "pyproject.toml").write_text(pyproject)
    git(target, "init", "-q", "-b", "main")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "hook repository")
    return git(target, "rev-parse", "HEAD")


@pytest.fixture
def project(tmp_path: Path, repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    rev = _hook_repo(tmp_path / "hookrepo")
    wheels = Path(virtualenv.__file__).parent / "seed" / "wheels" / "embed"
    monkeypatch.setenv("PRE_COMMIT_HOME", str(tmp_path / "pre-commit-home"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {tmp_path / 'hookrepo'}\n  rev: {rev}\n"
        "  hooks:\n  - id: br-secrets\n  - id: br-sql-injection\n"
    )
    git(repo, "add", ".pre-commit-config.yaml")
    git(repo, "commit", "-q", "-m", "pre-commit config")
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=repo, check=True,
                   capture_output=True)
    return repo


def _commit(repo: Path, name: str, text: str) -> subprocess.CompletedProcess[str]:
    (repo / name).write_text(text)
    git(repo, "add", name)
    return subprocess.run(["git", "commit", "-m", f"add {name}"], cwd=repo, capture_output=True,
                          text=True, env=dict(os.environ), check=False, timeout=600)


def test_published_hooks_block_secrets_and_sql_and_pass_clean_commits(project: Path) -> None:
    key = tokens()["openrouter_key"]
    blocked = _commit(project, "settings.py", f"OPENROUTER_KEY = '{key}'\n")
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "brgit secrets" in output and "Failed" in output
    assert "openrouter_key" in output and key[:4] + "..." + key[-4:] in output
    assert key not in output
    git(project, "reset", "-q")

    sql = "def find(cur, name):\n    cur.execute(f\"SELECT * FROM users WHERE name = '{name}'\")\n"
    injectable = _commit(project, "db.py", sql)
    assert injectable.returncode != 0 and "sql-fstring" in injectable.stdout + injectable.stderr
    git(project, "reset", "-q")

    clean = _commit(project, "db.py", "def find(cur, name):\n"
                    "    cur.execute('SELECT * FROM users WHERE name = ?', (name,))\n")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout + clean.stderr

    binary_key = tokens()["npm_token"]
    (project / "dump.dat").write_bytes(b"\0\1\2 binary " + binary_key.encode() + b"\n\xff")
    git(project, "add", "dump.dat")
    binary = subprocess.run(["git", "commit", "-m", "binary"], cwd=project, capture_output=True,
                            text=True, env=dict(os.environ), check=False, timeout=600)
    assert binary.returncode != 0, binary.stdout  # pre-commit passes binary files to the hook
    output = binary.stdout + binary.stderr
    assert "dump.dat:1: [npm_token]" in output and binary_key not in output
