"""A session run on a cluster: its branches come from its remote before the train runs.

The nodes pushed each task's result to `br/<session>/<task>` on the session's remote. Before
the train, the session's branches are fetched from there (into `refs/brgit/fetched/`) and
each completed task's is checked against the commit the session recorded: only a branch at
that commit becomes the local `br/<session>/<task>` the train merges. One that moved or is
missing is skipped with the reason, never merged in its place.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from brgit.gitops.git import run_git
from brgit.gitops.mirror import fetch_refs, ref_value
from brgit.merge.model import Ejection, TrainItem

if TYPE_CHECKING:
    from brgit.core.session import SessionRecord

REMOTE_MOVED = "branch on the remote is not the recorded result"


def fetch_session(record: SessionRecord, root: Path) -> dict[str, str]:
    """Fetch the session's branches from its remote; the completed tasks whose remote branch
    is not at the recorded commit, each with what was found (empty for a local session)."""
    if not record.remote:
        return {}
    fetched = f"refs/brgit/fetched/{record.name}"
    fetch_refs(root, record.remote, [f"+refs/heads/br/{record.name}/*:{fetched}/*"])
    problems: dict[str, str] = {}
    for task_id, rec in record.tasks.items():
        if rec.status != "completed" or not rec.commit:
            continue
        tip = ref_value(root, f"{fetched}/{task_id}")
        if tip != rec.commit:
            found = f"at {tip[:10]}" if tip else "missing"
            problems[task_id] = f"{found} on the remote, recorded {rec.commit[:10]}"
            continue
        branch = rec.branch or f"br/{record.name}/{task_id}"
        run_git(["update-ref", f"refs/heads/{branch}", tip], root)
    return problems


def drop_moved(
    items: list[TrainItem], skipped: list[Ejection], moved: dict[str, str]
) -> tuple[list[TrainItem], list[Ejection]]:
    """The train's items without the tasks whose remote branch moved, and those as skipped."""
    if not moved:
        return items, skipped
    kept = [item for item in items if item.task_id not in moved]
    dropped = [Ejection(i.task_id, i.branch, REMOTE_MOVED, detail=moved[i.task_id])
               for i in items if i.task_id in moved]  # fmt: skip
    return kept, [*skipped, *dropped]
