"""Creating and summarising session records."""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path
from typing import Any

from brgit.config import Config
from brgit.context import Context, context_for
from brgit.core.plan import Plan
from brgit.core.session import SessionRecord, check_name, session_file
from brgit.errors import NotFoundError
from brgit.gitops.git import current_branch, rev_parse
from brgit.parallel.worker import now_iso
from brgit.parallel.workspace import check_layout
from brgit.paths import locate
from brgit.process import process_start


def summary(record: SessionRecord) -> dict[str, Any]:
    """The session's counts, tokens and cost. `no_changes` counts the completed tasks whose
    run changed nothing (they are in `completed` too)."""
    tasks = record.tasks.values()
    return {
        "session_id": record.session_id,
        "name": record.name,
        "status": record.status,
        "total_tasks": len(record.plan.tasks),
        **{state: record.count(state) for state in ("completed", "failed", "blocked", "pending")},
        "no_changes": record.no_changes(),
        "ready": record.count("ready"),
        "running": record.count("running"),
        "stopped": record.count("stopped"),
        "input_tokens": sum(t.input_tokens for t in tasks),
        "output_tokens": sum(t.output_tokens for t in tasks),
        "cost_usd": round(sum(t.cost_usd for t in tasks), 6),
        "duration_ms": sum(t.duration_ms or 0 for t in tasks),
    }


def new_record(
    plan: Plan,
    name: str,
    *,
    root: Path,
    cfg: Config,
    workers: int,
    agent: str,
    ctx: Context | None = None,
) -> SessionRecord:
    from brgit.agents.base import check_agent

    agents = {agent, *(t.agent for t in plan.tasks if t.agent)}
    for each in agents:
        check_agent(each)  # say so before any worktree is made
    if "claude" in agents:  # and a missing SDK or key, once, not once per task
        from brgit.extras import require

        require("anthropic", "the claude agent needs the anthropic SDK")
        context_for(cfg, root, ctx).keys.api_key()
    if not locate(root).in_git:
        raise NotFoundError(f"not a git repository: {root}")
    warning = check_layout(cfg, root, agents)  # a ConfigError for agents that cannot use it
    if warning:
        logging.getLogger(__name__).warning("br: warning: %s", warning)  # stderr, once
    base_ref = cfg.parallel.base_branch or "HEAD"
    record = SessionRecord(
        session_id=f"session-{uuid.uuid4().hex[:10]}",
        name=name,
        plan=plan,
        base_commit=rev_parse(base_ref, root),
        base_branch=cfg.parallel.base_branch or current_branch(root),
        num_workers=workers,
        agent=agent,
        created_at=now_iso(),
        pid=os.getpid(),
        pid_started=process_start(os.getpid()),
    )
    for task in plan.tasks:
        record.task(task.id)
    return record


def free_name(base: str, root: Path) -> str:
    name, n = check_name(base), 2
    while session_file(name, root).exists():
        name, n = f"{base}-{n}", n + 1
    return name
