"""Merge strategies: plugins that satisfy `Strategy`, registered in an explicit dict."""

from __future__ import annotations

from typing import Protocol

from brgit.errors import MergeError
from brgit.gitops import merge as gm
from brgit.merge.model import TrainItem


class Strategy(Protocol):
    name: str
    needs_worktree: bool  # False: it can merge on commits alone when nothing is verified
    looks_ahead: bool  # True: it merges through `Workspace.predict`, which can run ahead

    def apply(self, ws: gm.Workspace, base: str, item: TrainItem, message: str) -> gm.StepResult:
        """Merge `item` on `base`; the scratch worktree (at `base`, if any) follows the
        result. On a conflict nothing changes."""
        ...


class MergeCommit:
    name = "merge"
    needs_worktree = False
    looks_ahead = True

    def apply(self, ws: gm.Workspace, base: str, item: TrainItem, message: str) -> gm.StepResult:
        return gm.merge_commit(ws, base, item.rev, message)


class Squash:
    name = "squash"
    needs_worktree = False
    looks_ahead = True

    def apply(self, ws: gm.Workspace, base: str, item: TrainItem, message: str) -> gm.StepResult:
        return gm.squash(ws, base, item.rev, message)


class RebaseFastForward:
    name = "rebase"
    needs_worktree = True
    looks_ahead = False

    def apply(self, ws: gm.Workspace, base: str, item: TrainItem, message: str) -> gm.StepResult:
        del base, message  # replays on the scratch HEAD; commits keep their messages
        if ws.scratch is None:
            raise MergeError("the rebase strategy needs a scratch worktree")
        return gm.rebase(ws.scratch, item.rev)


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
