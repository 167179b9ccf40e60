"""Hook environment benchmark: what `pre-commit install-hooks` builds for brgit's published hooks.

    python bench/bench_hook_env.py [--runs 3]

Reaches PyPI (pip, through pre-commit). Three hook repositories are installed side by side,
each into a fresh PRE_COMMIT_HOME, in alternating order, `--runs` times:

- brgit as it is now (a plain install: typer and tomlkit);
- brgit with every dependency required, as before the extras (typer, GitPython, tomlkit,
  anthropic, detect-secrets, pre-commit): the same package, only `dependencies` changed;
- the peer: a hook repository whose environment is detect-secrets 1.5.0 (what detect-secrets'
  own hook installs), given to pre-commit as `additional_dependencies` of an empty package.

Each run reports the wall time of `pre-commit install-hooks` and the distributions in the
environment it built (pip, setuptools and wheel not counted). pip's download cache is shared,
so after the first round the times are mostly resolving, unpacking and byte-compiling. Results
go to stdout and bench/results/hook_env.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import median, save

REPO = Path(__file__).resolve().parent.parent
NOT_COUNTED = {"pip", "setuptools", "wheel"}
BEFORE = (
    'dependencies = [\n    "typer>=0.27,<0.29",\n    "gitpython>=3.1.40",\n    "tomlkit>=0.12",\n'
    '    "anthropic>=0.40",\n    "detect-secrets>=1.5",\n    "pre-commit>=3.5",\n]'
)
PEER_SETUP = "from setuptools import setup\nsetup(name='peer-hook', version='0', py_modules=[])\n"
PEER_HOOKS = (
    "- id: detect-secrets\n  name: detect-secrets\n  entry: detect-secrets-hook\n"
    "  language: python\n  additional_dependencies: [detect-secrets==1.5.0]\n"
)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()  # fmt: skip


def commit_all(repo: Path) -> str:
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "commit", "-q",
        "-m", "hook repository")  # fmt: skip
    return git(repo, "rev-parse", "HEAD")


def brgit_repo(target: Path, *, all_required: bool) -> str:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(REPO / "brgit", target / "brgit", ignore=ignore)
    for name in ("README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(REPO / name, target / name)
    pyproject = (REPO / "pyproject.toml").read_text()
    if all_required:
        pyproject = re.sub(r"(?ms)^dependencies = \[.*?^\]", BEFORE, pyproject, count=1)
    (target / "pyproject.toml").write_text(pyproject)
    return commit_all(target)


def peer_repo(target: Path) -> str:
    target.mkdir()
    (target / "setup.py").write_text(PEER_SETUP)
    (target / ".pre-commit-hooks.yaml").write_text(PEER_HOOKS)
    return commit_all(target)


def project(folder: Path, repo: Path, rev: str, hook_ids: list[str]) -> Path:
    folder.mkdir()
    hooks = "".join(f"  - id: {h}\n" for h in hook_ids)
    (folder / ".pre-commit-config.yaml").write_text(f"repos:\n- repo: {repo}\n  rev: {rev}\n"
                                                    f"  hooks:\n{hooks}")  # fmt: skip
    commit_all(folder)
    return folder


def install(folder: Path, home: Path) -> tuple[float, list[str]]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pre_commit", "install-hooks"], cwd=folder, env=env,
                   check=True, capture_output=True)  # fmt: skip
    seconds = time.perf_counter() - start
    python = next(home.glob("repo*/py_env-*/bin/python"))
    listed = subprocess.run([str(python), "-m", "pip", "list", "--format", "json"], env=env,
                            check=True, capture_output=True, text=True).stdout  # fmt: skip
    names = sorted({d["name"].lower() for d in json.loads(listed)} - NOT_COUNTED)
    return seconds, names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="brgit-hook-env-"))
    try:
        setups = {
            "brgit now": (work / "now", lambda p: brgit_repo(p, all_required=False),
                          ["br-secrets", "br-sql-injection"]),
            "brgit, all required": (work / "before", lambda p: brgit_repo(p, all_required=True),
                                    ["br-secrets", "br-sql-injection"]),
            "detect-secrets (peer)": (work / "peer", peer_repo, ["detect-secrets"]),
        }  # fmt: skip
        projects = {}
        for name, (repo, make, ids) in setups.items():
            rev = make(repo)
            projects[name] = project(work / f"project-{repo.name}", repo, rev, ids)
        samples: dict[str, list[float]] = {name: [] for name in setups}
        counts: dict[str, list[str]] = {}
        for round_no in range(args.runs):
            order = list(setups) if round_no % 2 == 0 else list(reversed(setups))
            for name in order:
                home = work / f"home-{round_no}-{len(samples[name])}-{setups[name][0].name}"
                seconds, names = install(projects[name], home)
                samples[name].append(seconds)
                counts[name] = names
                shutil.rmtree(home, ignore_errors=True)
        report = {
            name: {"median_s": round(median(times), 2), "samples_s": [round(t, 2) for t in times],
                   "distributions": len(counts[name]), "names": counts[name]}
            for name, times in samples.items()
        }  # fmt: skip
        base = report["brgit now"]["median_s"]
        print(f"{'hook repository':24} {'median s':>9} {'ratio':>6} {'dists':>6}  samples")
        for name, row in report.items():
            ratio = row["median_s"] / base if base else float("nan")
            print(f"{name:24} {row['median_s']:9.2f} {ratio:6.2f} {row['distributions']:6d}  "
                  f"{row['samples_s']}")  # fmt: skip
        save("hook_env", {"runs": args.runs, "results": report})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
