"""The ray backend's overhead per task against the local backend, on one machine.

    unshare -rn sh -c 'ip link set lo up && exec python bench/bench_ray.py [--runs 5] [--tasks 16]'

Run it inside a loopback-only network namespace, as the ray test suite is (docs/SCALE.md):
outside one, Ray binds to the machine's outside address. It starts a local cluster (a head
without CPUs and two worker nodes of two CPUs), a repository of 2,000 files and a bare remote
on the same disk, then times, alternating the three so machine noise hits them alike:

1. one-task sessions (`run_plan` of a task that writes one file and commits): the latency one
   task pays, local backend against ray backend (warm: each node's mirror already cloned);
2. sessions of `--tasks` such tasks on four workers: the throughput cost per task;
3. the floor: the same number of plain Ray tasks that only run `sh -c 'echo x > f'` (no git,
   no brgit), so what brgit adds on Ray is told apart from what Ray itself costs.

The first ray session (each node clones the remote) is reported on its own. Every sample is
kept in bench/results/ray.json; medians and ratios are printed.
"""

from __future__ import annotations

import argparse
import dataclasses
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _util import median, save

from brgit.config import Config, load_config
from brgit.core.plan import Plan, Task
from brgit.parallel.orchestrator import run_plan

IDENTITY = ["-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *IDENTITY, *args], cwd=cwd, check=True, capture_output=True)


def loopback_only() -> bool:
    return all(name == "lo" for _, name in socket.if_nameindex())


def make_repo(root: Path, files: int) -> tuple[Path, str]:
    repo = root / "repo"
    repo.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    for i in range(files):
        folder = repo / f"pkg{i // 500:03d}"
        folder.mkdir(exist_ok=True)
        (folder / f"mod{i:05d}.py").write_text(f"VALUE = {i}\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "files")
    bare = root / "remote.git"
    git(root, "init", "-q", "--bare", str(bare))
    git(repo, "push", "-q", str(bare), "main")
    return repo, f"file://{bare}"


def configs(repo: Path, remote: str, work: Path) -> dict[str, Config]:
    cfg = load_config(repo)
    par = dataclasses.replace(cfg.parallel, copy_files=[], max_concurrency=64)
    tel = dataclasses.replace(cfg.telemetry, enabled=False)
    base = dataclasses.replace(cfg, parallel=par, telemetry=tel)
    cluster = dataclasses.replace(cfg.cluster, backend="ray", remote=remote, work_dir=str(work))
    return {"local": base, "ray": dataclasses.replace(base, cluster=cluster)}


def session(repo: Path, cfg: Config, backend: str, name: str, tasks: int, workers: int) -> float:
    plan = Plan(name=name, tasks=[Task(f"t{i}", run=f"echo {i} > out{i}.txt")
                                  for i in range(tasks)])  # fmt: skip
    start = time.perf_counter()
    record = run_plan(plan, root=repo, cfg=cfg, session=name, workers=workers, agent="shell",
                      backend=backend)  # fmt: skip
    elapsed = time.perf_counter() - start
    if record.status != "completed":
        raise SystemExit(f"{backend} session {name} did not complete: "
                         f"{[r.error for r in record.tasks.values() if r.error]}")  # fmt: skip
    return elapsed


def floor(ray: Any, tasks: int, work: Path) -> float:
    """Plain Ray tasks doing only the shell command: Ray's own cost, no git, no brgit."""

    def run(i: int) -> int:
        command = ["sh", "-c", f"echo {i} > {work}/floor{i}.txt"]
        return subprocess.run(command, check=True).returncode

    remote = ray.remote(num_cpus=1)(run)
    start = time.perf_counter()
    ray.get([remote.remote(i) for i in range(tasks)])
    return time.perf_counter() - start


def start_cluster(temp: Path) -> Any:
    import ray
    from ray.cluster_utils import Cluster

    head = {"num_cpus": 0, "node_ip_address": "127.0.0.1", "include_dashboard": False,
            "temp_dir": str(temp)}  # fmt: skip
    cluster = Cluster(initialize_head=True, head_node_args=head)
    for _ in range(2):
        cluster.add_node(num_cpus=2, node_ip_address="127.0.0.1")
    ray.init(address=cluster.address, log_to_driver=False)
    return cluster


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=16)
    parser.add_argument("--files", type=int, default=2000)
    args = parser.parse_args()
    if not loopback_only():
        raise SystemExit("run inside a loopback-only network namespace: unshare -rn sh -c "
                         "'ip link set lo up && exec python bench/bench_ray.py'")  # fmt: skip
    import ray

    with tempfile.TemporaryDirectory(prefix="br-ray-") as tmp:
        root = Path(tmp)
        repo, remote = make_repo(root, args.files)
        cfgs = configs(repo, remote, root / "nodes")
        cluster = start_cluster(root / "ray")
        try:
            results = measure(ray, repo, cfgs, args, root)
        finally:
            ray.shutdown()
            cluster.shutdown()
    report(results, args)


def measure(ray: Any, repo: Path, cfgs: dict[str, Config], args: Any, root: Path) -> dict[str, Any]:
    cold = [session(repo, cfgs["ray"], "ray", "cold", 4, 4)]  # every node clones the remote
    one: dict[str, list[float]] = {"local": [], "ray": []}
    many: dict[str, list[float]] = {"local": [], "ray": [], "ray-floor": []}
    for run in range(args.runs):
        for backend in ("local", "ray"):
            one[backend].append(session(repo, cfgs[backend], backend, f"one-{backend}-{run}", 1, 1))
    for run in range(max(1, args.runs // 2 + 1)):
        for backend in ("local", "ray"):
            many[backend].append(session(repo, cfgs[backend], backend, f"many-{backend}-{run}",
                                         args.tasks, 4))  # fmt: skip
        many["ray-floor"].append(floor(ray, args.tasks, root))
    return {"cold_ray_session_4_tasks_s": cold, "one_task_session_s": one,
            f"{args.tasks}_tasks_4_workers_s": many}  # fmt: skip


def report(results: dict[str, Any], args: Any) -> None:
    one = results["one_task_session_s"]
    many = results[f"{args.tasks}_tasks_4_workers_s"]
    lines = [
        "cold ray session, 4 tasks (each node clones the remote): "
        f"{results['cold_ray_session_4_tasks_s'][0]:.2f} s",
        f"one-task session: local {median(one['local']):.2f} s, ray {median(one['ray']):.2f} s "
        f"(ray - local = {median(one['ray']) - median(one['local']):.2f} s per task, "
        f"ratio {median(one['ray']) / median(one['local']):.2f})",
        f"{args.tasks} tasks on 4 workers: local {median(many['local']):.2f} s, "
        f"ray {median(many['ray']):.2f} s, plain Ray floor {median(many['ray-floor']):.2f} s; "
        f"per task: local {median(many['local']) / args.tasks * 1000:.0f} ms, "
        f"ray {median(many['ray']) / args.tasks * 1000:.0f} ms "
        f"(ratio {median(many['ray']) / median(many['local']):.2f})",
    ]
    print("\n".join(lines))
    path = save("ray", {"args": vars(args), "samples": results, "summary": lines})
    print(f"samples: {path}")


if __name__ == "__main__":
    main()
