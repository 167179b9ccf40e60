"""Moving the target to verified work: the journal, the landings, and what could not land.

Only a verified commit is ever written to the target (compare-and-swap). Verified work is
journalled (`state.note_verified`) before anything else, so a crash at any point loses none of
it: `br merge --abort` lands it. The target lands on the newest verified commit when the
train ends and, during a long train, at most once every `every()` seconds.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from brgit.errors import MergeError
from brgit.gitops import merge as gm
from brgit.merge import state as train_state
from brgit.merge.events import TrainEvents
from brgit.merge.model import Merged, TrainItem, TrainResult


@dataclass(frozen=True)
class Pending:
    item: TrainItem
    commit: str  # the branch's own commit
    verified: str  # the verified commit that contains it (lands on the target)


class Lander:
    def __init__(
        self,
        root: Path,
        result: TrainResult,
        events: TrainEvents,
        progress: Callable[[str], None],
        every: Callable[[], float],
    ) -> None:
        self.root = root
        self.result = result
        self.events = events
        self.progress = progress
        self.every = every
        self.landed = self.verified = result.start_commit
        self.pending: list[Pending] = []
        self.failed = False
        self._at = time.monotonic()

    @property
    def target(self) -> str:
        return self.result.target

    def add(self, items: list[TrainItem], commits: list[str], verified: str) -> None:
        """`verified` passed verification; it holds `items` (each at its own commit)."""
        self.verified = verified
        self.pending += [Pending(i, c, verified) for i, c in zip(items, commits, strict=True)]
        tasks = [p.item.task_id for p in self.pending]
        record = train_state.Verified(
            self.result.train_id, self.target, self.landed, verified, tasks
        )
        train_state.note_verified(self.root, record)  # first: a crash after this loses nothing
        if time.monotonic() - self._at >= self.every():
            self.land()

    def land(self) -> None:
        """Move the target (and its checkout) to the newest verified commit, by CAS.

        If the checkout cannot follow (an untracked file in the way), the newest earlier
        verified commit that can land does, and the train stops with the reason."""
        failure: MergeError | None = None
        if self.verified != self.landed:
            self.failed = True
            try:
                failure = self._try_each()
            finally:  # even when interrupted half-way: believe where the target is
                now = self._target_now()
                if now != self.landed and now in {p.verified for p in self.pending}:
                    self.landed = now
                self._record_landed()
            if failure is None:
                self.failed = False
                train_state.landed(self.root)
        self._at = time.monotonic()
        self._record_landed()
        if failure is None:
            return
        where = self._target_now()
        if where != self.landed:
            raise failure  # the target moved under the train; the message says where it is
        raise MergeError(f"{failure}; {self.target} is at {where[:12]}, a verified commit")

    def _try_each(self) -> MergeError | None:
        # where the target is checked out now (the user may have switched meanwhile)
        checkout = gm.worktree_of_branch(self.root, self.target)
        failure: MergeError | None = None
        newest_first = list(dict.fromkeys(p.verified for p in reversed(self.pending)))
        for commit in newest_first or [self.verified]:
            try:
                gm.advance(self.root, self.target, commit, self.landed, checkout)
            except MergeError as exc:
                failure = failure or exc
                if self._target_now() != self.landed:
                    break  # the target moved under the train: nothing more may land
                continue
            self.landed = commit
            break
        return failure

    def _target_now(self) -> str:
        return gm.ref_value(self.root, f"refs/heads/{self.target}")

    def _record_landed(self) -> None:
        """The pending items up to the landed commit are merged: result, events, progress."""
        order = [p.verified for p in self.pending]
        cut = order.index(self.landed) + order.count(self.landed) if self.landed in order else 0
        for entry in self.pending[:cut]:
            item = entry.item
            self.result.merged.append(
                Merged(item.task_id, item.branch, entry.commit, item.repaired)
            )
            self.events.merged(item, entry.commit)
            self.progress(f"merged {item.task_id} ({item.branch})")
        del self.pending[:cut]
        self.result.final_commit = self.landed

    def land_what_was_verified(self) -> str | None:
        """On the way out after an error or Ctrl-C: land what passed verification. If some of
        it cannot land, return a note that names its commit and tasks (the journal goes with
        the train's state files, so the note is the only record left)."""
        if self.pending and not self.failed:
            with contextlib.suppress(Exception):  # the error that stopped the train is raised
                self.land()
        if not self.pending:
            return None
        tasks = ", ".join(dict.fromkeys(p.item.task_id for p in self.pending))
        return (
            f"verified but not landed on {self.target}: {tasks} "
            f"(commit {self.verified}; `git merge {self.verified[:12]}` takes it)"
        )
