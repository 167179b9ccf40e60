"""Fixtures of the cluster tests: a bare remote, configs for the ray backend, and (for the
`ray` suite) a local Ray cluster of a head and two worker nodes.

Tests marked `ray` run only when asked for (`pytest -m ray`) and only inside a network
namespace whose one interface is loopback (`unshare -rn sh -c 'ip link set lo up && exec
python -m pytest -m ray tests/ray'`): outside one, Ray binds to the machine's outside address
and probes a public resolver. Unmarked tests here (the node side, without Ray) run always.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from brgit.config import Config
from tests.conftest import git
from tests.parallel.conftest import make_cfg, no_leftover_processes  # noqa: F401

NODE_KEY = "sk-ant-api03-nodeenvironmentkey0123456789abcdefghij"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "ray" in (config.option.markexpr or ""):
        problem = _why_not()
        if problem:
            skip = pytest.mark.skip(reason=problem)
            for item in items:
                if item.get_closest_marker("ray"):
                    item.add_marker(skip)
        return
    skip = pytest.mark.skip(reason="ray suite: run with `pytest -m ray` in a loopback-only "
                            "network namespace (docs/SCALE.md)")  # fmt: skip
    for item in items:
        if item.get_closest_marker("ray"):
            item.add_marker(skip)


def _why_not() -> str | None:
    if importlib.util.find_spec("ray") is None:
        return "Ray is not installed: pip install -e '.[ray]'"
    others = [name for _, name in socket.if_nameindex() if name != "lo"]
    if others:
        return (f"not in a loopback-only network namespace (interfaces {', '.join(others)}): "
                "unshare -rn sh -c 'ip link set lo up && exec python -m pytest -m ray ...'")
    return None


@pytest.fixture
def remote(tmp_path: Path, repo: Path) -> str:
    """A bare repository every node reaches, holding the repo's main branch."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    git(bare, "config", "uploadpack.allowFilter", "true")
    git(repo, "push", "-q", str(bare), "main")
    return f"file://{bare}"


def cluster_cfg(repo: Path, remote: str, work: Path, **cluster: Any) -> Config:
    cfg = make_cfg(repo)
    settings = {"backend": "ray", "remote": remote, "work_dir": str(work), **cluster}
    return dataclasses.replace(cfg, cluster=dataclasses.replace(cfg.cluster, **settings))


@pytest.fixture(scope="session")
def ray_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A head (no CPUs: tasks go to the workers, the dashboard serves the jobs API) and two
    worker nodes of two CPUs, all on 127.0.0.1; this process is the driver. The nodes' own
    environment holds an API key (NODE_KEY) and a git identity, as a provisioned node would."""
    problem = _why_not()
    if problem:
        pytest.skip(problem)
    import ray
    from ray.cluster_utils import Cluster

    home = tmp_path_factory.mktemp("rayhome")
    (home / ".gitconfig").write_text("[user]\n\tname = ray node\n\temail = node@example.invalid\n")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HOME", str(home))
        env.setenv("GIT_CONFIG_GLOBAL", str(home / ".gitconfig"))
        env.setenv("ANTHROPIC_API_KEY", NODE_KEY)
        env.setenv("RAY_USAGE_STATS_ENABLED", "0")
        temp = tmp_path_factory.mktemp("ray")
        head = {"num_cpus": 0, "node_ip_address": "127.0.0.1", "include_dashboard": True,
                "dashboard_host": "127.0.0.1", "temp_dir": str(temp)}  # fmt: skip
        cluster = Cluster(initialize_head=True, head_node_args=head)
        for _ in range(2):
            cluster.add_node(num_cpus=2, node_ip_address="127.0.0.1")
    ray.init(address=cluster.address, log_to_driver=False, namespace="brgit-tests")
    cluster.temp_dir = temp
    try:
        yield cluster
    finally:
        ray.shutdown()
        cluster.shutdown()
