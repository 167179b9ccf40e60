"""Sessions at scale (issue 21): per-task overhead of `br parallel` against N, beside the hand
baseline, and how long each task waits to be dispatched.

    python bench/bench_sessions.py [--sizes 10,40,100,250,400,1000] [--runs 3] [--profile 320]

For each N: a plan of N tasks that change nothing (`run = "true"`), four workers, run through
`run_plan` (session record and journal, N branches and worktrees, commit checks, telemetry,
heartbeats), against `xargs -P 4` doing the same worktree steps by hand for each task
(`git worktree add --no-checkout -b` under a lock, `git checkout`, the command, `git add -A`,
`git diff --cached --quiet`). The two
alternate within each run, repositories in /dev/shm by default.

Goals (issue 21): 400 tasks at most 3x the hand baseline per task; 4x the tasks (250 -> 1,000)
at most 5x the time; at 1,000 tasks no task slower to dispatch than the first (dispatch: the
supervisor's own time to choose, record and hand one task to a worker, measured in-process).
Every sample is written to bench/results/sessions.json and the curve to
bench/results/sessions.svg.
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import io
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _util import GIT_IDENTITY, median, save

from brgit.config import load_config
from brgit.core.plan import Plan, Task
from brgit.parallel import orchestrator as orch_module
from brgit.parallel import scheduler as sched_module
from brgit.parallel.orchestrator import run_plan

ENV = GIT_IDENTITY

# git 2.39's concurrent `worktree add`s race (one fails now and then), so a correct script
# does what brgit does: add without checkout under a lock, check out outside it
HAND = r"""
set -e
t="$1"
flock "$REPO/.git/hand.lock" \
    git -C "$REPO" worktree add -q --no-checkout -b "hand/$t" "$TREES/$t" "$BASE"
cd "$TREES/$t"
git checkout -q -f
true
git add -A
git diff --cached --quiet || git commit -qm "hand: $t"
"""


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()  # fmt: skip


def make_repo(root: Path) -> Path:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    for i in range(20):
        (root / f"mod{i:02d}.py").write_text(f"VALUE = {i}\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


class Dispatch:
    """The supervisor's own time per task: choosing it, recording it, handing it over."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.order: list[str] = []
        self._start = orch_module.Orchestrator.start
        self._submit = sched_module.Scheduler._submit

    def __enter__(self) -> Dispatch:
        probe = self

        def start(orch: Any, task_id: str, worker: int) -> Any:
            began = time.perf_counter()
            spec = probe._start(orch, task_id, worker)
            probe.seconds[task_id] = time.perf_counter() - began
            probe.order.append(task_id)
            return spec

        def submit(sched: Any, spec: Any, task_id: str, worker: int) -> None:
            began = time.perf_counter()
            probe._submit(sched, spec, task_id, worker)
            probe.seconds[task_id] = probe.seconds.get(task_id, 0.0) + time.perf_counter() - began

        orch_module.Orchestrator.start = start  # type: ignore[method-assign]
        sched_module.Scheduler._submit = submit  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        orch_module.Orchestrator.start = self._start  # type: ignore[method-assign]
        sched_module.Scheduler._submit = self._submit  # type: ignore[method-assign]

    def in_order(self) -> list[float]:
        return [self.seconds[t] for t in self.order]


def run_brgit(work: Path, n: int, profile: bool = False) -> tuple[float, list[float], str]:
    repo = make_repo(work / f"b{n}")
    cfg = load_config(repo)
    cfg = dataclasses.replace(cfg, parallel=dataclasses.replace(cfg.parallel, copy_files=[]))
    plan = Plan("bench", [Task(f"t{i:04d}", run="true") for i in range(n)])
    profiler = cProfile.Profile() if profile else None
    with Dispatch() as probe:
        start = time.perf_counter()
        if profiler:
            profiler.enable()
        record = run_plan(plan, root=repo, cfg=cfg, workers=4)
        if profiler:
            profiler.disable()
        wall = time.perf_counter() - start
    assert record.status == "completed", record.status
    top = ""
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        top = out.getvalue()
    shutil.rmtree(work / f"b{n}")
    shutil.rmtree(work / f"b{n}.brgit", ignore_errors=True)
    return wall, probe.in_order(), top


def run_hand(work: Path, n: int) -> float:
    repo = make_repo(work / f"h{n}")
    trees = work / f"h{n}.trees"
    trees.mkdir()
    script = work / "hand.sh"
    script.write_text(HAND)
    base = git(repo, "rev-parse", "HEAD")
    env = {**os.environ, "REPO": str(repo), "TREES": str(trees), "BASE": base}
    ids = "".join(f"t{i:04d}\n" for i in range(n))
    start = time.perf_counter()
    subprocess.run(["xargs", "-P", "4", "-n", "1", "sh", str(script)], input=ids, text=True,
                   env=env, check=True)  # fmt: skip
    wall = time.perf_counter() - start
    shutil.rmtree(repo)
    shutil.rmtree(trees)
    return wall


def deciles(values: list[float]) -> list[float]:
    size = max(1, len(values) // 10)
    return [statistics.median(values[i : i + size]) for i in range(0, len(values), size)][:10]


def svg(rows: list[dict[str, Any]]) -> str:
    """Per-task overhead (ms) against N, both series, as a small SVG line chart."""
    width, height, pad = 560, 320, 50
    ns = [r["tasks"] for r in rows]
    top = max(max(r["brgit_ms_per_task"], r["hand_ms_per_task"]) for r in rows) * 1.1
    x = lambda n: pad + (width - 2 * pad) * ns.index(n) / max(1, len(ns) - 1)  # noqa: E731
    y = lambda v: height - pad - (height - 2 * pad) * v / top  # noqa: E731
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">',
             '<rect width="100%" height="100%" fill="white"/>']  # fmt: skip
    for key, colour in (("brgit_ms_per_task", "#c0392b"), ("hand_ms_per_task", "#2471a3")):
        points = " ".join(f"{x(r['tasks']):.0f},{y(r[key]):.0f}" for r in rows)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                     f'points="{points}"/>')  # fmt: skip
        parts.append(f'<text x="{width - pad}" y="{y(rows[-1][key]) - 6:.0f}" fill="{colour}" '
                     f'font-size="11" text-anchor="end">{key.split("_")[0]}</text>')  # fmt: skip
    for n in ns:
        parts.append(f'<text x="{x(n):.0f}" y="{height - pad + 16}" font-size="11" '
                     f'text-anchor="middle">{n}</text>')  # fmt: skip
    parts.append(f'<text x="{pad}" y="{pad - 14}" font-size="12">ms per task (median) '
                 f'against tasks in the session, 4 workers; top {top:.0f} ms</text>')  # fmt: skip
    parts.append("</svg>")
    return "\n".join(parts)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10,40,100,250,400,1000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, help="also profile one run of N tasks")
    parser.add_argument("--tmp", default="/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    args = parser.parse_args()
    os.environ.update(ENV)
    sizes = [int(s) for s in args.sizes.split(",")]
    rows: list[dict[str, Any]] = []
    profiles: dict[str, str] = {}
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        work = Path(tmp)
        os.environ["HOME"] = str(work)
        for n in sizes:
            ours, hand, dispatch = [], [], []
            for _ in range(args.runs):
                wall, each, _top = run_brgit(work, n)
                ours.append(wall)
                dispatch.append(each)
                hand.append(run_hand(work, n))
            rows.append(summarise(n, ours, hand, dispatch))
            print(line(rows[-1]), flush=True)
        if args.profile:
            _, _, profiles[str(args.profile)] = run_brgit(work, args.profile, profile=True)
    report = {"rows": rows, "profiles": profiles, "tmp": args.tmp, "runs": args.runs,
              "load_average": os.getloadavg()}  # fmt: skip
    save("sessions", report)
    (Path(__file__).parent / "results" / "sessions.svg").write_text(svg(rows))
    return verdict(rows)


def summarise(
    n: int, ours: list[float], hand: list[float], dispatch: list[list[float]]
) -> dict[str, Any]:
    last = dispatch[-1]
    return {
        "tasks": n,
        "brgit_seconds": ours,
        "hand_seconds": hand,
        "brgit_ms_per_task": 1000 * median(ours) / n,
        "hand_ms_per_task": 1000 * median(hand) / n,
        "ratio": median(ours) / median(hand),
        "dispatch_ms": [[round(1000 * s, 3) for s in run] for run in dispatch],
        "dispatch_first_ms": 1000 * median([run[0] for run in dispatch]),
        "dispatch_deciles_ms": [1000 * d for d in deciles(last)],
        "dispatch_median_ms": 1000 * statistics.median(last),
        "dispatch_p99_ms": 1000 * sorted(last)[int(0.99 * (len(last) - 1))],
    }


def line(row: dict[str, Any]) -> str:
    ours, hand = median(row["brgit_seconds"]), median(row["hand_seconds"])
    return (f"{row['tasks']:5d} tasks: brgit {ours:7.2f}s "
            f"({row['brgit_ms_per_task']:.1f} ms/task), by hand {hand:6.2f}s "
            f"({row['hand_ms_per_task']:.1f} ms/task), "
            f"ratio {row['ratio']:.2f}; dispatch first {row['dispatch_first_ms']:.2f} ms, "
            f"median {row['dispatch_median_ms']:.2f} ms, p99 {row['dispatch_p99_ms']:.2f} ms, "
            f"last decile {row['dispatch_deciles_ms'][-1]:.2f} ms")  # fmt: skip


def verdict(rows: list[dict[str, Any]]) -> int:
    by_n = {r["tasks"]: r for r in rows}
    ok = True
    if 400 in by_n:
        ok &= by_n[400]["ratio"] <= 3.0
    if 250 in by_n and 1000 in by_n:
        growth = median(by_n[1000]["brgit_seconds"]) / median(by_n[250]["brgit_seconds"])
        print(f"250 -> 1000 tasks: {growth:.2f}x the time (goal <= 5x)")
        ok &= growth <= 5.0
    if 1000 in by_n:
        row = by_n[1000]
        print(f"1000 tasks: last decile's dispatch {row['dispatch_deciles_ms'][-1]:.2f} ms against "
              f"the first decile's {row['dispatch_deciles_ms'][0]:.2f} ms")  # fmt: skip
        first = max(row["dispatch_deciles_ms"][0], row["dispatch_first_ms"])
        ok &= row["dispatch_deciles_ms"][-1] <= first
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
