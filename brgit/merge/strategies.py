"""Merge strategies: plugins that satisfy `Strategy`, registered in an explicit dict."""

from __future__ import annotations

from typing import Protocol

from brgit.errors import MergeError
from brgit.gitops import merge as gm
from brgit.merge.model import TrainItem


class Strategy(Protocol):
    name: str
    needs_worktree: bool  # True: it works in a worktree (the others use plumbing alone)

    def apply(self, merger: gm.Merger, base: str, item: TrainItem, message: str) -> gm.StepResult:
        """Merge `item` on `base` and return the new commit; on a conflict, the files."""
        ...


class MergeCommit:
    name = "merge"
    needs_worktree = False

    def apply(self, merger: gm.Merger, base: str, item: TrainItem, message: str) -> gm.StepResult:
        return merger.merge(base, item.rev, message)


class Squash:
    name = "squash"
    needs_worktree = False

    def apply(self, merger: gm.Merger, base: str, item: TrainItem, message: str) -> gm.StepResult:
        return merger.merge(base, item.rev, message, squash=True)


class RebaseFastForward:
    name = "rebase"
    needs_worktree = True

    def apply(self, merger: gm.Merger, base: str, item: TrainItem, message: str) -> gm.StepResult:
        del message  # the replayed commits keep their own messages
        return merger.rebase(base, item.rev)


STRATEGIES: dict[str, Strategy] = {
    "merge": MergeCommit(),
    "squash": Squash(),
    "rebase": RebaseFastForward(),
}


def get(name: str) -> Strategy:
    if name not in STRATEGIES:
        raise MergeError(f"unknown strategy {name!r} (known: {', '.join(STRATEGIES)})")
    return STRATEGIES[name]


def message(item: TrainItem, session: str | None) -> str:
    """The commit message: it names the task, its branch and the session."""
    title = f": {item.title}" if item.title and item.title != item.task_id else ""
    lines = [f"br merge: {item.task_id}{title}", "", f"Branch: {item.branch}"]
    if session:
        lines.append(f"Session: {session}")
    return "\n".join(lines)
