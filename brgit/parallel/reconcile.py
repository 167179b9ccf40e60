"""After a crash: bring a session record in line with git's worktrees and live processes."""

from __future__ import annotations

import os
from pathlib import Path

from brgit.core.session import SessionRecord
from brgit.errors import NotFoundError, ParallelError
from brgit.gitops import worktrees
from brgit.gitops.git import rev_parse
from brgit.parallel import control
from brgit.process import pid_alive

RERUN = ("running", "failed", "blocked", "stopped")


def reconcile(record: SessionRecord, root: Path) -> list[str]:
    """Reset what did not complete to pending; keep completed tasks whose commit exists.

    Refuses while the session's supervising `br` process is still alive. Agents left running
    by a killed supervisor are stopped. Returns one note per change.
    """
    alive = pid_alive(record.pid, record.pid_started)
    if record.pid and record.pid != os.getpid() and alive:
        raise ParallelError(
            f"session {record.name!r} is still running (pid {record.pid}); "
            f"`br parallel stop {record.name}` first"
        )
    live = {w.branch: w for w in worktrees.list_worktrees(root) if w.branch}
    on_remote = _remote_heads(record, root)
    notes = []
    for task_id, rec in record.tasks.items():
        if rec.pid and pid_alive(rec.pid, rec.pid_started):
            from brgit.agents.base import kill_group

            kill_group(rec.pid)
            notes.append(f"{task_id}: stopped orphaned agent pid {rec.pid}")
        rec.pid = None
        if on_remote is not None and rec.status == "completed":
            if on_remote.get(rec.branch or "") != rec.commit:  # the remote is the truth
                rec.status = "pending"
                notes.append(f"{task_id}: branch on the remote not at the result, will run again")
        elif rec.status == "completed" and not _commit_ok(rec.commit, root):
            rec.status = "pending"
            notes.append(f"{task_id}: result commit missing, will run again")
        elif rec.status in RERUN:
            where = "worktree kept" if rec.branch in live else "no worktree"
            notes.append(f"{task_id}: {rec.status} -> pending ({where})")
            rec.status = "pending"
    for task in record.plan.tasks:
        record.task(task.id)
    control.request(record.name, root, "run")
    return notes


def _commit_ok(commit: str | None, root: Path) -> bool:
    if not commit:
        return False
    try:
        rev_parse(commit, root)
    except NotFoundError:
        return False
    return True


def _remote_heads(record: SessionRecord, root: Path) -> dict[str, str] | None:
    """The session's branches on its remote (a session run on a cluster), else None: a
    completed task counts as completed there only while its branch is at its result."""
    if record.backend == "local" or not record.remote:
        return None
    from brgit.gitops.mirror import remote_heads

    return remote_heads(record.remote, f"refs/heads/br/{record.name}/", root)
