"""The agent protocol, what an agent is given and what it reports, and the registry."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from brgit.choices import AGENT_NAMES
from brgit.core.usage import TokenUsage
from brgit.errors import UsageError

if TYPE_CHECKING:
    from brgit.config import Config
    from brgit.context import Context
    from brgit.core.plan import Task

ModelCall = Callable[[str], Any]  # a catalog model id -> the API's response
# how a model call is made robust: (call, model id, task id) -> the response; the orchestrator
# hands in routing's fallback loop, so agents need not import routing
Retrier = Callable[[ModelCall, str, "str | None"], Any]

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
    ctx: Context | None = None  # the command's catalog and keys (None: built from cfg)
    retry: Retrier | None = None  # None: each model call is made once

    @property
    def prompt(self) -> str:
        task = self.task
        files = f"\nFiles to touch: {', '.join(task.files)}" if task.files else ""
        return f"{task.title}\n\n{task.description}{files}".strip()


# What an agent's run came to (`AgentResult.outcome`); the worker adds NO_CHANGES.
OK = "ok"
ERROR = "error"  # the agent reported an error or exited non-zero
DENIED = "denied"  # the agent was refused a tool or an edit it asked for
API_ERROR = "api_error"  # the model provider refused (auth, billing, quota) or was unreachable
NO_CHANGES = "no_changes"  # the agent finished but changed nothing in its worktree
OUTCOMES = (OK, ERROR, DENIED, API_ERROR, NO_CHANGES)


@dataclass
class AgentResult:
    success: bool
    output: str = ""
    error: str | None = None
    usages: list[TokenUsage] = field(default_factory=list)
    reported_cost_usd: float | None = None
    rate_limited: bool = False
    exit_code: int | None = None
    outcome: str = ""  # one of OUTCOMES; empty: OK when successful, else ERROR
    retryable: bool = False  # a dropped connection: the same agent again after a backoff
    warnings: list[str] = field(default_factory=list)  # e.g. a usage report brgit could not read

    def __post_init__(self) -> None:
        if not self.outcome:
            self.outcome = OK if self.success else ERROR


class Agent(Protocol):
    name: str

    def run(self, request: AgentRequest) -> AgentResult: ...


def looks_rate_limited(text: str) -> bool:
    lowered = text[-4000:].lower()
    return any(marker in lowered for marker in RATE_LIMIT_MARKERS)


def run_process(
    argv: list[str] | str,
    request: AgentRequest,
    *,
    shell: bool = False,
    env: Mapping[str, str] | None = None,
) -> tuple[int, str]:
    """Run a child in its own process group in the worktree; returns (exit code, output).

    The output is stdout and stderr together. A timeout or a cancel kills the whole group.
    `env` adds to the worker's environment (an agent preset's settings).
    """
    proc = subprocess.Popen(
        argv,
        cwd=request.worktree,
        env={**os.environ, **(env or {}), **request.env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        shell=shell,
        start_new_session=True,
    )
    try:
        if request.on_spawn:
            request.on_spawn(proc.pid)
        watcher = threading.Thread(target=_watch, args=(proc, request), daemon=True)
        watcher.start()
        out, _ = proc.communicate()
    except BaseException:  # Ctrl-C before the watcher runs must not leave the agent behind
        kill_group(proc.pid)
        proc.wait()
        raise
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


def registry() -> dict[str, Callable[[], Agent]]:
    """Every agent by name: the three built-in kinds and the agent-CLI presets."""
    from brgit.agents.claude import ClaudeAgent
    from brgit.agents.command import CommandAgent
    from brgit.agents.presets import PRESETS, PresetAgent
    from brgit.agents.shell import ShellAgent

    found: dict[str, Callable[[], Agent]] = {
        "shell": ShellAgent,
        "command": CommandAgent,
        "claude": ClaudeAgent,
    }
    for name, preset in PRESETS.items():
        found[name] = functools.partial(PresetAgent, preset)
    return found


def get_agent(name: str) -> Agent:
    """The agent registered under `name` (one of `brgit.choices.AGENT_NAMES`)."""
    check_agent(name)
    return registry()[name]()


def run_in(
    agent: str,
    task: Task,
    worktree: Path,
    env: Mapping[str, str],
    cancel: threading.Event | None = None,
    *,
    cfg: Config,
    ctx: Context | None = None,
) -> AgentResult:
    """Run `task` once with the agent registered as `agent`, in `worktree`, outside any
    session (a merge repair uses it): its prompt comes from the task's title and description,
    the shell agent runs its `run`. The model is the task's, else the configured default.
    Setting `cancel` stops the agent's process group. The catalog and keys are `ctx`'s
    (default: a context built from `cfg`)."""
    from brgit.context import context_for

    ctx = context_for(cfg, cfg.root, ctx)
    model = task.model or ""
    if not model and agent != "shell":
        model = ctx.catalog.resolve(cfg.routing.default_model).id
    request = AgentRequest(
        task=task,
        worktree=worktree,
        env=dict(env),
        model=model,
        cfg=cfg,
        timeout=float(cfg.agent.timeout_seconds),
        cancel=cancel or threading.Event(),
        ctx=ctx,
    )
    return get_agent(agent).run(request)


def check_agent(name: str) -> None:
    """A usage error (exit 2) for an agent name brgit does not know."""
    if name not in AGENT_NAMES:
        raise UsageError(f"unknown agent {name!r} (known: {', '.join(AGENT_NAMES)})")
