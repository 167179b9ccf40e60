"""One attempt on a cluster node: the node's mirror, the task's worktree, the agent run exactly as
locally (`run_attempt`), the result pushed to the remote, the reports kept in the result.

Nothing here imports ray: the Ray task (`driver.node_task`) hands in the node's id and a
callable that says whether the attempt was cancelled, so all of it runs in tests without a
cluster. Nothing secret comes from the driver: the API key is read on the node, from its
environment or from `cluster.key_file`.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from brgit.config import ClusterConfig
from brgit.context import Context
from brgit.core.session import branch_for
from brgit.errors import BuildRunnerError, ConfigError
from brgit.gitops import mirror as git_mirror
from brgit.gitops import worktrees
from brgit.llm.keys import KEY_VAR, URL_VAR, KeyManager
from brgit.parallel.executor import AttemptResult, AttemptSpec, Recorder
from brgit.parallel.slots import Backoff, Slots
from brgit.parallel.worker import run_attempt
from brgit.parallel.workspace import Workspace, worker_env
from brgit.redact import redact
from brgit.telemetry.collector import EventCollector
from brgit.telemetry.events import normalize

POLL_SECONDS = 0.5
DEFAULT_WORK_DIR = "~/.cache/brgit/cluster"


def node_dir(cluster: ClusterConfig, node: str) -> Path:
    """This node's folder: its mirror, its tasks' worktrees, its slots and backoff. Named by
    the node id, so nodes that share a disk (a test cluster on one machine) never share one."""
    return Path(cluster.work_dir or DEFAULT_WORK_DIR).expanduser() / node[:16]


def agent_env(cluster: ClusterConfig, node: str) -> dict[str, str]:
    """What the agents on this node get besides the node's environment: the API key from
    `cluster.key_file` (a mounted secret), and the LLM proxy from `cluster.base_url`."""
    extra: dict[str, str] = {}
    if cluster.key_file:
        file = Path(cluster.key_file).expanduser()
        try:
            key = file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            why = getattr(exc, "strerror", None) or type(exc).__name__
            where = f"cluster.key_file {file}: cannot read it on node {node[:12]}"
            raise ConfigError(f"{where}: {why}") from None
        if not key:
            raise ConfigError(f"cluster.key_file {file} is empty on node {node[:12]}")
        extra[KEY_VAR] = key
    if cluster.base_url:
        extra[URL_VAR] = cluster.base_url
    return extra


class NodeEvents(EventCollector):
    """The node's event collector: whole records kept for the driver, nothing written here."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__(None)
        self.recorder = recorder

    def collect_event(self, event: dict[str, Any]) -> None:
        self.recorder.record(normalize(event, self._ids.next()))


class NodeHost(Recorder):
    """An attempt's host on a node: a context of its own (catalog, keys read here, events kept
    for the driver), the node's concurrency cap and rate-limit backoff."""

    def __init__(self, spec: AttemptSpec, base: Path, env: Mapping[str, str]) -> None:
        super().__init__()
        cfg = spec.cfg
        keys = KeyManager(base, {**os.environ, **env})
        self.ctx = Context(cfg, base, events=NodeEvents(self), keys=keys)
        self.slots = Slots(base / "store", cfg.parallel.max_concurrency)
        self.backoff = Backoff(base / "store")

    def placed(self, spec: AttemptSpec, branch: str, worktree: str) -> None:
        super().placed(spec, branch, "")  # the node's folder means nothing to the driver

    def spawned(self, spec: AttemptSpec, pid: int) -> None:
        """Not reported: a pid on this node must never be taken for one on the driver's
        machine (where `stop --force` kills recorded pids); this node kills its own."""

    def retry(self, call: Any, model_id: str, task_id: str | None) -> Any:
        from brgit.routing.fallback import FallbackHandler

        ctx = self.ctx
        handler = FallbackHandler(ctx.catalog, ctx.config, root=ctx.root, events=ctx.events)
        return handler.run(call, model_id, task_id=task_id).value


class NodeAttempt:
    """One attempt's git on a node: the worktree from the mirror, the push, the clean-up."""

    def __init__(self, spec: AttemptSpec, base: Path, env: Mapping[str, str]) -> None:
        self.spec = spec
        self.cluster = spec.cfg.cluster
        self.mirror = base / "mirror.git"
        self.branch = branch_for(spec.session, spec.task.id)
        name = f"{spec.task.id}-{spec.number}-{uuid.uuid4().hex[:8]}"
        self.path = base / "tasks" / spec.session / name
        self.env = dict(env)
        self.lease: str | None = None  # the remote's branch as this node last saw it
        self.added = False

    def prepare(self, spec: AttemptSpec) -> Workspace:
        """The task's worktree at its first start, the others merged in (as locally)."""
        git_mirror.ensure_mirror(self.cluster.remote, self.mirror,
                                 partial=self.cluster.partial_clone)  # fmt: skip
        self.lease = git_mirror.ref_value(self.mirror, f"refs/heads/{self.branch}")
        git_mirror.add_task_worktree(self.mirror, self.path, spec.starts[0])
        self.added = True
        env = {**worker_env(spec.cfg, spec.session, spec.task.id, spec.worker, self.path),
               **self.env}  # fmt: skip
        space = Workspace(self.path, self.branch, spec.starts[0], env)
        if len(spec.starts) > 1:
            message = f"br: {spec.task.id}: merge dependencies"
            space.blocked = worktrees.merge_into(self.path, list(spec.starts[1:]), message)
        return space

    def push(self, result: AttemptResult) -> None:
        """Publish the result commit on `br/<session>/<task>`; a rejected push fails the task."""
        if not result.commit:
            return
        try:
            git_mirror.push_branch(self.mirror, self.cluster.remote, result.commit, self.branch,
                                   self.lease)  # fmt: skip
        except BuildRunnerError as exc:
            result.status, result.commit = "failed", None
            result.error = f"push of {self.branch} to the remote failed: {exc}"

    def clean(self) -> None:
        if self.added:
            git_mirror.remove_task_worktree(self.mirror, self.path)


class CancelWatch:
    """Polls `cancelled` until the attempt ends; sets the attempt's cancel flag when it says so
    (the agent's process group is then killed by the worker's own watcher)."""

    def __init__(self, cancelled: Callable[[], bool], flag: threading.Event) -> None:
        self.cancelled = cancelled
        self.flag = flag
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True, name="br-cancel-watch")

    def __enter__(self) -> CancelWatch:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join(timeout=5)

    def _run(self) -> None:
        while not self.done.wait(POLL_SECONDS):
            try:
                if self.cancelled():
                    self.flag.set()
                    return
            except Exception:  # the board is gone with its driver: the task is moot
                self.flag.set()
                return


def run_on_node(
    spec: AttemptSpec,
    node: str,
    cancelled: Callable[[], bool],
    identity: Mapping[str, str] | None = None,
) -> AttemptResult:
    """Run `spec` here and push its result; never raises (an error is a failed result).
    `identity` (GIT_AUTHOR_NAME and the like, from the driver's repository) makes the
    task's commits the session owner's, as they are locally; a Ray worker runs one task at a
    time, so its environment is this task's."""
    os.environ.update(identity or {})
    base = node_dir(spec.cfg.cluster, node)
    try:
        env = agent_env(spec.cfg.cluster, node)
    except BuildRunnerError as exc:
        return AttemptResult("failed", str(exc), node=node)
    host = NodeHost(spec, base, env)
    work = NodeAttempt(spec, base, env)
    flag = threading.Event()
    try:
        with CancelWatch(cancelled, flag):
            result = run_attempt(spec, host, flag, prepare=work.prepare)
            work.push(result)
    finally:
        work.clean()
    secrets = list(env.values())
    result.reports = [(name, _masked(fields, secrets)) for name, fields in host.reports]
    result.node = node
    result.error = redact(result.error, secrets) if result.error else None
    return result


def _masked(fields: dict[str, Any], secrets: list[str]) -> dict[str, Any]:
    """A report with its error masked: the key read from a file here is in no pattern the
    driver knows."""
    error = fields.get("error")
    return {**fields, "error": redact(error, secrets)} if isinstance(error, str) else fields
