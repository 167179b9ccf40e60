"""The merge train: merge branches in order, verify the results, advance the target.

A run claims the train's state (one train at a time), lets the pipeline
(`brgit.merge.pipeline`: chain, units, speculation, bisection) merge and check the branches,
records what happened, hands ejected branches back to their agents when asked
(`brgit.merge.repair`), and removes its scratch worktrees only once every check has stopped.
Only a verified commit is ever written to the target (see `brgit.merge.landing`).
"""

from __future__ import annotations

import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from brgit.errors import BuildRunnerError, MergeError
from brgit.gitops import merge as gm
from brgit.merge import state as train_state
from brgit.merge.check import Checker, CheckOutcome
from brgit.merge.events import TrainEvents
from brgit.merge.gates import Gate
from brgit.merge.landing import Lander
from brgit.merge.model import (
    DEPENDENCY,
    NO_CHANGES,
    VERIFY_FAILED,
    Ejection,
    Repair,
    TrainItem,
    TrainOptions,
    TrainResult,
)
from brgit.merge.pipeline import STOPPED, Pipeline
from brgit.merge.repair import REPAIRABLE, Fixer, repair
from brgit.merge.slots import Slots, clear_running, slot_paths
from brgit.redact import redact

if TYPE_CHECKING:
    from brgit.telemetry.collector import EventCollector

Progress = Callable[[str], None]

LAND_EVERY = 1.0  # seconds between landings of verified work during a train


class MergeTrain(Pipeline):
    def __init__(
        self,
        root: Path,
        items: Sequence[TrainItem],
        opts: TrainOptions,
        *,
        skipped: Sequence[Ejection] = (),
        progress: Progress | None = None,
        gates: Sequence[Gate] = (),
        fixer: Fixer | None = None,
        events: EventCollector | None = None,
    ) -> None:
        super().__init__(root, items, opts, gates)
        self.progress = progress or (lambda _line: None)
        self.events = TrainEvents(root, opts, events)
        self.skipped = list(skipped)
        self.fixer = fixer if opts.repair else None
        self.tries: dict[str, int] = {}

    # ------------------------------------------------------------------ the run

    def run(self) -> TrainResult:
        start = gm.tip(self.root, self.opts.target)
        self._refuse_a_dirty_checkout()
        builder = self.strategy.needs_worktree
        state = train_state.begin(
            self.root, self.opts.target, start, self.opts.session,
            slots=self.slot_count, builder=builder,
        )  # fmt: skip
        self.result = TrainResult(
            state.train_id, self.opts.target, self.opts.strategy, start, start,
            skipped=list(self.skipped), session=self.opts.session,
        )  # fmt: skip
        lander = self.lander = Lander(
            self.root, self.result, self.events, self.progress, lambda: LAND_EVERY
        )
        began = time.monotonic()
        slots = Slots(self.root, state.train_id, slot_paths(Path(state.scratch), self.slot_count))
        try:
            self.events.started(state.train_id, start, self.items)
            self._prepare(slots, state, start)
            self._drive(deque(self.items))
            self._repair()
            self._shutdown()
            lander.land()
        except BaseException as exc:
            self._shutdown()
            unlanded = lander.land_what_was_verified()
            first = str(exc).splitlines()[0] if str(exc) else "stopped"
            self._completed(began, error=redact(first))
            if unlanded and isinstance(exc, BuildRunnerError):  # the one line says it too
                raise MergeError(f"{first}; {unlanded}") from exc
            if unlanded:  # Ctrl-C or a crash: said on stderr whatever the output format
                sys.stderr.write(f"br: {unlanded}\n")
            raise
        finally:
            self._clean(slots, state)
        gm.maintain(self.root)
        self._completed(began)
        return self.result

    def _prepare(self, slots: Slots, state: train_state.TrainState, start: str) -> None:
        if self.strategy.needs_worktree:
            self.merger.builder = gm.add_scratch(self.root, Path(state.builder), start)
        if self.checks:
            log_dir = train_state.log_dir(self.root)
            self.checker = Checker(
                self.opts.verify, self.opts.verify_timeout, self.gates, slots, log_dir
            )
            self.pool = ThreadPoolExecutor(self.slot_count, thread_name_prefix="br-verify")

    def _clean(self, slots: Slots, state: train_state.TrainState) -> None:
        """Remove the scratch worktrees (every check has stopped by now) and the state."""
        try:
            slots.remove_all()
            if self.merger.builder is not None:
                gm.remove_scratch(self.root, self.merger.builder)
            clear_running(self.root)
        finally:
            train_state.finish(self.root, state, scratch_removed=True)

    def _refuse_a_dirty_checkout(self) -> None:
        where = gm.worktree_of_branch(self.root, self.opts.target)
        if where is not None:
            changes = gm.tracked_changes(where)
            if changes:
                raise MergeError(
                    f"{self.opts.target} is checked out at {where} with {len(changes)} "
                    "uncommitted change(s) to tracked files; commit or stash them, then retry"
                )

    # ------------------------------------------------------------------ the pipeline

    # ------------------------------------------------------------------ repair

    def _repair(self) -> None:
        """Hand ejected branches back to their agents; the repaired ones go round again."""
        while self.fixer is not None and not self.stopped:
            assert self.lander is not None
            self.lander.land()  # the target the agents are told about is where it says
            back = [item for e in list(self.result.ejected) if (item := self._repair_one(e))]
            if not back:
                return
            self._drive(deque(back))

    def _repair_one(self, ejection: Ejection) -> TrainItem | None:
        """Hand one ejected branch back, up to `repair_attempts` times in all; the repaired
        branch, ready to go back in the train, or None."""
        if ejection.reason not in REPAIRABLE:
            return None
        while self.tries.get(ejection.task_id, 0) < self.opts.repair_attempts:
            self.tries[ejection.task_id] = self.tries.get(ejection.task_id, 0) + 1
            done = self._attempt(ejection)
            if done.resolved:
                self.result.ejected.remove(ejection)
                again = replace(self.by_id[ejection.task_id], rev=done.commit, repaired=True)
                self.by_id[again.task_id] = again
                self.position[again.task_id] = max(self.position.values()) + 1  # behind all
                return again
        return None

    def _attempt(self, ejection: Ejection) -> Repair:
        assert self.lander is not None and self.fixer is not None
        item = self.by_id[ejection.task_id]
        self.progress(f"repairing {item.task_id} ({ejection.reason})")
        target = (self.opts.target, self.lander.verified)
        done = repair(self.root, item, ejection.reason, target, self.fixer,
                      detail=ejection.detail, log=ejection.log,
                      worktree_root=self.opts.worktree_root)  # fmt: skip
        self.result.repairs.append(done)
        self.events.repaired(done)
        if not done.resolved:
            self.progress(f"repair of {item.task_id} did not resolve it: {done.detail}")
        return done

    # ------------------------------------------------------------------ records

    def _checked(self, items: list[TrainItem], outcome: CheckOutcome) -> None:
        if not outcome.ran_verify and outcome.ok and not self.gates:
            return  # nothing was run
        names = [i.task_id for i in items]
        if outcome.ran_verify:
            log = Path(outcome.log) if outcome.log else train_state.log_dir(self.root)
            ok = outcome.ok or outcome.reason != VERIFY_FAILED
            self.events.verified(ok, outcome.duration_ms, outcome.exit_code, names, log)
        word = "passed" if outcome.ok else "FAILED"
        what = "checks" if self.gates else "verify"
        self.progress(f"{what} {word} for {', '.join(names)}")

    def _finalize(self, held: list[Ejection]) -> None:
        """Ejections found on a chain that is now verified are final."""
        for ejection in held:
            if self.stopped:
                self.result.skipped.append(Ejection(ejection.task_id, ejection.branch, STOPPED))
            elif ejection.reason == NO_CHANGES:
                self.merged_ids.add(ejection.task_id)  # its dependents may still go ahead
                self.result.skipped.append(ejection)
            else:
                self._eject(ejection)

    def _eject(self, ejection: Ejection) -> None:
        self.result.ejected.append(ejection)
        self.events.ejected(ejection)
        shown = f" ({', '.join(ejection.files)})" if ejection.files else ""
        self.progress(f"ejected {ejection.task_id}: {ejection.reason}{shown}")
        if self.opts.on_conflict == "stop" and ejection.reason != DEPENDENCY:
            self.stopped = True

    def _completed(self, began: float, error: str | None = None) -> None:
        self.result.duration_ms = int((time.monotonic() - began) * 1000)
        self.result.stopped = self.stopped
        self.events.completed(self.result, self.stopped, error)


def run_train(
    root: Path,
    items: Sequence[TrainItem],
    opts: TrainOptions,
    *,
    skipped: Sequence[Ejection] = (),
    progress: Progress | None = None,
    gates: Sequence[Gate] = (),
    fixer: Fixer | None = None,
    events: EventCollector | None = None,
) -> TrainResult:
    """Run a merge train; see `MergeTrain`. Its events go to `events` (the command's
    collector; None: one for the repository at `root`)."""
    train = MergeTrain(
        root, items, opts, skipped=skipped, progress=progress, gates=gates, fixer=fixer,
        events=events,
    )  # fmt: skip
    return train.run()
