"""Repairs by a session's own agents: what `br merge --repair` hands a `RepairRequest` to.

The agent registry is not imported here: the caller passes `run_agent` (the application binds
`brgit.agents.base.run_in` to its config), so any registered agent can repair, the same way it
ran the task.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from brgit.merge.repair import RepairRequest

if TYPE_CHECKING:
    from brgit.core.plan import Plan, Task


class AgentOutcome(Protocol):
    success: bool
    error: str | None


RunAgent = Callable[[str, "Task", Path, Mapping[str, str], threading.Event], AgentOutcome]


class TaskFixer:
    """Repairs a session's tasks with their own agents: agent tasks get the repair prompt
    as their task; shell tasks run the plan's `repair` command (the prompt in its env)."""

    def __init__(self, plan: Plan, run_agent: RunAgent, default_agent: str) -> None:
        self.plan = plan
        self.run_agent = run_agent
        self.default_agent = default_agent

    def __call__(self, request: RepairRequest) -> tuple[bool, str]:
        task = self.plan.task(request.task_id)
        agent = task.agent or self.default_agent
        env = {**request.env(), "BR_REPAIR_PROMPT": request.prompt}
        if agent == "shell":
            if not task.repair:
                return False, f"task {task.id!r} has no `repair` command in the plan"
            fix = replace(task, run=task.repair, title=f"repair {task.id}", verify=None)
        else:
            title = f"Repair {task.id}: {task.title}"
            fix = replace(task, title=title, description=request.prompt, files=request.files)
        cancel = threading.Event()
        try:
            outcome = self.run_agent(agent, fix, request.worktree, env, cancel)
        except BaseException:  # Ctrl-C: the agent's process group is stopped too
            cancel.set()
            raise
        if not outcome.success:
            return False, f"{agent} agent failed: {outcome.error or 'no reason given'}"
        return True, ""
