"""Merge strategies: plugins that satisfy `Strategy`, registered in an explicit dict."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from brgit.errors import MergeError
from brgit.gitops import merge as gm
from brgit.merge.model import TrainItem


class Strategy(Protocol):
    name: str
    needs_worktree: bool  # False: it can merge on commits alone when nothing is verified

    def apply(
        self, repo: Path, base: str, item: TrainItem, message: str, scratch: Path | None
    ) -> gm.StepResult:
        """Merge `item` on `base`; the scratch worktree (at `base`, if any) follows the
        result. On a conflict nothing changes."""
        ...


class MergeCommit:
    name = "merge"
    needs_worktree = False

    def apply(
        self, repo: Path, base: str, item: TrainItem, message: str, scratch: Path | None
    ) -> gm.StepResult:
        return gm.merge_commit(repo, base, item.rev, message, scratch)


class Squash:
    name = "squash"
    needs_worktree = False

    def apply(
        self, repo: Path, base: str, item: TrainItem, message: str, scratch: Path | None
    ) -> gm.StepResult:
        return gm.squash(repo, base, item.rev, message, scratch)


class RebaseFastForward:
    name = "rebase"
    needs_worktree = True

    def apply(
        self, repo: Path, base: str, item: TrainItem, message: str, scratch: Path | None
    ) -> gm.StepResult:
        del repo, base, message  # replays on the scratch HEAD; commits keep their messages
        if scratch is None:
            raise MergeError("the rebase strategy needs a scratch worktree")
        return gm.rebase(scratch, item.rev)


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
