"""Benchmark `br quality check` on brgit itself, cold and warm, against running the tools it
builds on by hand.

    python bench/bench_quality.py [--runs 5] [--suite-runs 1] [--keep]

brgit's HEAD is cloned into a temporary folder; every command runs there with this
environment's Python first on PATH. Two comparisons:

1. The whole check (brgit's test suite under coverage.py included): `br quality check` with
   an empty cache (cold), again (warm), and by hand `coverage run --branch -m pytest -q` then
   `coverage json`. The test run dominates both.
2. The measures alone (the test command replaced by an empty script, so the suite does not
   drown them; coverage.py still reports every non-test file, as it does after a real run):
   `br quality check` cold and warm, and by hand `coverage run --branch --source=.
   --omit=tests/*` of that script and `coverage json`, `radon cc -j`, `radon raw -j`,
   `interrogate` (installed into a throwaway virtualenv: it is a peer, not a dependency) and
   `br security scan --format json` run one after the other.

Each sample is a whole process (start-up included); samples of one comparison alternate, so
machine noise hits all alike. Medians and ratios (by hand / br) are printed; every sample is
kept in bench/results/quality.json.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import median, save

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
INTERROGATE_FLAGS = [
    "--ignore-private", "--ignore-semiprivate", "--ignore-magic", "--ignore-init-method",
    "--ignore-nested-functions", "--ignore-overloaded-functions", "--ignore-setters",
    "--ignore-init-module",
]


def clone(base: Path) -> Path:
    target = base / "brgit"
    subprocess.run(["git", "clone", "-q", "--local", str(ROOT), str(target)], check=True)
    return target


def interrogate_bin(base: Path) -> Path:
    venv = base / "interrogate-venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "interrogate"],
                   check=True)
    return venv / "bin" / "interrogate"


def env() -> dict[str, str]:
    import os

    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
            "PYTHONDONTWRITEBYTECODE": "1"}


def timed(steps: Sequence[Sequence[str]], cwd: Path) -> float:
    """Wall seconds of the steps run one after the other (exit codes 0 and 4 are fine)."""
    start = time.perf_counter()
    for argv in steps:
        proc = subprocess.run(argv, cwd=cwd, env=env(), capture_output=True, check=False)
        if proc.returncode not in (0, 1, 3, 4):
            raise SystemExit(f"{argv[0]} failed ({proc.returncode}): {proc.stderr[-600:]!r}")
    return time.perf_counter() - start


def set_test_command(repo: Path, command: str) -> None:
    store = repo / ".buildrunner"
    store.mkdir(exist_ok=True)
    (store / "config.toml").write_text(f'[quality]\ntest_command = "{command}"\n')


def compare(repo: Path, runs: int, by_hand: list[list[str]]) -> dict[str, list[float]]:
    br = [str(BIN / "br"), "quality", "check", "--format", "json"]
    cache = repo / ".buildrunner" / "quality" / "facts.json"
    samples: dict[str, list[float]] = {"br cold": [], "br warm": [], "by hand": []}
    for _ in range(runs):
        cache.unlink(missing_ok=True)
        samples["br cold"].append(timed([br], repo))
        samples["br warm"].append(timed([br], repo))
        samples["by hand"].append(timed(by_hand, repo))
    return samples


def docstrings(repo: Path, interrogate: Path) -> dict[str, float]:
    """Docstring coverage of brgit (tests left out) by brgit and by interrogate."""
    import json
    import re

    proc = subprocess.run([str(interrogate), *INTERROGATE_FLAGS, "-e", "tests", "brgit", "bench"],
                          cwd=repo, env=env(), capture_output=True, text=True, check=False)
    found = re.search(r"actual: ([\d.]+)%", proc.stdout)
    run = subprocess.run([str(BIN / "br"), "quality", "check", "--format", "json"], cwd=repo,
                         env=env(), capture_output=True, text=True, check=False)
    cats = {c["name"]: c for c in json.loads(run.stdout)["categories"]}
    ours = cats["documentation"]["metrics"]
    figures = {"interrogate_percent": float(found.group(1)) if found else float("nan"),
               "brgit_percent": ours["docstring_coverage"],
               "brgit_public_objects": ours["public_objects"]}
    print(f"docstring coverage: brgit {figures['brgit_percent']}% of "
          f"{figures['brgit_public_objects']} public objects; interrogate "
          f"{figures['interrogate_percent']}%")
    return figures


def report(title: str, samples: dict[str, list[float]]) -> dict[str, object]:
    medians = {k: median(v) for k, v in samples.items()}
    print(f"\n{title}")
    for name, value in medians.items():
        ratio = medians["by hand"] / value if value else float("nan")
        print(f"  {name:8} median {value:7.2f}s  by hand / this = {ratio:5.2f}  "
              f"samples {[round(s, 2) for s in samples[name]]}")
    return {"samples": samples, "medians": medians}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="samples of the measures alone")
    parser.add_argument("--suite-runs", type=int, default=1,
                        help="samples with the test suite (0: skip it)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    base = Path(tempfile.mkdtemp(prefix="bench-quality-"))
    try:
        repo = clone(base)
        interrogate = interrogate_bin(base)
        measures = [
            [str(BIN / "radon"), "cc", "-j", "brgit", "bench"],
            [str(BIN / "radon"), "raw", "-j", "brgit", "bench"],
            [str(interrogate), *INTERROGATE_FLAGS, "-e", "tests", "brgit", "bench"],
            [str(BIN / "br"), "security", "scan", "--format", "json"],
        ]
        noop = base / "noop.py"  # outside the clone: a test run that measures nothing
        noop.write_text("")
        set_test_command(repo, f"python {noop}")
        figures = docstrings(repo, interrogate)
        empty_run = [["python", "-m", "coverage", "run", "--branch", "--source=.",
                      "--omit=tests/*", str(noop)],
                     ["python", "-m", "coverage", "json", "-q", "-o", str(base / "cov.json")]]
        alone = report("measures alone (tests: an empty script, coverage reported on every file)",
                       compare(repo, args.runs, [*empty_run, *measures]))
        whole = None
        if args.suite_runs:  # 0 skips the suite (it takes minutes per sample)
            set_test_command(repo, "python -m pytest -q")
            suite = [["python", "-m", "coverage", "run", "--branch", "-m", "pytest", "-q"],
                     ["python", "-m", "coverage", "json", "-q", "-o", str(base / "cov.json")]]
            whole = report("whole check (brgit's test suite under coverage.py)",
                           compare(repo, args.suite_runs, [*suite, *measures]))
        path = save("quality", {"docstrings": figures, "measures_alone": alone,
                                "whole_check": whole,
                                "python": sys.version.split()[0]})
        print(f"\nsamples saved to {path}")
    finally:
        if args.keep:
            print(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
