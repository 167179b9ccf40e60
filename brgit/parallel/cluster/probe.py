"""Whether the cluster of `[cluster]` can be used from here (`br doctor`), without joining it.

Joining a Ray cluster takes seconds and starts processes; the doctor only says whether Ray is
installed, whether the cluster's address answers (a TCP connection to it: the GCS port of a
`host:port` address, the client server of a `ray://` one), and whether `git ls-remote`
reaches `cluster.remote`. A cluster that answers may still refuse a driver (another Ray
version, say): the session says so when it starts.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit

from brgit.config import Config
from brgit.errors import GitError
from brgit.gitops.git import first_line, run_git

CURRENT_CLUSTER = Path("/tmp/ray/ray_current_cluster")  # noqa: S108 - where Ray writes it
TIMEOUT_SECONDS = 3.0


@dataclass
class ClusterCheck:
    backend: str
    address: str | None  # the address used ("" when none could be found)
    ray_version: str | None
    reachable: bool
    remote: str
    remote_ok: bool
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def probe(cfg: Config, cwd: Path) -> ClusterCheck:
    cluster = cfg.cluster
    address = resolve_address(cluster.address)
    check = ClusterCheck(cluster.backend, address, _ray_version(), False, cluster.remote, False)
    if address:
        check.reachable = _answers(address)
    if cluster.remote:
        check.remote_ok, remote_problem = _remote(cluster.remote, cwd)
    else:
        remote_problem = "cluster.remote is not set (a git URL every node can reach)"
    check.problem = _problem(check, remote_problem)
    return check


def _problem(check: ClusterCheck, remote_problem: str | None) -> str | None:
    if check.ray_version is None:
        return "Ray is not installed: pip install 'brgit[ray]'"
    if not check.address:
        return ("no Ray cluster address: set cluster.address or RAY_ADDRESS, or start one here "
                "(ray start --head)")  # fmt: skip
    if not check.reachable:
        return f"nothing answers at {check.address}"
    return remote_problem


def resolve_address(configured: str) -> str:
    """`cluster.address`, else RAY_ADDRESS, else the cluster last started on this machine."""
    given = configured or os.environ.get("RAY_ADDRESS", "")
    if given and given != "auto":
        return given
    try:
        return CURRENT_CLUSTER.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _answers(address: str) -> bool:
    parts = urlsplit(address if "://" in address else f"//{address}")
    try:
        port = parts.port or (10001 if parts.scheme == "ray" else 6379)
    except ValueError:
        return False
    try:
        with socket.create_connection((parts.hostname or "", port), timeout=TIMEOUT_SECONDS):
            return True
    except OSError:
        return False


def _ray_version() -> str | None:
    try:
        return metadata.version("ray")
    except metadata.PackageNotFoundError:
        return None


def _remote(url: str, cwd: Path) -> tuple[bool, str | None]:
    try:
        result = run_git(["ls-remote", "--end-of-options", url, "HEAD"], cwd, check=False,
                         timeout=10 * TIMEOUT_SECONDS)  # fmt: skip
    except GitError as exc:  # a timeout
        return False, f"cluster.remote {url}: {exc}"
    if result.ok:
        return True, None
    return False, f"cluster.remote {url}: {first_line(result.stderr or result.stdout)}"
