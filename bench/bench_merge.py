"""The merge train side by side with bare git, and its ways of spending verify time.

    python bench/bench_merge.py [--runs 5] [--branches 20] [--spec-runs 3]

1. Speculation (issue 16): sixteen branches, the fifth makes the tests fail, a verify
   command that takes 1.5 s (`sleep 1.5; test ! -f broken`). Four ways, alternating within
   each round, each on a fresh copy of the same repository:
   - bare git by hand, one branch at a time (merge in a scratch worktree, verify, fast-forward
     the checkout to each verified merge, drop a failing one);
   - `br merge` one at a time (`--batch 1`), in batch mode (`--batch 16`, bisecting), and
     with `--speculate 4`.
   Goal: `--speculate 4` at most 0.4x one at a time's wall time and less than batch mode.
2. Twenty clean branches, verify `true`, main checked out (so the checkout follows):
   `br merge` against bare git merging in place, and the same safe procedure by hand. No
   target any more (issue 13 retired the "within 1.5x of bare git" one): it shows what a
   train costs besides the verify command now that git writes every object and ref.
Every sample is kept. Results: bench/results/merge.json; figures in docs/performance/merge.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _util import GIT_IDENTITY, fresh_bytecode, save

GIT_ENV = {
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
    **GIT_IDENTITY,
}
ENV = {**os.environ, **GIT_ENV}
BR = [sys.executable, "-m", "brgit"]
BR_NAME = "br merge"
IN_PLACE_NAME = "bare git in place"
IN_PLACE_EXEC_NAME = "bare git in place, verify as a program"
SAFE_NAME = "bare git, scratch worktree + ff"
NAMES = (BR_NAME, IN_PLACE_NAME, IN_PLACE_EXEC_NAME, SAFE_NAME)
TRUE_PROGRAM = shutil.which("true") or "/bin/true"

IN_PLACE = 'for b in "$@"; do git merge -q --no-ff --no-edit "$b" || exit 1; true || exit 1; done'
IN_PLACE_EXEC = (
    'for b in "$@"; do git merge -q --no-ff --no-edit "$b" || exit 1; "$VERIFY" || exit 1; done'
)
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


def timed(argv: list[str], cwd: Path, extra: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds, and CPU seconds of the whole process tree (less sensitive to other load)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env={**ENV, **(extra or {})}, capture_output=True)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{argv[:4]} failed: {proc.stderr.decode()[-300:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def contenders(names: list[str]) -> dict[str, Callable[[Path], tuple[float, float]]]:
    return {
        BR_NAME: lambda d: timed([*BR, "merge", *names, "--target", "main", "--verify", "true"], d),
        IN_PLACE_NAME: lambda d: timed(["sh", "-c", IN_PLACE, "sh", *names], d),
        IN_PLACE_EXEC_NAME: lambda d: timed(
            ["sh", "-c", IN_PLACE_EXEC, "sh", *names], d, {"VERIFY": TRUE_PROGRAM}
        ),
        SAFE_NAME: lambda d: timed(
            ["sh", "-c", SAFE, "sh", *names], d, {"S": str(d.parent / (d.name + "-scratch"))}
        ),
    }


def clean_trains(runs: int, sizes: list[int], work: Path) -> dict[int, dict[str, object]]:
    """Every size and contender once per round, alternating, on fresh copies; medians."""
    templates = {n: work / f"template-{n}" for n in sizes}
    names = {n: make_repo(templates[n], n) for n in sizes}
    wall: dict[tuple[int, str], list[float]] = {}
    cpu: dict[tuple[int, str], list[float]] = {}
    for run in range(runs + 1):  # the first round warms caches and is dropped
        for n in sizes:
            for name, contender in contenders(names[n]).items():
                copy = work / f"r{run}-{n}-{name.replace(' ', '_').replace(',', '')}"
                shutil.copytree(templates[n], copy, symlinks=True)
                os.sync()  # the copy's writeback must not land on the timed run
                seconds, cpu_seconds = contender(copy)
                if run:
                    wall.setdefault((n, name), []).append(seconds)
                    cpu.setdefault((n, name), []).append(cpu_seconds)
                shutil.rmtree(copy, ignore_errors=True)
    return {n: _summary(n, runs, wall, cpu) for n in sizes}


def _summary(
    n: int,
    runs: int,
    wall: dict[tuple[int, str], list[float]],
    cpu: dict[tuple[int, str], list[float]],
) -> dict[str, object]:
    w = {name: statistics.median(wall[(n, name)]) for name in NAMES}
    c = {name: statistics.median(cpu[(n, name)]) for name in NAMES}
    # each round runs every contender back to back: the ratio within a round is less
    # sensitive to the machine's drift than the ratio of medians
    paired = [
        mine / theirs
        for mine, theirs in zip(wall[(n, BR_NAME)], wall[(n, IN_PLACE_NAME)], strict=True)
    ]
    quartiles = statistics.quantiles(paired, n=4) if len(paired) > 1 else paired * 3
    return {
        "branches": n,
        "runs": runs,
        "median_wall_seconds": w,
        "median_cpu_seconds": c,
        "wall_seconds": {name: wall[(n, name)] for name in NAMES},
        "paired_wall_ratio_vs_in_place": {
            "median": statistics.median(paired),
            "q1": quartiles[0],
            "q3": quartiles[2],
        },
        "wall_ratio_vs_in_place": w[BR_NAME] / w[IN_PLACE_NAME],
        "wall_ratio_vs_in_place_exec": w[BR_NAME] / w[IN_PLACE_EXEC_NAME],
        "wall_ratio_vs_scratch": w[BR_NAME] / w[SAFE_NAME],
        "cpu_ratio_vs_in_place": c[BR_NAME] / c[IN_PLACE_NAME],
        "cpu_ratio_vs_scratch": c[BR_NAME] / c[SAFE_NAME],
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

SLOW_VERIFY = "sleep 1.5; test ! -f broken"
BY_HAND_ONE = (
    'git worktree add -q --detach "$S" main || exit 1; '
    'for b in "$@"; do (cd "$S" && git merge -q --no-ff --no-edit "$b") || exit 1; '
    'if (cd "$S" && sh -c "$VERIFY"); then git merge -q --ff-only "$(git -C "$S" rev-parse HEAD)"'
    ' || exit 1; else git -C "$S" reset -q --hard main; fi; done; '
    'git worktree remove --force "$S"'
)
SPEC_MODES: dict[str, list[str]] = {
    "br one at a time": ["--batch", "1"],
    "br batch 16": ["--batch", "16"],
    "br --speculate 4": ["--speculate", "4"],
}
BY_HAND_NAME = "bare git by hand, one at a time"


def speculation(work: Path, runs: int, branches: int = 16, bad: int = 4) -> dict[str, object]:
    """Wall time of each way over `runs` alternating rounds (every sample kept)."""
    template = work / "spec-template"
    names = make_repo(template, branches, bad=bad)
    samples: dict[str, list[float]] = {name: [] for name in [BY_HAND_NAME, *SPEC_MODES]}
    details: dict[str, object] = {}
    for run in range(runs):
        for name in samples:
            copy = work / f"spec-{run}-{len(details)}-{abs(hash(name))}"
            shutil.copytree(template, copy, symlinks=True)
            os.sync()
            start = time.perf_counter()
            if name == BY_HAND_NAME:
                extra = {"S": str(copy.parent / (copy.name + "-s")), "VERIFY": SLOW_VERIFY}
                subprocess.run(["sh", "-c", BY_HAND_ONE, "sh", *names], cwd=copy,
                               env={**ENV, **extra}, check=True, capture_output=True)  # fmt: skip
            else:
                argv = [*BR, "merge", *names, "--target", "main", "--verify", SLOW_VERIFY,
                        *SPEC_MODES[name], "--format", "json"]  # fmt: skip
                proc = subprocess.run(argv, cwd=copy, env=ENV, capture_output=True, text=True)
                data = json.loads(proc.stdout)
                details[name] = {
                    "verify_runs": data["verify_runs"],
                    "merged": len(data["merged"]),
                    "ejected": [e["task_id"] for e in data["ejected"]],
                }
            samples[name].append(time.perf_counter() - start)
            shutil.rmtree(copy, ignore_errors=True)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    one = medians["br one at a time"]
    return {
        "branches": branches,
        "bad_position": bad + 1,
        "verify": SLOW_VERIFY,
        "cpus": os.cpu_count(),
        "runs": runs,
        "wall_seconds": samples,
        "median_wall_seconds": medians,
        "ratio_to_br_one_at_a_time": {name: m / one for name, m in medians.items()},
        "speculate_vs_batch": medians["br --speculate 4"] / medians["br batch 16"],
        "outcomes": details,
    }



def marginal(small: dict[str, object], large: dict[str, object]) -> dict[str, object]:
    """Milliseconds each extra branch costs (start-up cancels out), and the ratios."""
    extra = int(str(large["branches"])) - int(str(small["branches"]))
    out: dict[str, object] = {}
    for kind in ("wall", "cpu"):
        low, high = small[f"median_{kind}_seconds"], large[f"median_{kind}_seconds"]
        assert isinstance(low, dict) and isinstance(high, dict)
        per = {name: (high[name] - low[name]) * 1000 / extra for name in low}
        out[f"{kind}_ms_per_branch"] = per
        out[f"{kind}_ratio_vs_in_place"] = per[BR_NAME] / per[IN_PLACE_NAME]
        out[f"{kind}_ratio_vs_in_place_exec"] = per[BR_NAME] / per[IN_PLACE_EXEC_NAME]
        out[f"{kind}_ratio_vs_scratch"] = per[BR_NAME] / per[SAFE_NAME]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--spec-runs", type=int, default=3, help="rounds of the speculation part")
    parser.add_argument("--branches", type=int, default=20)
    parser.add_argument("--long", type=int, default=60, help="a longer train, for per-branch cost")
    args = parser.parse_args()
    fresh_bytecode()
    with tempfile.TemporaryDirectory(prefix="bench-merge-") as tmp:
        work = Path(tmp)
        load = os.getloadavg()[0]
        spec = speculation(work, args.spec_runs)
        trains = clean_trains(args.runs, [args.branches, args.long], work)
        short, long = trains[args.branches], trains[args.long]
        result: dict[str, object] = {
            "git": subprocess.run(
                ["git", "--version"], capture_output=True, text=True
            ).stdout.strip(),
            "cpus": os.cpu_count(),
            "load_average_before": load,
            "speculation": spec,
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
