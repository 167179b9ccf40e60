"""What the train merges, in which order: dependencies first (topological), then plan order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from brgit.core.session import SessionRecord, branch_for
from brgit.errors import MergeError, NotFoundError
from brgit.gitops.git import rev_parse
from brgit.merge.model import Ejection, TrainItem


def from_session(record: SessionRecord, root: Path) -> tuple[list[TrainItem], list[Ejection]]:
    """The completed tasks' branches in merge order, and the tasks skipped (not completed)."""
    items: list[TrainItem] = []
    skipped: list[Ejection] = []
    for task in record.plan.order():
        rec = record.tasks.get(task.id)
        status = rec.status if rec else "pending"
        branch = (rec.branch if rec else None) or branch_for(record.name, task.id)
        if status != "completed":
            skipped.append(Ejection(task.id, branch, f"not completed ({status})"))
            continue
        rev = _tip(branch, rec.commit if rec else None, root)
        if rev is None:
            skipped.append(Ejection(task.id, branch, "branch missing"))
            continue
        items.append(TrainItem(task.id, branch, rev, task.title, tuple(task.depends_on)))
    return items, skipped


def _tip(branch: str, commit: str | None, root: Path) -> str | None:
    for rev in (branch, commit):
        if rev:
            try:
                return rev_parse(rev, root)
            except NotFoundError:
                continue
    return None


def from_branches(branches: Sequence[str], root: Path) -> list[TrainItem]:
    """Hand-named branches, merged in the order given; a missing one is an error."""
    if len(set(branches)) != len(branches):
        raise MergeError("a branch is named twice")
    return [TrainItem(b, b, rev_parse(b, root), b) for b in branches]


def blocked_by(item: TrainItem, merged: Iterable[str]) -> str | None:
    """The first dependency of `item` that is not merged, if any."""
    done = set(merged)
    return next((dep for dep in item.depends_on if dep not in done), None)
