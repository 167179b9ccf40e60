"""Where task attempts run: the `Executor` protocol, its values, and its registry.

The scheduler (`brgit.parallel.scheduler`) decides what runs when; an executor only runs one
*attempt* of one task (prepare a worktree, run the agent, commit, verify) and hands back what
happened. Everything else stays on brgit's side of this line: the plan's graph and the ready
set, the session record and its journal, task statuses and their events, model choice and
escalation (`brgit.routing`), the cost ledger and telemetry.

An attempt's input is an `AttemptSpec` and its output an `AttemptResult`: plain, picklable
values (the task, the commits it starts from, a snapshot of the config, the worker number,
the model id; the result commit, the outcome, the token usage records). No secret travels in
them: agents read API keys where they run, from the environment or the repository's `.env`.

While an attempt runs it reports to an `AttemptHost` (where its worktree is, the pid of its
agent, its events, the shared concurrency cap and rate-limit backoff). The local executor runs
attempts on threads of the supervising process and hands them the orchestrator itself. A
backend that runs attempts elsewhere (for example a Ray cluster) builds a host on the node
that runs the attempt: a `brgit.context.Context` from `spec.cfg`, and a `Recorder`, which
keeps the reports in the result (`AttemptResult.reports`) for the orchestrator to replay when
the result comes back (`Orchestrator.replay`). A new backend is one class with the five
methods of `Executor` and one entry in `EXECUTORS`; the scheduler does not change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from brgit.core.plan import Task
from brgit.core.usage import TokenUsage

if TYPE_CHECKING:
    from brgit.config import Config
    from brgit.context import Context
    from brgit.parallel.slots import Backoff, Slots
    from brgit.telemetry.events import EventType


@dataclass(frozen=True)
class AttemptSpec:
    """One run of one task, as plain values."""

    session: str  # the session's name (worktree and branch names)
    session_id: str
    task: Task
    number: int  # 1 for a task's first run; 2 for its re-run a tier up; on after a resume
    worker: int  # 1..workers: the worker's ports and BR_WORKER_ID
    agent: str
    model: str  # catalog model id; "" for a task that calls no model (a plain shell task)
    starts: tuple[str, ...]  # the base commit, or the results of the task's dependencies
    cfg: Config
    root: Path  # the main checkout

    @property
    def key(self) -> str:
        return f"{self.task.id}#{self.number}"


@dataclass
class AttemptResult:
    """What one attempt came to."""

    status: str  # completed | failed | blocked | stopped
    error: str | None = None
    commit: str | None = None  # the result commit on the task's branch
    changed: bool = False  # the attempt committed a change
    verified: bool | None = None  # the task's verify passed / failed; None: none ran
    usages: list[TokenUsage] = field(default_factory=list)
    reported_cost_usd: float | None = None  # what the agent reported, when it has no usage
    agent_outcome: str | None = None  # AgentResult.outcome, or no_changes (brgit.agents.base)
    warnings: list[str] = field(default_factory=list)
    duration_ms: int = 0
    reports: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # from a Recorder
    node: str | None = None  # the cluster node that ran the attempt (None: this machine)
    released: bool = False  # the worktree was removed after the task completed


class AttemptHost(Protocol):
    """What a running attempt reaches, on the node that runs it."""

    ctx: Context  # catalog and keys for the agents' model calls
    slots: Slots  # the global cap on agents running at once
    backoff: Backoff  # the shared rate-limit backoff

    def retry(self, call: Any, model_id: str, task_id: str | None) -> Any:
        """One model call through routing's fallback loop."""

    def placed(self, spec: AttemptSpec, branch: str, worktree: str) -> None: ...

    def spawned(self, spec: AttemptSpec, pid: int) -> None: ...

    def report(self, spec: AttemptSpec, kind: EventType, **fields: Any) -> None:
        """An event of the attempt (TelemetryEvent fields: error, success, attempt, data)."""


class Recorder:
    """The reporting half of a host for attempts that run away from the orchestrator: it
    keeps `placed`, `spawned` and events as (name, fields) pairs, which `run_attempt` puts
    in the result."""

    def __init__(self) -> None:
        self.reports: list[tuple[str, dict[str, Any]]] = []

    def placed(self, spec: AttemptSpec, branch: str, worktree: str) -> None:
        self.reports.append(("placed", {"branch": branch, "worktree": worktree}))

    def spawned(self, spec: AttemptSpec, pid: int) -> None:
        self.reports.append(("spawned", {"pid": pid}))

    def report(self, spec: AttemptSpec, kind: EventType, **fields: Any) -> None:
        self.reports.append(("event", {"kind": str(kind), **fields}))

    def record(self, event: dict[str, Any]) -> None:
        """A whole telemetry record made on the node (e.g. by routing's fallback loop)."""
        self.reports.append(("record", event))


class Executor(Protocol):
    """Runs attempts; the scheduler submits them and waits for any to finish."""

    def submit(self, spec: AttemptSpec) -> str:
        """Start `spec` (or queue it); returns its key (`spec.key`)."""

    def wait(self, timeout: float) -> list[tuple[AttemptSpec, AttemptResult]]:
        """The attempts that finished, waiting up to `timeout` seconds for the first one
        (an empty list when none finished in that time)."""

    def cancel(self, key: str, *, force: bool) -> None:
        """Without `force`: drop the attempt if it has not started. With `force`: also stop a
        running one (its agent's process group is killed); it still reports a result
        (status `stopped`)."""

    def running(self) -> int:
        """Attempts submitted whose result was not yet handed back by `wait`."""

    def shutdown(self) -> None:
        """Release the executor's resources once nothing runs."""


ExecutorFactory = Callable[[AttemptHost, int], Executor]  # (host, workers) -> executor


def _local(host: AttemptHost, workers: int) -> Executor:
    from brgit.parallel.local import LocalExecutor

    return LocalExecutor(host, workers)


def _ray(host: AttemptHost, workers: int) -> Executor:
    from brgit.parallel.cluster.driver import RayExecutor

    return RayExecutor(host, workers)


def _check_ray(cfg: Config) -> None:
    from brgit.parallel.cluster.driver import preflight

    preflight(cfg)


# the backends by name; a new one registers its factory here
EXECUTORS: dict[str, ExecutorFactory] = {"local": _local, "ray": _ray}
# what a backend needs before a session starts on it (an extra, a setting), checked up front
PREFLIGHT: dict[str, Callable[[Config], None]] = {"ray": _check_ray}


def check_backend(name: str, cfg: Config) -> str:
    """`name` when a session can run on that backend; else the one-line error (ConfigError
    for an unknown name or a missing setting, MissingExtraError for a missing package)."""
    if name not in EXECUTORS:
        from brgit.errors import ConfigError

        raise ConfigError(f"unknown backend {name!r}: expected one of {', '.join(EXECUTORS)}")
    check = PREFLIGHT.get(name)
    if check is not None:
        check(cfg)
    return name


def get_executor(name: str, host: AttemptHost, workers: int) -> Executor:
    factory = EXECUTORS.get(name)
    if factory is None:
        from brgit.errors import ConfigError

        raise ConfigError(f"unknown executor {name!r}: expected one of {', '.join(EXECUTORS)}")
    return factory(host, workers)
