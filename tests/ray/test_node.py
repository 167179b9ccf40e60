"""The node side of the ray backend, without Ray: the node's mirror of a bare remote, each task
in its own worktree from its bases, the push with a lease, the key read on the node, the
cancel that kills the agent's process group, the reports kept for the driver."""

from __future__ import annotations

import dataclasses
import os
import threading
import time
from pathlib import Path

import pytest

from brgit.config import Config
from brgit.core.plan import Task
from brgit.parallel.cluster.node import node_dir, run_on_node
from brgit.parallel.executor import AttemptSpec
from tests.conftest import commit_file, git
from tests.ray.conftest import cluster_cfg

NODE = "a1" * 28


def spec_for(cfg: Config, repo: Path, task: Task, starts: tuple[str, ...], number: int = 1) -> AttemptSpec:
    return AttemptSpec("s", "session-x", task, number, 1, "shell", "", starts, cfg, repo)


def remote_tip(remote: str, branch: str) -> str:
    out = git(Path("/"), "ls-remote", remote, f"refs/heads/{branch}")
    return out.split()[0] if out else ""


def test_a_task_runs_in_a_worktree_of_the_nodes_mirror_and_pushes_its_branch(
    repo: Path, remote: str, tmp_path: Path
) -> None:
    cfg = cluster_cfg(repo, remote, tmp_path / "nodes")
    base = git(repo, "rev-parse", "HEAD")
    task = Task("t", title="T", run='echo "$BR_TASK_ID" > out.txt; pwd > ../where.txt',
                verify="test -s out.txt")  # fmt: skip
    result = run_on_node(spec_for(cfg, repo, task, (base,)), NODE, lambda: False)
    assert result.status == "completed", result.error
    assert result.node == NODE and result.changed
    assert remote_tip(remote, "br/s/t") == result.commit
    mirror = node_dir(cfg.cluster, NODE) / "mirror.git"
    assert git(mirror, "rev-parse", "--is-bare-repository") == "true"
    assert git(mirror, "show", f"{result.commit}:out.txt") == "t"
    worked_in = Path((node_dir(cfg.cluster, NODE) / "tasks" / "s" / "where.txt").read_text().strip())
    assert worked_in.parent == node_dir(cfg.cluster, NODE) / "tasks" / "s"
    assert not worked_in.exists()  # the worktree is gone once the branch is pushed
    names = [name for name, _ in result.reports]
    assert names[0] == "placed" and result.reports[0][1] == {"branch": "br/s/t", "worktree": ""}
    assert "event" in names  # the verification, for the driver to record


def test_dependency_results_are_fetched_and_merged_as_the_base(
    repo: Path, remote: str, tmp_path: Path
) -> None:
    cfg = cluster_cfg(repo, remote, tmp_path / "nodes")
    base = git(repo, "rev-parse", "HEAD")
    a = run_on_node(spec_for(cfg, repo, Task("a", run="echo a > a.txt"), (base,)), NODE,
                    lambda: False)  # fmt: skip
    b = run_on_node(spec_for(cfg, repo, Task("b", run="echo b > b.txt"), (base,)), "b2" * 28,
                    lambda: False)  # fmt: skip
    assert a.commit and b.commit
    both = Task("c", run="cat a.txt b.txt > c.txt", depends_on=["a", "b"])
    c = run_on_node(spec_for(cfg, repo, both, (a.commit, b.commit)), NODE, lambda: False)
    assert c.status == "completed", c.error
    git(repo, "fetch", "-q", remote, "br/s/c")
    assert git(repo, "show", f"{c.commit}:c.txt") == "a\nb"
    parents = git(repo, "rev-list", "--parents", "-n", "1", f"{c.commit}^").split()
    assert set(parents[1:]) == {a.commit, b.commit}  # the dependencies' merge is the base


def test_a_branch_that_moved_on_the_remote_is_not_overwritten(
    repo: Path, remote: str, tmp_path: Path
) -> None:
    cfg = cluster_cfg(repo, remote, tmp_path / "nodes")
    base = git(repo, "rev-parse", "HEAD")
    started, go = tmp_path / "started", tmp_path / "go"
    slow = Task("t", run=f"echo mine > t.txt; touch {started}; "
                f"while [ ! -f {go} ]; do sleep 0.05; done")  # fmt: skip
    done: list[object] = []
    spec = spec_for(cfg, repo, slow, (base,))
    thread = threading.Thread(target=lambda: done.append(run_on_node(spec, NODE, lambda: False)))
    thread.start()
    while not started.exists():  # the node has fetched and seen no branch: its lease: absent
        time.sleep(0.05)
    other = commit_file(repo, "other.txt", "someone else\n")
    git(repo, "push", "-q", remote, f"{other}:refs/heads/br/s/t")
    go.touch()
    thread.join()
    result = done[0]
    assert result.status == "failed" and "push of br/s/t to the remote failed" in result.error
    assert remote_tip(remote, "br/s/t") == other


def test_the_key_is_read_on_the_node_from_its_file_and_never_reported(
    repo: Path, remote: str, tmp_path: Path
) -> None:
    key = "sk-ant-api03-filekeyfilekey0123456789abcdefghijklmnop"
    key_file = tmp_path / "secret" / "key"
    key_file.parent.mkdir()
    key_file.write_text(key + "\n")
    cfg = cluster_cfg(repo, remote, tmp_path / "nodes", key_file=str(key_file),
                      base_url="http://127.0.0.1:9")  # fmt: skip
    base = git(repo, "rev-parse", "HEAD")
    task = Task("k", run=f'test "$ANTHROPIC_API_KEY" = "{key}" && test "$ANTHROPIC_BASE_URL" = '
                '"http://127.0.0.1:9" && echo ok > k.txt && echo "$ANTHROPIC_API_KEY" >&2; exit 3')
    result = run_on_node(spec_for(cfg, repo, task, (base,)), NODE, lambda: False)
    assert result.status == "failed"  # exit 3 after the checks: its output named the key
    assert key not in repr(result) and "sk-a" in (result.error or "")
    missing = dataclasses.replace(cfg.cluster, key_file=str(tmp_path / "nope"))
    gone = run_on_node(spec_for(dataclasses.replace(cfg, cluster=missing), repo, task, (base,)),
                       NODE, lambda: False)  # fmt: skip
    assert gone.status == "failed" and "cluster.key_file" in (gone.error or "")
    assert "cannot read it on node" in (gone.error or "")


def test_a_cancel_kills_the_agents_process_group(repo: Path, remote: str, tmp_path: Path) -> None:
    cfg = cluster_cfg(repo, remote, tmp_path / "nodes")
    base = git(repo, "rev-parse", "HEAD")
    pids = tmp_path / "pids"
    task = Task("c", run=f"sleep 60 & echo $! > {pids}; echo $$ >> {pids}; wait")

    def cancelled() -> bool:  # once the agent and its child both run
        return pids.exists() and len(pids.read_text().split()) == 2

    result = run_on_node(spec_for(cfg, repo, task, (base,)), NODE, cancelled)
    assert result.status == "stopped"
    for pid in pids.read_text().split():
        deadline = time.monotonic() + 5
        while _alive(int(pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(int(pid)), f"pid {pid} survived the cancel"
    assert remote_tip(remote, "br/s/c") == ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("partial", [False, True])
def test_the_mirror_is_cloned_once_and_fetched_per_task(
    repo: Path, remote: str, tmp_path: Path, partial: bool
) -> None:
    cfg = cluster_cfg(repo, remote, tmp_path / "nodes", partial_clone=partial)
    base = git(repo, "rev-parse", "HEAD")
    first = run_on_node(spec_for(cfg, repo, Task("a", run="cat README.md > a.txt"), (base,)),
                        NODE, lambda: False)  # fmt: skip
    mirror = node_dir(cfg.cluster, NODE) / "mirror.git"
    inode = os.stat(mirror).st_ino
    newer = commit_file(repo, "new.txt", "new\n")
    git(repo, "push", "-q", remote, "main")
    second = run_on_node(spec_for(cfg, repo, Task("b", run="cat new.txt > b.txt"), (newer,)),
                         NODE, lambda: False)  # fmt: skip
    assert first.status == second.status == "completed", (first.error, second.error)
    assert os.stat(mirror).st_ino == inode  # the same mirror, fetched, not cloned again
    promisor = git(mirror, "config", "--get", "remote.origin.promisor") if partial else ""
    assert promisor == ("true" if partial else "")
