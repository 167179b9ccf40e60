"""The merge train against bare git doing the same merges, side by side.

    python bench/bench_merge.py [--runs 7] [--branches 20]

1. Twenty clean branches, verify `true`, main checked out (so the checkout follows):
   - `br merge B... --target main --verify true` (a real `br` process, start-up included);
   - bare git, in place: `git merge --no-ff` of each branch into the checkout, then `true`;
   - bare git, the same safe procedure by hand: merge in a scratch worktree, run `true`
     there, fast-forward the checkout to the verified commit.
   Every run gets a fresh copy of the same repository; the contenders alternate.
2. Sixteen branches with one that breaks the tests: verify runs with `--batch 16` (bisection)
   against one-at-a-time (`--batch 1`), read from `br merge --format json`.
Results: bench/results/merge.json; figures in docs/performance/merge.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import save

GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}
ENV = {**os.environ, **GIT_ENV}
BR = [sys.executable, "-m", "brgit"]

IN_PLACE = 'for b in "$@"; do git merge -q --no-ff --no-edit "$b" || exit 1; true || exit 1; done'
SAFE = (
    'git worktree add -q --detach "$S" main || exit 1; '
    'for b in "$@"; do (cd "$S" && git merge -q --no-ff --no-edit "$b" && true) || exit 1; '
    'git merge -q --ff-only "$(git -C "$S" rev-parse HEAD)" || exit 1; done; '
    'git worktree remove --force "$S"'
)


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, env=ENV, check=True, capture_output=True)


def make_repo(where: Path, branches: int, bad: int | None = None) -> list[str]:
    """A repo on main with `branches` branches, each adding its own file (or `broken`)."""
    where.mkdir(parents=True)
    git(where, "init", "-q", "-b", "main")
    for i in range(50):
        (where / f"src{i}.txt").write_text(f"{i}\n" * 20)
    git(where, "add", "-A")
    git(where, "commit", "-q", "-m", "base")
    names = [f"b{i:02d}" for i in range(branches)]
    for i, name in enumerate(names):
        git(where, "checkout", "-q", "-b", name, "main")
        target = "broken" if i == bad else f"{name}.txt"
        (where / target).write_text(f"{name}\n")
        git(where, "add", "-A")
        git(where, "commit", "-q", "-m", name)
    git(where, "checkout", "-q", "main")
    return names


def timed(argv: list[str], cwd: Path, extra: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env={**ENV, **(extra or {})}, capture_output=True)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{argv[:4]} failed: {proc.stderr.decode()[-300:]}")
    return elapsed


def clean_train(runs: int, branches: int, work: Path) -> dict[str, object]:
    template = work / "template"
    names = make_repo(template, branches)
    work.mkdir(exist_ok=True)
    contenders = {
        "br merge": lambda d: timed(
            [*BR, "merge", *names, "--target", "main", "--verify", "true"], d
        ),
        "bare git in place": lambda d: timed(["sh", "-c", IN_PLACE, "sh", *names], d),
        "bare git, scratch worktree + ff": lambda d: timed(
            ["sh", "-c", SAFE, "sh", *names], d, {"S": str(d.parent / (d.name + "-scratch"))}
        ),
    }
    samples: dict[str, list[float]] = {name: [] for name in contenders}
    for run in range(runs + 1):  # the first round warms caches and is dropped
        for name, contender in contenders.items():
            copy = work / f"run{run}-{len(samples[name])}-{name.replace(' ', '_')}"
            shutil.copytree(template, copy, symlinks=True)
            elapsed = contender(copy)
            if run:
                samples[name].append(elapsed)
    medians = {name: statistics.median(s) for name, s in samples.items()}
    return {
        "branches": branches,
        "runs": runs,
        "median_seconds": medians,
        "ratio_vs_in_place": medians["br merge"] / medians["bare git in place"],
        "ratio_vs_scratch": medians["br merge"] / medians["bare git, scratch worktree + ff"],
    }


def bisect_counts(work: Path, branches: int = 16, bad: int = 4) -> dict[str, object]:
    template = work / "bisect-template"
    names = make_repo(template, branches, bad=bad)
    out: dict[str, object] = {"branches": branches, "bad_position": bad + 1}
    for batch in (1, branches):
        copy = work / f"bisect-{batch}"
        shutil.copytree(template, copy, symlinks=True)
        argv = [*BR, "merge", *names, "--target", "main", "--batch", str(batch)]
        argv += ["--verify", "test ! -f broken", "--format", "json"]
        proc = subprocess.run(argv, cwd=copy, env=ENV, capture_output=True, text=True)
        data = json.loads(proc.stdout)
        out[f"batch_{batch}"] = {
            "verify_runs": data["verify_runs"],
            "merged": len(data["merged"]),
            "ejected": [e["task_id"] for e in data["ejected"]],
        }
    return out


def marginal(small: dict[str, object], large: dict[str, object]) -> dict[str, object]:
    """Milliseconds each extra branch costs (start-up cancels out), and their ratios."""
    extra = int(str(large["branches"])) - int(str(small["branches"]))
    low, high = small["median_seconds"], large["median_seconds"]
    assert isinstance(low, dict) and isinstance(high, dict)
    per = {name: (high[name] - low[name]) * 1000 / extra for name in low}
    return {
        "ms_per_branch": per,
        "ratio_vs_in_place": per["br merge"] / per["bare git in place"],
        "ratio_vs_scratch": per["br merge"] / per["bare git, scratch worktree + ff"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--branches", type=int, default=20)
    parser.add_argument("--long", type=int, default=60, help="a longer train, for per-branch cost")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-merge-") as tmp:
        work = Path(tmp)
        load = os.getloadavg()[0]
        short = clean_train(args.runs, args.branches, work / "short")
        long = clean_train(max(3, args.runs // 2), args.long, work / "long")
        result = {
            "git": subprocess.run(
                ["git", "--version"], capture_output=True, text=True
            ).stdout.strip(),
            "cpus": os.cpu_count(),
            "load_average_before": load,
            "clean_train": short,
            "long_train": long,
            "per_branch": marginal(short, long),
            "bisect": bisect_counts(work),
        }
    print(json.dumps(result, indent=2))
    print(f"saved {save('merge', result)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
