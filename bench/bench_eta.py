"""Backtest of the session ETA (issue 15): the estimate at 25, 50 and 75% progress against the
time the session really took from there.

    python bench/bench_eta.py [--runs 3]              # record sessions here, then backtest
    python bench/bench_eta.py --repo PATH             # backtest the sessions recorded in PATH

A session's state at any moment is rebuilt from its status events (which task was ready,
running since when, finished after how long); `brgit.parallel.eta.estimate` gets that state,
as `br parallel status` would have at that moment, and its answer is compared with the last
task's finish. Goal: within 20% at 50% progress on sessions of equal-sized tasks. The
sessions recorded here: equal tasks (24 x 1 s on 3 workers, 12 x 2 s on 2), a dependency
graph of equal tasks, and tasks of mixed sizes (0.3 to 3 s, shuffled). Every estimate is
written to bench/results/eta.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _util import save
from bench_sessions import ENV, make_repo

from brgit.config import load_config
from brgit.core.plan import Plan, Task
from brgit.core.session import SessionRecord, list_sessions
from brgit.parallel.eta import Snapshot, TaskState, estimate
from brgit.parallel.orchestrator import run_plan
from brgit.telemetry.collector import EventCollector

POINTS = (0.25, 0.5, 0.75)


def sessions(rng: random.Random) -> dict[str, tuple[list[Task], int]]:
    equal = [Task(f"e{i:02d}", run="sleep 1") for i in range(24)]
    pairs = [Task(f"p{i:02d}", run="sleep 2") for i in range(12)]
    graph = [Task(f"g{i:02d}", run="sleep 1", depends_on=[f"g{i - 4:02d}"] if i >= 4 else [])
             for i in range(20)]  # fmt: skip
    sizes = [0.3, 0.5, 1.0, 1.5, 2.0, 3.0] * 3
    rng.shuffle(sizes)
    mixed = [Task(f"m{i:02d}", run=f"sleep {s}") for i, s in enumerate(sizes)]
    return {
        "equal-24x1s-3w": (equal, 3),
        "equal-12x2s-2w": (pairs, 2),
        "chains-20x1s-4w": (graph, 4),
        "mixed-18-3w": (mixed, 3),
    }


def record_sessions(work: Path, runs: int) -> Path:
    repo = make_repo(work / "repo")
    cfg = load_config(repo)
    cfg = dataclasses.replace(cfg, parallel=dataclasses.replace(cfg.parallel, copy_files=[]))
    rng = random.Random(15)
    for n in range(runs):
        for name, (tasks, workers) in sessions(rng).items():
            done = run_plan(Plan(f"{name}-{n}", tasks), root=repo, cfg=cfg, workers=workers)
            assert done.status == "completed", done.tasks
    return repo


Timeline = dict[str, list[tuple[dt.datetime, str]]]  # task -> (time, status reached)


def timelines(events: list[dict[str, Any]], session_id: str) -> Timeline:
    out: Timeline = {}
    for event in events:
        if event.get("session_id") != session_id or event["event_type"] != "task_status_changed":
            continue
        stamp = dt.datetime.fromisoformat(event["timestamp"])
        out.setdefault(event["task_id"], []).append((stamp, event["data"]["to_status"]))
    for changes in out.values():
        changes.sort()
    return out


def state_at(record: SessionRecord, lines: Timeline, at: dt.datetime) -> Snapshot:
    graph = record.plan.graph()
    tasks = []
    for task_id in graph.order:
        seen = {status: stamp for stamp, status in lines.get(task_id, []) if stamp <= at}
        past = [status for stamp, status in lines.get(task_id, []) if stamp <= at]
        status = past[-1] if past else "pending"
        start, end = seen.get("running"), seen.get("completed")
        elapsed = (at - start).total_seconds() if status == "running" and start else None
        duration = (end - start).total_seconds() if end and start else None
        waited = (start - seen["ready"]).total_seconds() if start and "ready" in seen else None
        tasks.append(TaskState(task_id, status, graph.dependencies[task_id], elapsed, duration,
                               waited))  # fmt: skip
    return Snapshot(tasks, record.num_workers)


def backtest(record: SessionRecord, events: list[dict[str, Any]]) -> dict[str, Any]:
    lines = timelines(events, record.session_id)
    finishes = sorted(s for changes in lines.values() for s, status in changes
                      if status == "completed")  # fmt: skip
    total = len(record.plan.tasks)
    if len(finishes) < total:
        return {"session": record.name, "skipped": "not every task completed"}
    end = finishes[-1]
    out: dict[str, Any] = {"session": record.name, "tasks": total, "workers": record.num_workers}
    for point in POINTS:
        at = finishes[max(0, round(point * total) - 1)]  # the moment that share completed
        eta = estimate(state_at(record, lines, at)).eta_seconds
        actual = (end - at).total_seconds()
        error = None if eta is None or not actual else (eta - actual) / actual
        shown = None if error is None else round(error, 4)
        out[f"{int(point * 100)}%"] = {"eta": eta, "actual": round(actual, 3), "error": shown}
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--repo", type=Path, help="backtest the sessions recorded there")
    parser.add_argument("--tmp", default="/dev/shm" if os.access("/dev/shm", os.W_OK) else None)
    args = parser.parse_args()
    os.environ.update(ENV)
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        os.environ.setdefault("HOME", tmp)
        repo = args.repo or record_sessions(Path(tmp), args.runs)
        events = list(EventCollector(repo).iter_events())
        results = [backtest(record, events) for record in list_sessions(repo)]
    rows = [r for r in results if "skipped" not in r]
    summary = summarise(rows)
    for kind, figures in summary.items():
        print(kind, " ".join(f"{k}: {v}" for k, v in figures.items()))
    save("eta", {"sessions": results, "summary": summary, "load_average": os.getloadavg()})
    equal = summary.get("equal", {}).get("50%")
    return 0 if equal is not None and equal <= 0.20 else 1


def summarise(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Median absolute error per kind of session and progress point."""
    kinds: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        kinds.setdefault(row["session"].split("-")[0], []).append(row)
    out: dict[str, dict[str, float]] = {}
    for kind, found in kinds.items():
        out[kind] = {}
        for point in POINTS:
            key = f"{int(point * 100)}%"
            errors = [abs(r[key]["error"]) for r in found if r[key]["error"] is not None]
            if errors:
                out[kind][key] = round(statistics.median(errors), 4)
    return out


if __name__ == "__main__":
    raise SystemExit(main())
