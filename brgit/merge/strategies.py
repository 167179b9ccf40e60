"""Merge strategies: plugins that satisfy `Strategy`, registered in an explicit dict."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from brgit.errors import MergeError
from brgit.gitops import merge as gm
from brgit.merge.model import TrainItem


class Strategy(Protocol):
    name: str

    def apply(self, scratch: Path, item: TrainItem, message: str) -> gm.StepResult:
        """Merge `item` into the scratch worktree's HEAD; on conflict leave HEAD unchanged."""
        ...


class MergeCommit:
    name = "merge"

    def apply(self, scratch: Path, item: TrainItem, message: str) -> gm.StepResult:
        return gm.merge_commit(scratch, item.rev, message)


class Squash:
    name = "squash"

    def apply(self, scratch: Path, item: TrainItem, message: str) -> gm.StepResult:
        return gm.squash(scratch, item.rev, message)


class RebaseFastForward:
    name = "rebase"

    def apply(self, scratch: Path, item: TrainItem, message: str) -> gm.StepResult:
        return gm.rebase(scratch, item.rev, message)


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
