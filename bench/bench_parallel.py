"""Parallel workers: wall time of a 12 x 1 s plan on 4 workers, and worktree creation cost.

    python bench/bench_parallel.py [--runs 3] [--files 10000]

1. Twelve `sleep 1` shell tasks on four workers through `run_plan`, setup included (session
   record, twelve worktrees and branches, commits, telemetry). Target: <= 3.6 s wall. The
   peer, run side by side, is `xargs -P 4` running the same twelve sleeps with no git at all:
   the floor any scheduler can reach.
2. Eight worktrees of a 10,000-file repository: brgit's `br worktree spawn` path (branch,
   worktree, copied ignored files, env) against eight plain `git worktree add` calls,
   alternating one of each, after an unmeasured warm-up round. Target: ratio <= 1.3.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _util import GIT_IDENTITY, median, save

from brgit.config import load_config
from brgit.core.plan import Plan, Task
from brgit.gitops import owned, worktrees
from brgit.parallel.manual import spawn
from brgit.parallel.orchestrator import run_plan

ENV = GIT_IDENTITY


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def make_repo(root: Path, files: int) -> Path:
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    for i in range(files):
        folder = root / f"pkg{i // 500:03d}"
        folder.mkdir(exist_ok=True)
        (folder / f"mod{i:05d}.py").write_text(f"VALUE = {i}\n")
    (root / ".gitignore").write_text(".env\n")
    (root / ".env").write_text("LOCAL=1\n")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "base")
    return root


def bench_plan(work: Path, runs: int) -> dict[str, object]:
    ours, peer = [], []
    for n in range(runs):
        repo = make_repo(work / f"plan{n}", 20)
        cfg = load_config(repo)
        cfg = dataclasses.replace(cfg, parallel=dataclasses.replace(cfg.parallel, copy_files=[]))
        tasks = [Task(f"t{i:02d}", run="sleep 1") for i in range(12)]
        start = time.perf_counter()
        record = run_plan(Plan("bench", tasks), root=repo, cfg=cfg, workers=4)
        ours.append(time.perf_counter() - start)
        assert record.status == "completed", record.tasks
        start = time.perf_counter()
        subprocess.run(
            "printf '%s\\n' 1 2 3 4 5 6 7 8 9 10 11 12 | xargs -P 4 -I{} sleep 1",
            shell=True,
            check=True,
        )
        peer.append(time.perf_counter() - start)
    return {
        "brgit_seconds": ours,
        "xargs_seconds": peer,
        "brgit_median": median(ours),
        "xargs_median": median(peer),
        "ratio": median(ours) / median(peer),
        "target_seconds": 3.6,
    }


def flush() -> None:
    """Write back dirty pages first, so no checkout pays for the previous one's writes."""
    subprocess.run(["sync"], check=False)


def bench_worktrees(work: Path, runs: int, files: int, beside: bool) -> dict[str, object]:
    """Alternate one brgit spawn and two plain adds (one beside the repository, one in the same
    folder brgit uses), eight of each per round, each after an untimed `sync` so none pays the
    other's disk writeback; the first round warms up and is not counted."""
    repo = make_repo(work / "big", files)
    cfg = load_config(repo)
    if beside:  # parallel.worktree_root pointing at a sibling folder of the checkout
        par = dataclasses.replace(cfg.parallel, worktree_root=str(work / "brgit-trees"))
        cfg = dataclasses.replace(cfg, parallel=par)
    same_place = worktrees.default_root(repo, cfg.parallel.worktree_root) / "plain"
    series: dict[str, list[float]] = {"brgit": [], "git_beside": [], "git_same_folder": []}
    for n in range(runs + 1):
        spent = dict.fromkeys(series, 0.0)
        for i in range(8):
            name = f"{n}-{i}"
            spent["brgit"] += timed(partial(spawn, repo, cfg, f"b{name}"))
            beside = ["worktree", "add", "-q", "-b", f"plain/{name}", str(work / f"p{name}")]
            spent["git_beside"] += timed(partial(git, repo, *beside))
            inside = ["worktree", "add", "-q", "-b", f"same/{name}", str(same_place / name)]
            spent["git_same_folder"] += timed(partial(git, repo, *inside))
        for key, value in spent.items():
            if n:
                series[key].append(value)
        for i in range(8):
            git(repo, "worktree", "remove", "--force", str(work / f"p{n}-{i}"))
        shutil.rmtree(worktrees.default_root(repo, cfg.parallel.worktree_root))
        shutil.rmtree(owned.registry_dir(repo), ignore_errors=True)
        git(repo, "worktree", "prune")
    medians = {name: median(values) for name, values in series.items()}
    return {
        "files": files,
        "worktree_root": str(worktrees.default_root(repo, cfg.parallel.worktree_root)),
        "seconds": series,
        "medians": medians,
        "ratio_vs_git_beside": medians["brgit"] / medians["git_beside"],
        "ratio_vs_git_same_folder": medians["brgit"] / medians["git_same_folder"],
        "target_ratio": 1.3,
    }


def timed(action: Callable[[], object]) -> float:
    flush()
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument(
        "--tmp",
        default="/dev/shm" if os.access("/dev/shm", os.W_OK) else None,
        help="where the repositories go (default: /dev/shm, so disk writeback noise does not "
        "swamp the comparison; pass a disk path to include it)",
    )
    parser.add_argument(
        "--worktree-root-beside",
        action="store_true",
        help="set parallel.worktree_root to a folder beside the repository",
    )
    args = parser.parse_args()
    os.environ.update(ENV)
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        work = Path(tmp)
        os.environ["HOME"] = str(work)
        plan = bench_plan(work, args.runs)
        trees = bench_worktrees(work, args.runs, args.files, args.worktree_root_beside)
    print(
        f"12 x 1s tasks on 4 workers: brgit median {plan['brgit_median']:.2f}s "
        f"(target <= 3.6s), xargs -P4 {plan['xargs_median']:.2f}s, ratio {plan['ratio']:.2f}"
    )
    m = trees["medians"]
    assert isinstance(m, dict)
    print(
        f"8 worktrees of {args.files} files: brgit median {m['brgit']:.2f}s, git worktree add "
        f"beside the repo {m['git_beside']:.2f}s (ratio {trees['ratio_vs_git_beside']:.2f}), "
        f"in brgit's folder {m['git_same_folder']:.2f}s "
        f"(ratio {trees['ratio_vs_git_same_folder']:.2f}); target <= 1.3"
    )
    save("parallel", {"plan_12x1s_4_workers": plan, "worktrees_8": trees, "tmp": args.tmp})
    ratio = float(trees["ratio_vs_git_beside"])  # type: ignore[arg-type]
    ok = float(plan["brgit_median"]) <= 3.6 and ratio <= 1.3  # type: ignore[arg-type]
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
