"""The merge train: merge branches in order in a scratch worktree, verify, advance the target.

Only a verified commit is ever written to the target branch (compare-and-swap), so a crash at
any point leaves the target at a verified commit. The target lands on the newest verified
commit when the train ends (or stops, or is interrupted) and, during a long train, at most once
every `LAND_EVERY` seconds: a quick train moves the target (and its checkout) once, not once
per branch. In batch mode several branches are merged and verified once; a failing batch is
bisected over its prefixes to find the culprit, which is ejected, and the rest of the batch is
tried again as one batch.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from brgit import paths
from brgit.errors import BuildRunnerError, MergeError
from brgit.gitops import merge as gm
from brgit.gitops.git import in_parallel
from brgit.gitops.objects import CommitWriter
from brgit.gitops.quickmerge import QuickMerger
from brgit.merge import state as train_state
from brgit.merge import strategies
from brgit.merge.events import TrainEvents
from brgit.merge.model import (
    CONFLICT,
    DEPENDENCY,
    NO_CHANGES,
    VERIFY_FAILED,
    Ejection,
    Merged,
    TrainItem,
    TrainOptions,
    TrainResult,
)
from brgit.merge.order import blocked_by
from brgit.merge.verify import run_verify
from brgit.redact import redact

Progress = Callable[[str], None]

LAND_EVERY = 1.0  # seconds between landings of verified work during a train


class MergeTrain:
    def __init__(
        self,
        root: Path,
        items: Sequence[TrainItem],
        opts: TrainOptions,
        *,
        skipped: Sequence[Ejection] = (),
        progress: Progress | None = None,
    ) -> None:
        self.root = root
        self.items = list(items)
        self.opts = opts
        self.strategy = strategies.get(opts.strategy)
        self.progress = progress or (lambda _line: None)
        self.events = TrainEvents(root, opts)
        self.skipped = list(skipped)
        self.scratch: Path | None = None
        self.materialize = bool(opts.verify) or self.strategy.needs_worktree
        self.stopped = False
        self._merged_ids: set[str] = set()
        self.ws = gm.Workspace(root)
        self._head = ""
        self._landed = ""  # where the target is
        self._verified = ""  # the newest verified commit (lands on the target)
        self._pending: list[tuple[TrainItem, str]] = []  # verified, not landed yet
        self._landed_at = 0.0
        self._land_failed = False
        self._scratch_removed = False
        self._next: TrainItem | None = None  # the first item after the current batch
        self._last_tail = ""
        self.result = TrainResult("", opts.target, opts.strategy, "", "")

    # ------------------------------------------------------------------ the run

    def run(self) -> TrainResult:
        # three independent look-ups (about five git processes) at once
        (start, _), _, writer = in_parallel(
            lambda: gm.tip_and_tree(self.root, self.opts.target),
            self._refuse_a_dirty_checkout,
            lambda: CommitWriter.open(self.root, paths.locate(self.root).common_dir),
        )
        state = train_state.begin(self.root, self.opts.target, start, self.opts.session)
        self.result = TrainResult(
            state.train_id,
            self.opts.target,
            self.opts.strategy,
            start,
            start,
            skipped=list(self.skipped),
            session=self.opts.session,
        )
        began = time.monotonic()
        try:
            self.ws = gm.Workspace(self.root, None, writer)
            # the scratch worktree is checked out while the first event is recorded and the
            # branches' history is read for in-process merges
            self.scratch, _, _ = in_parallel(
                lambda: self._add_scratch(Path(state.scratch), start),
                lambda: self.events.started(state.train_id, start, self.items),
                lambda: self._open_quick(writer, start),
            )
            self.ws.scratch = self.scratch
            self._head = self._landed = self._verified = start
            self._landed_at = time.monotonic()
            self._drive(start)
            # the target lands while the scratch worktree is removed
            in_parallel(self._land, lambda: self._remove_scratch(Path(state.scratch)))
        except BaseException as exc:
            unlanded = self._land_what_was_verified()
            self._completed(
                began, error=redact(str(exc).splitlines()[0] if str(exc) else "stopped")
            )
            if unlanded and isinstance(exc, BuildRunnerError):  # the one line says it too
                raise MergeError(f"{str(exc).splitlines()[0]}; {unlanded}") from exc
            if unlanded:  # Ctrl-C or a crash: said on stderr whatever the output format
                sys.stderr.write(f"br: {unlanded}\n")
            raise
        finally:
            try:
                self.ws.close()
            finally:
                train_state.finish(self.root, state, scratch_removed=self._scratch_removed)
        in_parallel(lambda: gm.maintain(self.root), lambda: self._completed(began))
        return self.result

    def _remove_scratch(self, path: Path) -> None:
        if self.scratch is not None:
            gm.remove_scratch(self.root, path)
        self._scratch_removed = True

    def _open_quick(self, writer: CommitWriter | None, start: str) -> None:
        """In-process merges for this train (set here, so `ws.close()` always closes it)."""
        if self.strategy.looks_ahead:  # the rebase strategy replays commits instead
            revs = [item.rev for item in self.items]
            self.ws.quick = QuickMerger.open(self.root, writer, start, revs)

    def _land_what_was_verified(self) -> str | None:
        """On the way out after an error or Ctrl-C: land what passed verification. If some of
        it cannot land, return a note that names its commit and tasks (the journal goes with
        the train's state files, so the note is the only record left)."""
        if self._pending and not self._land_failed:
            with contextlib.suppress(Exception):  # the error that stopped the train is raised
                self._land()
        if not self._pending:
            return None
        tasks = ", ".join(dict.fromkeys(item.task_id for item, _ in self._pending))
        return (
            f"verified but not landed on {self.opts.target}: {tasks} "
            f"(commit {self._verified}; `git merge {self._verified[:12]}` takes it)"
        )

    def _add_scratch(self, path: Path, start: str) -> Path | None:
        if not self.materialize:  # files are needed only to verify or to rebase
            return None
        return gm.add_scratch(self.root, path, start)

    def _refuse_a_dirty_checkout(self) -> None:
        where = gm.worktree_of_branch(self.root, self.opts.target)
        if where is not None:
            changes = gm.tracked_changes(where)
            if changes:
                raise MergeError(
                    f"{self.opts.target} is checked out at {where} with {len(changes)} "
                    "uncommitted change(s) to tracked files; commit or stash them, then retry"
                )

    def _drive(self, base: str) -> None:
        queue = list(self.items)
        while queue and not self.stopped:
            chunk, queue = queue[: self.opts.batch], queue[self.opts.batch :]
            self._next = queue[0] if queue else None
            base, rest = self._settle(base, chunk)
            queue = rest + queue
        for item in queue:
            self.result.skipped.append(Ejection(item.task_id, item.branch, "train stopped"))

    # ------------------------------------------------------------------ one batch

    def _settle(self, base: str, chunk: list[TrainItem]) -> tuple[str, list[TrainItem]]:
        """Merge `chunk` on `base`, verify, bisect on failure; return the new base and leftovers."""
        head, merged, leftover = self._merge_all(base, chunk)
        if not merged:
            return base, leftover
        if self._verify(merged):
            return self._advance(base, head, merged), leftover
        good, lo, hi = base, 0, len(merged)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            head, part, _ = self._merge_all(good, merged[lo:mid])
            if self._verify(part):
                good, lo = self._advance(good, head, part), mid
            else:
                hi = mid
        self._eject(merged[hi - 1], VERIFY_FAILED, detail=self._last_tail)
        self._reset(good)
        self.stopped = self.opts.on_conflict == "stop"
        return good, merged[hi:] + leftover

    def _merge_all(
        self, base: str, items: list[TrainItem]
    ) -> tuple[str, list[TrainItem], list[TrainItem]]:
        """Merge each item in turn; conflicts and broken dependencies are ejected on the way."""
        self._reset(base)
        merged: list[TrainItem] = []
        for index, item in enumerate(items):
            dep = blocked_by(item, self._merged_ids | {m.task_id for m in merged})
            if dep is not None:
                self._eject(item, DEPENDENCY, detail=f"depends on {dep}, which was not merged")
                continue
            message = strategies.message(item, self.opts.session)
            upcoming = items[index + 1] if index + 1 < len(items) else self._next
            if self.strategy.looks_ahead and upcoming is not None:
                self.ws.upcoming = upcoming.rev  # predicted while this one is verified
            else:
                self.ws.upcoming = None
            step = self.strategy.apply(self.ws, self._head, item, message)
            if not step.ok:
                self._eject(item, CONFLICT, files=step.conflicts)
                if self.opts.on_conflict == "stop":
                    self.stopped = True
                    return self._head, merged, items[index + 1 :]
                continue
            if step.commit == self._head:  # nothing new: no merge commit, no verify run
                self._merged_ids.add(item.task_id)  # its dependents may still go ahead
                self.result.skipped.append(Ejection(item.task_id, item.branch, NO_CHANGES))
                continue
            self._head = step.commit
            merged.append(item)
        return self._head, merged, []

    def _reset(self, commit: str) -> None:
        if self._head != commit and self.scratch is not None:
            gm.reset_to(self.scratch, commit)
        self._head = commit

    def _verify(self, merged: list[TrainItem]) -> bool:
        self._last_tail = ""
        if not self.opts.verify:
            return True
        if self.scratch is None:  # cannot happen: a verify command gets a scratch worktree
            raise MergeError("no scratch worktree to verify in")
        self.result.verify_runs += 1
        log = train_state.log_dir(self.root) / f"{self.result.train_id}.log"
        outcome = run_verify(self.opts.verify, self.scratch, log, self.opts.verify_timeout)
        self._last_tail = redact(outcome.tail)
        names = [m.task_id for m in merged]
        self.events.verified(outcome.ok, outcome.duration_ms, outcome.exit_code, names, log)
        self.progress(f"verify {'passed' if outcome.ok else 'FAILED'} for {', '.join(names)}")
        return outcome.ok

    def _advance(self, old: str, new: str, merged: list[TrainItem]) -> str:
        """`new` passed verification: the train goes on from it, and it will land."""
        del old  # the target moves from where it last landed (see `_land`)
        self._verified = new
        for item in merged:
            self._merged_ids.add(item.task_id)
            self._pending.append((item, new))
        # recorded first, so a crash at any point after this (even mid-landing) loses nothing:
        # `br merge --abort` lands it
        tasks = [item.task_id for item, _ in self._pending]
        record = train_state.Verified(
            self.result.train_id, self.opts.target, self._landed, new, tasks
        )
        train_state.note_verified(self.root, record)
        if time.monotonic() - self._landed_at >= LAND_EVERY:
            self._land()
        return new

    def _land(self) -> None:
        """Move the target (and its checkout) to the newest verified commit, by CAS.

        If the checkout cannot follow (an untracked file in the way), the newest earlier
        verified commit that can land does, and the train stops with the reason."""
        failure: MergeError | None = None
        if self._verified != self._landed:
            self._land_failed = True
            # where the target is checked out now (the user may have switched meanwhile)
            checkout = gm.worktree_of_branch(self.root, self.opts.target)
            try:
                newest_first = list(dict.fromkeys(c for _, c in reversed(self._pending)))
                for commit in newest_first or [self._verified]:
                    try:
                        gm.advance(
                            self.root, self.opts.target, commit, self._landed, checkout
                        )
                    except MergeError as exc:
                        failure = failure or exc
                        if self._target_now() != self._landed:
                            break  # the target moved under the train: nothing more may land
                        continue
                    self._landed = commit
                    break
            finally:  # even when interrupted half-way: believe where the target is
                now = self._target_now()
                if now != self._landed and now in {c for _, c in self._pending}:
                    self._landed = now
                self._record_landed()
            if failure is None:
                self._land_failed = False
                train_state.landed(self.root)
        self._landed_at = time.monotonic()
        self._record_landed()
        if failure is None:
            return
        where = self._target_now()
        if where != self._landed:
            raise failure  # the target moved under the train; the message says where it is
        raise MergeError(f"{failure}; {self.opts.target} is at {where[:12]}, a verified commit")

    def _target_now(self) -> str:
        return gm.ref_value(self.root, f"refs/heads/{self.opts.target}")

    def _record_landed(self) -> None:
        """The pending items up to the landed commit are merged: result, events, progress."""
        order = [c for _, c in self._pending]
        cut = order.index(self._landed) + order.count(self._landed) if self._landed in order else 0
        for item, commit in self._pending[:cut]:
            self.result.merged.append(Merged(item.task_id, item.branch, commit))
            self.events.merged(item, commit)
            self.progress(f"merged {item.task_id} ({item.branch})")
        del self._pending[:cut]
        self.result.final_commit = self._landed

    # ------------------------------------------------------------------ records

    def _eject(
        self, item: TrainItem, reason: str, *, files: list[str] | None = None, detail: str = ""
    ) -> None:
        if any(e.task_id == item.task_id for e in self.result.ejected):
            return  # already ejected (a bisection re-merge can meet it again)
        ejection = Ejection(item.task_id, item.branch, reason, list(files or []), detail)
        self.result.ejected.append(ejection)
        self.events.ejected(ejection)
        shown = f" ({', '.join(ejection.files)})" if ejection.files else ""
        self.progress(f"ejected {item.task_id}: {reason}{shown}")

    def _completed(self, began: float, error: str | None = None) -> None:
        self.result.duration_ms = int((time.monotonic() - began) * 1000)
        self.events.completed(self.result, self.stopped, error)


def run_train(
    root: Path,
    items: Sequence[TrainItem],
    opts: TrainOptions,
    *,
    skipped: Sequence[Ejection] = (),
    progress: Progress | None = None,
) -> TrainResult:
    """Run a merge train; see `MergeTrain`."""
    train = MergeTrain(root, items, opts, skipped=skipped, progress=progress)
    result = train.run()
    result.stopped = train.stopped
    return result
