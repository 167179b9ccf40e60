"""The ray backend on a real local cluster (a head and two worker nodes on 127.0.0.1, each node
with its own mirror of a bare remote): tasks on more than one node, dependency bases, a node
lost mid-task, a forced stop, telemetry and costs appended once by the driver, and `br merge`
fetching the session's branches."""

from __future__ import annotations

import re
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from brgit.core.plan import Task
from brgit.core.session import load_session
from brgit.merge.api import merge_session
from brgit.parallel.manager import SessionManager
from brgit.parallel.orchestrator import run_plan
from brgit.parallel.views import session_data
from tests.conftest import git
from tests.parallel.conftest import events, ledger, plan
from tests.ray.conftest import cluster_cfg

pytestmark = pytest.mark.ray

AGENT = """\
import json, pathlib, sys, time
task, go = sys.argv[1], pathlib.Path(sys.argv[2])
pathlib.Path(f"{task}.txt").write_text(task + "\\n")
(go.parent / f"started-{task}").touch()
while not go.exists():
    time.sleep(0.05)
usage = {"inputTokens": 100, "outputTokens": 20, "costUSD": 0.0002}
print(json.dumps({"type": "result", "subtype": "success", "is_error": False, "result": "ok",
                  "modelUsage": {"claude-haiku-4-5": usage}}))
"""


def agent_cfg(repo: Path, remote: str, tmp_path: Path, **cluster: Any) -> Any:
    """The command agent: a fake CLI that writes `<task>.txt`, waits for `go`, and reports
    tokens as Claude Code does."""
    import dataclasses

    script = tmp_path / "agent.py"
    script.write_text(AGENT)
    cfg = cluster_cfg(repo, remote, tmp_path / "nodes", **cluster)
    command = f"{sys.executable} {script} {{task_id}} {tmp_path / 'go'}"
    agent = dataclasses.replace(cfg.agent, default="command", command=command,
                                output_format="claude-json")  # fmt: skip
    return dataclasses.replace(cfg, agent=agent)


def test_tasks_spread_over_nodes_start_from_their_dependencies_and_merge(
    ray_cluster: Any, repo: Path, remote: str, tmp_path: Path
) -> None:
    cfg = cluster_cfg(repo, remote, tmp_path / "nodes", task_cpus=2)  # one task per node
    wait = f"touch {tmp_path}/up-$BR_TASK_ID; while [ $(ls {tmp_path} | grep -c up-) -lt 2 ]; do sleep 0.05; done"
    p = plan(
        Task("a", run=f"echo a > a.txt; {wait}"),
        Task("b", run=f"echo b > b.txt; {wait}"),
        Task("c", run="cat a.txt b.txt > c.txt", depends_on=["a", "b"]),
        name="spread",
    )
    record = run_plan(p, root=repo, cfg=cfg, session="spread", workers=3, agent="shell")
    assert record.status == "completed", {t: r.error for t, r in record.tasks.items()}
    data = session_data(record)
    nodes = {t["task_id"]: t["node"] for t in data["tasks"]}
    assert all(nodes.values()) and nodes["a"] != nodes["b"]  # both ran at once, one per node
    assert record.backend == "ray" and record.remote == remote
    c = record.tasks["c"].commit
    assert git(Path("/"), "ls-remote", remote, "refs/heads/br/spread/c").split()[0] == c
    result = merge_session(repo, cfg, "spread")
    assert [m.task_id for m in result.merged] == ["a", "b", "c"]
    assert git(repo, "show", "main:c.txt") == "a\nb"


def test_a_node_lost_mid_task_costs_no_task_and_records_once(
    ray_cluster: Any, repo: Path, remote: str, tmp_path: Path
) -> None:
    doomed = ray_cluster.add_node(num_cpus=2, node_ip_address="127.0.0.1")
    ray_cluster.wait_for_nodes()
    cfg = agent_cfg(repo, remote, tmp_path, task_cpus=2)
    p = plan(*(Task(t, title=t) for t in ("x", "y", "z")), name="lost")
    done: list[Any] = []
    thread = threading.Thread(target=lambda: done.append(
        run_plan(p, root=repo, cfg=cfg, session="lost", workers=3)))  # fmt: skip
    thread.start()
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("started-*"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(list(tmp_path.glob("started-*"))) == 3  # one task on each of the three nodes
    ray_cluster.remove_node(doomed, allow_graceful=False)
    (tmp_path / "go").touch()
    thread.join(timeout=240)
    _wait_dead(doomed.unique_id)  # before another test's driver could attach to it
    record = done[0]
    assert record.status == "completed", {t: r.error for t, r in record.tasks.items()}
    assert doomed.unique_id not in {r.node for r in record.tasks.values()}
    seen = events(repo)
    for task in ("x", "y", "z"):
        mine = [e for e in seen if e.get("task_id") == task]
        assert [e["event_type"] for e in mine].count("task_completed") == 1
        assert [e["event_type"] for e in mine].count("token_usage") == 1
    costs = ledger(repo)
    assert sorted(r["task_id"] for r in costs) == ["x", "y", "z"]
    assert len({e["event_id"] for e in seen}) == len(seen)


def _wait_dead(node_id: str) -> None:
    import ray

    deadline = time.monotonic() + 120
    while any(n["NodeID"] == node_id and n["Alive"] for n in ray.nodes()):
        assert time.monotonic() < deadline, f"node {node_id} still alive after its removal"
        time.sleep(0.5)


def test_a_forced_stop_kills_the_agents_on_the_nodes(
    ray_cluster: Any, repo: Path, remote: str, tmp_path: Path
) -> None:
    cfg = cluster_cfg(repo, remote, tmp_path / "nodes")
    pids = tmp_path / "pids"
    p = plan(*(Task(t, run=f"sleep 300 & echo $! $$ >> {pids}; wait") for t in ("s1", "s2")),
             name="halt")  # fmt: skip
    done: list[Any] = []
    thread = threading.Thread(target=lambda: done.append(
        run_plan(p, root=repo, cfg=cfg, session="halt", workers=2, agent="shell")))  # fmt: skip
    thread.start()
    deadline = time.monotonic() + 120
    while (not pids.exists() or len(pids.read_text().split()) < 4) and time.monotonic() < deadline:
        time.sleep(0.1)
    if not pids.exists():
        import ray
        from ray.util.state import list_tasks

        raise AssertionError(f"{ray.nodes()}\n{list_tasks()}")
    SessionManager(repo, cfg).stop_session("halt", force=True, wait=0)
    thread.join(timeout=60)
    assert not thread.is_alive()
    record = load_session("halt", repo)
    assert {r.status for r in record.tasks.values()} == {"stopped"}, [r.error for r in record.tasks.values()]
    for pid in pids.read_text().split():
        assert not _alive(int(pid)), f"pid {pid} outlived the stop"


def _alive(pid: int) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
        except OSError:
            return False
        if state == "Z":
            return False
        time.sleep(0.1)
    return True


def test_the_key_is_in_no_ray_log_and_no_job_info(
    ray_cluster: Any, repo: Path, remote: str, tmp_path: Path, br: Any
) -> None:
    from ray.job_submission import JobSubmissionClient

    from tests.ray.conftest import NODE_KEY

    dashboard = f"http://{ray_cluster.head_node.address_info['webui_url']}"
    (repo / ".buildrunner").mkdir(exist_ok=True)
    (repo / ".buildrunner" / "config.toml").write_text(
        f'[cluster]\nbackend = "ray"\naddress = "{ray_cluster.address}"\nremote = "{remote}"\n'
        f'work_dir = "{tmp_path / "nodes"}"\ndashboard = "{dashboard}"\n'
    )
    plan_file = tmp_path / "plan.toml"
    plan_file.write_text(
        '[plan]\nname = "keyed"\n[[tasks]]\nid = "k"\n'
        f'run = "test \\"$ANTHROPIC_API_KEY\\" = {NODE_KEY} && echo \\"$ANTHROPIC_API_KEY\\" && echo ok > k.txt"\n'
    )
    out = br("parallel", "start", "keyed", "--plan", str(plan_file), "--detach", cwd=repo)
    assert out.code == 0, out.err
    job_id = re.search(r"ray job (br-keyed-[0-9a-f]+);", out.out).group(1)
    client = JobSubmissionClient(dashboard)
    deadline = time.monotonic() + 180
    while str(client.get_job_status(job_id)) not in ("SUCCEEDED", "FAILED", "STOPPED"):
        assert time.monotonic() < deadline
        time.sleep(0.5)
    record = load_session("keyed", repo)
    assert record.tasks["k"].status == "completed", client.get_job_logs(job_id)
    info = client.get_job_info(job_id)
    assert NODE_KEY not in repr(info) and not (info.runtime_env or {}).get("env_vars")
    assert NODE_KEY not in client.get_job_logs(job_id)
    leaks = [f for f in Path(ray_cluster.temp_dir).rglob("*") if f.is_file() and not f.is_socket()
             and NODE_KEY.encode() in _read(f)]  # fmt: skip
    assert not leaks


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError:
        return b""
