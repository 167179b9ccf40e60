"""What the train merges, in which order: dependencies first (topological), then plan order."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from brgit.errors import MergeError, NotFoundError
from brgit.gitops.git import rev_parse, run_git
from brgit.merge.model import Ejection, TrainItem

if TYPE_CHECKING:
    from brgit.core.session import SessionRecord


def from_session(record: SessionRecord, root: Path) -> tuple[list[TrainItem], list[Ejection]]:
    """The completed tasks' branches in merge order, and the tasks skipped (not completed)."""
    from brgit.core.session import branch_for

    items: list[TrainItem] = []
    skipped: list[Ejection] = []
    for task in record.plan.order():
        rec = record.tasks.get(task.id)
        status = rec.status if rec else "pending"
        branch = (rec.branch if rec else None) or branch_for(record.name, task.id)
        if status != "completed":
            error = (rec.error or "") if rec else ""
            skipped.append(Ejection(task.id, branch, f"not completed ({status})", detail=error))
            continue
        rev = _tip(branch, rec.commit if rec else None, root)
        if rev is None:
            skipped.append(Ejection(task.id, branch, "branch missing"))
            continue
        worktree = (rec.worktree if rec else None) or ""
        items.append(TrainItem(task.id, branch, rev, task.title, tuple(task.depends_on), worktree))
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
    revs = _resolve_all(branches, root)
    return [TrainItem(b, b, rev, b) for b, rev in zip(branches, revs, strict=True)]


def _resolve_all(branches: Sequence[str], root: Path) -> list[str]:
    """All tips with one `git rev-parse`; on any failure, one by one for the error message."""
    if any(b.startswith("-") for b in branches):
        raise MergeError(f"not a branch name: {next(b for b in branches if b.startswith('-'))}")
    result = run_git(["rev-parse", *(f"{b}^{{commit}}" for b in branches)], root, check=False)
    lines = result.stdout.split()
    if result.ok and len(lines) == len(branches):
        return lines
    return [rev_parse(b, root) for b in branches]


def blocked_by(item: TrainItem, merged: Iterable[str]) -> str | None:
    """The first dependency of `item` that is not merged, if any."""
    done = set(merged)
    return next((dep for dep in item.depends_on if dep not in done), None)
