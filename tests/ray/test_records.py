"""A cluster session's records on the driver's side, without Ray: `br merge` fetches the
session's branches and merges only those at their recorded commit, `resume` trusts the
remote, status shows each task's node, and the backend's settings fail early and in one line."""

from __future__ import annotations

import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from brgit.core.plan import Task
from brgit.core.session import SessionRecord, save_session
from brgit.errors import ConfigError, MissingExtraError
from brgit.merge.api import merge_session
from brgit.merge.remote import REMOTE_MOVED
from brgit.parallel.cluster.driver import RayExecutor
from brgit.parallel.executor import AttemptSpec, check_backend
from brgit.parallel.orchestrator import new_record
from brgit.parallel.reconcile import reconcile
from brgit.parallel.views import session_data, session_view
from brgit.view import plain_text
from tests.conftest import commit_file, git
from tests.parallel.conftest import plan
from tests.ray.conftest import cluster_cfg


def cluster_session(repo: Path, remote: str, tmp_path: Path) -> tuple[SessionRecord, str]:
    """A finished session whose nodes pushed `a` and `b`; `b` has since moved on the remote.
    Returns the record and b's new tip."""
    cfg = cluster_cfg(repo, remote, tmp_path / "nodes")
    record = new_record(plan(Task("a"), Task("b"), name="s"), "s", root=repo, cfg=cfg,
                        workers=2, agent="shell")  # fmt: skip
    record.backend, record.remote, record.status, record.pid = "ray", remote, "completed", None
    node = tmp_path / "node"
    git(tmp_path, "clone", "-q", remote, str(node))
    for task in ("a", "b"):
        git(node, "checkout", "-q", "-b", f"br/s/{task}", "main")
        rec = record.task(task)
        rec.status, rec.branch, rec.node = "completed", f"br/s/{task}", "f" * 56
        rec.commit = commit_file(node, f"{task}.txt", f"{task}\n")
        git(node, "push", "-q", "origin", f"br/s/{task}")
    moved = commit_file(node, "b.txt", "someone else\n")
    git(node, "push", "-q", "origin", "br/s/b")
    save_session(record, repo)
    return record, moved


def test_merge_fetches_the_branches_and_skips_one_that_moved(
    repo: Path, remote: str, tmp_path: Path
) -> None:
    record, moved = cluster_session(repo, remote, tmp_path)
    result = merge_session(repo, cluster_cfg(repo, remote, tmp_path / "nodes"), "s")
    assert [m.task_id for m in result.merged] == ["a"]
    assert git(repo, "show", "main:a.txt") == "a"
    skipped = {e.task_id: e for e in result.skipped}
    assert skipped["b"].reason == REMOTE_MOVED
    assert moved[:10] in skipped["b"].detail and record.tasks["b"].commit[:10] in skipped["b"].detail
    assert git(repo, "rev-parse", "br/s/a") == record.tasks["a"].commit


def test_resume_keeps_a_task_whose_remote_branch_is_at_its_result(
    repo: Path, remote: str, tmp_path: Path
) -> None:
    record, _ = cluster_session(repo, remote, tmp_path)
    notes = reconcile(record, repo)
    assert record.tasks["a"].status == "completed"  # not in this repository, but on the remote
    assert record.tasks["b"].status == "pending"
    assert notes == ["b: branch on the remote not at the result, will run again"]


def test_status_shows_each_tasks_node_and_the_backend(
    repo: Path, remote: str, tmp_path: Path
) -> None:
    record, _ = cluster_session(repo, remote, tmp_path)
    data = session_data(record)
    assert data["backend"] == "ray" and data["remote"] == remote
    assert {t["task_id"]: t["node"] for t in data["tasks"]} == {"a": "f" * 56, "b": "f" * 56}
    text = plain_text(session_view(record))
    assert "Node" in text and "f" * 12 in text and f"ray, pushing to {remote}" in text


def test_a_local_session_has_no_node_column(repo: Path, tmp_path: Path) -> None:
    record = new_record(plan(Task("a")), "l", root=repo, cfg=cluster_cfg(repo, "", tmp_path),
                        workers=1, agent="shell")  # fmt: skip
    assert "Node" not in plain_text(session_view(record))
    assert session_data(record)["tasks"][0]["node"] is None


def test_the_backend_fails_early_in_one_line(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = cluster_cfg(repo, "", tmp_path)
    with pytest.raises(ConfigError, match="unknown backend 'k8s': expected one of local, ray"):
        check_backend("k8s", cfg)
    assert check_backend("local", cfg) == "local"
    monkeypatch.setitem(sys.modules, "ray", None)  # as if the extra were not installed
    with pytest.raises(MissingExtraError, match=r"pip install 'brgit\[ray\]'"):
        check_backend("ray", cfg)


@pytest.mark.ray  # needs Ray installed: the CI step that installs it runs these
def test_br_parallel_start_on_ray_without_a_remote_is_exit_2(
    repo: Path, tmp_path: Path, br: Any
) -> None:
    pytest.importorskip("ray")
    plan_file = tmp_path / "p.toml"
    plan_file.write_text('[[tasks]]\nid = "a"\nrun = "true"\n')
    out = br("parallel", "start", "x", "--plan", str(plan_file), "--backend", "ray", cwd=repo)
    assert out.code == 2 and "cluster.remote is not set" in out.err
    out = br("parallel", "start", "x", "--plan", str(plan_file), "--backend", "moon", cwd=repo)
    assert out.code == 2 and "unknown backend 'moon'" in out.err
    (repo / ".buildrunner").mkdir(exist_ok=True)
    (repo / ".buildrunner" / "config.toml").write_text('[cluster]\nbackend = "moon"\n')
    out = br("parallel", "start", "x", "--plan", str(plan_file), cwd=repo)
    assert out.code == 2 and "config.toml:2: cluster.backend: expected one of local, ray" in out.err
    assert not (repo / ".buildrunner" / "sessions" / "x").exists()


@pytest.mark.ray  # needs Ray installed: the CI step that installs it runs these
def test_doctor_says_whether_the_cluster_answers(
    repo: Path, remote: str, tmp_path: Path, br: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("ray")
    monkeypatch.setattr("brgit.parallel.cluster.probe.CURRENT_CLUSTER", tmp_path / "none")
    config = repo / ".buildrunner" / "config.toml"
    config.parent.mkdir(exist_ok=True)
    config.write_text(f'[cluster]\nbackend = "ray"\nremote = "{remote}"\n')
    out = br("doctor", "--format", "json", cwd=repo)
    assert out.code == 1 and "no Ray cluster address" in out.out
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        config.write_text(config.read_text() + f'address = "127.0.0.1:{port}"\n')
        out = br("doctor", "--format", "json", cwd=repo)
    assert '"reachable": true' in out.out and '"remote_ok": true' in out.out
    assert '"cluster"' in out.out


def test_an_attempt_that_comes_back_twice_is_handed_back_once(repo: Path, tmp_path: Path) -> None:
    executor = object.__new__(RayExecutor)  # no cluster: only the bookkeeping
    executor.handed = set()
    spec = AttemptSpec("s", "session-1", Task("t"), 1, 1, "shell", "", ("c",),
                       cluster_cfg(repo, "", tmp_path), repo)  # fmt: skip
    assert executor.fresh(spec) and not executor.fresh(spec)
    again = AttemptSpec("s", "session-1", Task("t"), 2, 1, "shell", "", ("c",), spec.cfg, repo)
    assert executor.fresh(again)
