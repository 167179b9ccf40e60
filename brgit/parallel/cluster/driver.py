"""The `ray` executor, on the driver: attempts submitted as Ray tasks, results handed back as the
local executor hands them back.

Before an attempt is submitted, the commits it starts from that only this repository has (the
session's base) are pushed to the remote under `refs/brgit/<session>/starts/`, so every node
can fetch them; a dependency's result is already there, on its branch. Ray re-runs a task
whose node was lost (`cluster.max_retries`); its earlier run returns nothing, so only the run
that returns is recorded. A result whose attempt key was already handed back is dropped, so
nothing a node reports is appended twice.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from brgit.config import Config
from brgit.errors import ConfigError, ParallelError
from brgit.gitops import mirror as git_mirror
from brgit.gitops.git import run_git
from brgit.parallel.executor import AttemptHost, AttemptResult, AttemptSpec

log = logging.getLogger(__name__)
NAMESPACE = "brgit"


def preflight(cfg: Config) -> None:
    """What a session on Ray needs, said before anything starts: the extra, and a remote."""
    from brgit.extras import require

    require("ray", "the ray backend needs Ray")
    if not cfg.cluster.remote:
        raise ConfigError(
            "cluster.remote is not set: the ray backend needs a git URL every node can reach "
            "(br config set cluster.remote URL)"
        )


def connect(cfg: Config) -> bool:
    """Join the cluster at `cluster.address` (empty: RAY_ADDRESS, else the cluster started on
    this machine); True when this call connected (and so should disconnect). No environment
    variable is passed in a runtime_env: what it holds shows in the dashboard and job info."""
    import ray

    if ray.is_initialized():
        return False
    address = cfg.cluster.address or None
    try:
        ray.init(address=address or "auto", namespace=NAMESPACE, log_to_driver=False,
                 logging_level=logging.WARNING, configure_logging=False)  # fmt: skip
    except (ConnectionError, RuntimeError, ValueError) as exc:
        shown = address or "auto (RAY_ADDRESS, or a cluster started here)"
        raise ParallelError(f"cannot reach the Ray cluster at {shown}: {_line(exc)}") from None
    return True


def node_task(spec: AttemptSpec, board: Any, identity: dict[str, str]) -> AttemptResult:
    """What runs on a node: say where, unless dropped; then the attempt itself."""
    import ray

    from brgit.parallel.cluster.node import run_on_node

    node = ray.get_runtime_context().get_node_id()
    try:
        starts = ray.get(board.start.remote(spec.key, node))
    except ray.exceptions.RayError as exc:  # the board went with its driver
        return AttemptResult("stopped", f"its session's driver is gone ({_line(exc)})", node=node)
    if not starts:
        return AttemptResult("stopped", "stopped before it started", node=node)
    cancelled = lambda: bool(ray.get(board.cancelled.remote(spec.key)))  # noqa: E731
    return run_on_node(spec, node, cancelled, identity)


def identity(root: Path) -> dict[str, str]:
    """The author and committer this repository's commits get, for the nodes' commits (an
    empty dict when git has none: the node's own configuration decides)."""
    found: dict[str, str] = {}
    for role in ("AUTHOR", "COMMITTER"):
        result = run_git(["var", f"GIT_{role}_IDENT"], root, check=False)
        match = re.match(r"^(.*) <([^>]*)> \d+ [+-]\d{4}$", result.stdout.strip())
        if result.ok and match:
            found[f"GIT_{role}_NAME"], found[f"GIT_{role}_EMAIL"] = match.group(1), match.group(2)
    return found


class RayExecutor:
    """At most `workers` attempts at once as Ray tasks (the scheduler keeps that count); each
    reserves `cluster.task_cpus` on its node."""

    def __init__(self, host: AttemptHost, workers: int) -> None:
        import ray

        from brgit.parallel.cluster.board import Board

        cfg = host.ctx.config
        preflight(cfg)
        self.host = host
        self.owns_connection = connect(cfg)
        self.board: Any = _board(ray, Board)
        self.task = ray.remote(node_task).options(
            num_cpus=cfg.cluster.task_cpus, max_retries=cfg.cluster.max_retries,
            retry_exceptions=False,
        )  # fmt: skip
        self.specs: dict[Any, AttemptSpec] = {}  # ObjectRef -> spec
        self.by_key: dict[str, Any] = {}
        self.published: set[str] = set()
        self.handed: set[str] = set()
        self.identity: dict[str, str] | None = None

    def submit(self, spec: AttemptSpec) -> str:
        self._publish(spec)
        if self.identity is None:
            self.identity = identity(spec.root)
        ref = self.task.remote(spec, self.board, self.identity)
        self.specs[ref] = spec
        self.by_key[spec.key] = ref
        return spec.key

    def _publish(self, spec: AttemptSpec) -> None:
        """Push the starts only this repository has, once each."""
        for commit in spec.starts:
            if commit in self.published or not _local(spec.root, commit):
                continue
            ref = f"refs/brgit/{spec.session}/starts/{commit}"
            git_mirror.push_ref(spec.root, spec.cfg.cluster.remote, commit, ref)
            self.published.add(commit)

    def wait(self, timeout: float) -> list[tuple[AttemptSpec, AttemptResult]]:
        import ray

        if not self.specs:
            return []
        refs = list(self.specs)
        ready, rest = ray.wait(refs, num_returns=1, timeout=timeout)
        if ready and rest:
            more, _ = ray.wait(rest, num_returns=len(rest), timeout=0)
            ready += more
        finished = []
        for ref in ready:
            spec = self.specs.pop(ref)
            self.by_key.pop(spec.key, None)
            result = _result(ref)
            if self.fresh(spec):
                finished.append((spec, result))
        return finished

    def fresh(self, spec: AttemptSpec) -> bool:
        """The first result of this attempt (a repeat is dropped: its records are in)."""
        key = f"{spec.session_id}/{spec.key}"
        if key in self.handed:
            log.warning("br: attempt %s came back twice; the repeat is dropped", spec.key)
            return False
        self.handed.add(key)
        return True

    def cancel(self, key: str, *, force: bool) -> None:
        if key in self.by_key:
            self.board.cancel.remote(key, force)

    def running(self) -> int:
        return len(self.specs)

    def shutdown(self) -> None:
        import ray

        try:
            ray.kill(self.board)
        except Exception as exc:  # the cluster is gone: nothing left to release
            log.debug("board already gone: %s", exc)
        if self.owns_connection:
            ray.shutdown()


def _board(ray: Any, board: type) -> Any:
    """The board, on the driver's own node: it lives and dies with the driver, never with a
    worker node that a task's loss takes down. (A soft affinity is not enough: Ray 2.60
    placed the board on another node when the driver's had no CPUs.)"""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    here = ray.get_runtime_context().get_node_id()
    where = NodeAffinitySchedulingStrategy(node_id=here, soft=False)
    return ray.remote(num_cpus=0, scheduling_strategy=where)(board).remote()


def _local(root: Path, commit: str) -> bool:
    return run_git(["cat-file", "-e", f"{commit}^{{commit}}"], root, check=False).ok


def _result(ref: Any) -> AttemptResult:
    import ray

    try:
        result = ray.get(ref)
    except ray.exceptions.TaskCancelledError:
        return AttemptResult("stopped", "cancelled by Ray before it started")
    except ray.exceptions.RayError as exc:  # retries exhausted, the driver's own loss...
        return AttemptResult("failed", f"ray: {_line(exc)}")
    if not isinstance(result, AttemptResult):  # pragma: no cover - a version mismatch
        return AttemptResult("failed", f"ray: unexpected result {type(result).__name__}")
    return result


def _line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
