"""The agent protocol, what an agent is given and what it reports, and the registry."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from brgit.core.usage import TokenUsage
from brgit.errors import UsageError

if TYPE_CHECKING:
    from brgit.config import Config
    from brgit.core.plan import Task

RATE_LIMIT_MARKERS = ("429", "529", "rate limit", "rate_limit", "overloaded")


@dataclass
class AgentRequest:
    task: Task
    worktree: Path
    env: Mapping[str, str]
    model: str  # catalog model id (empty for the shell agent, which calls no model)
    cfg: Config
    timeout: float = 1800.0
    on_spawn: Callable[[int], None] | None = None  # told the pid of a child process
    cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def prompt(self) -> str:
        task = self.task
        files = f"\nFiles to touch: {', '.join(task.files)}" if task.files else ""
        return f"{task.title}\n\n{task.description}{files}".strip()


@dataclass
class AgentResult:
    success: bool
    output: str = ""
    error: str | None = None
    usages: list[TokenUsage] = field(default_factory=list)
    reported_cost_usd: float | None = None
    rate_limited: bool = False
    exit_code: int | None = None


class Agent(Protocol):
    name: str

    def run(self, request: AgentRequest) -> AgentResult: ...


def looks_rate_limited(text: str) -> bool:
    lowered = text[-4000:].lower()
    return any(marker in lowered for marker in RATE_LIMIT_MARKERS)


def run_process(
    argv: list[str] | str, request: AgentRequest, *, shell: bool = False
) -> tuple[int, str]:
    """Run a child in its own process group in the worktree; returns (exit code, output).

    The output is stdout and stderr together. A timeout or a cancel kills the whole group.
    """
    proc = subprocess.Popen(
        argv,
        cwd=request.worktree,
        env={**os.environ, **request.env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        shell=shell,
        start_new_session=True,
    )
    if request.on_spawn:
        request.on_spawn(proc.pid)
    watcher = threading.Thread(target=_watch, args=(proc, request), daemon=True)
    watcher.start()
    out, _ = proc.communicate()
    return proc.returncode, out or ""


def _watch(proc: subprocess.Popen[str], request: AgentRequest) -> None:
    deadline = time.monotonic() + request.timeout
    while proc.poll() is None:
        if request.cancel.wait(0.1) or time.monotonic() > deadline:
            kill_group(proc.pid)
            return


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def get_agent(name: str) -> Agent:
    """The agent registered under `name` (shell, command, claude)."""
    from brgit.agents.claude import ClaudeAgent
    from brgit.agents.command import CommandAgent
    from brgit.agents.shell import ShellAgent

    registry: dict[str, Callable[[], Agent]] = {
        "shell": ShellAgent,
        "command": CommandAgent,
        "claude": ClaudeAgent,
    }
    if name not in registry:
        raise UsageError(f"unknown agent {name!r} (known: {', '.join(sorted(registry))})")
    return registry[name]()


def run_in(
    agent: str,
    task: Task,
    worktree: Path,
    env: Mapping[str, str],
    cancel: threading.Event | None = None,
    *,
    cfg: Config,
) -> AgentResult:
    """Run `task` once with the agent registered as `agent`, in `worktree`, outside any
    session (a merge repair uses it): its prompt comes from the task's title and description,
    the shell agent runs its `run`. The model is the task's, else the configured default.
    Setting `cancel` stops the agent's process group."""
    model = task.model or ""
    if not model and agent != "shell":
        from brgit.routing.catalog import load_catalog

        model = load_catalog(cfg.models).resolve(cfg.routing.default_model).id
    request = AgentRequest(
        task=task,
        worktree=worktree,
        env=dict(env),
        model=model,
        cfg=cfg,
        timeout=float(cfg.agent.timeout_seconds),
        cancel=cancel or threading.Event(),
    )
    return get_agent(agent).run(request)


AGENT_NAMES = ("shell", "command", "claude")


def check_agent(name: str) -> None:
    """A usage error (exit 2) for an agent name brgit does not know."""
    if name not in AGENT_NAMES:
        raise UsageError(f"unknown agent {name!r} (known: {', '.join(AGENT_NAMES)})")
