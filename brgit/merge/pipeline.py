"""The train's pipeline: merge branches into units, check them, settle the results in order.

Branches are merged in train order into a chain of commits (git writes them; no worktree is
needed to merge). The chain is cut into units: one branch each, or `batch` branches, or, when
the train speculates over N prefixes, the waiting branches spread over N units. Each unit's
last commit is checked (the verify command, then the gates) in a scratch worktree of its own,
up to `speculate` units at once (never more than the CPUs), on the assumption that the units
ahead of it pass. Results are settled in train order: a passing unit is verified and will
land; a failing one is bisected over its prefixes (as many prefixes at once as there are
slots) to find the first culprit, which is ejected, and everything behind it is merged again
on the last verified commit. A conflict or a broken dependency found on a chain that still
holds unverified work is only final once that work is verified, so the end result is the one
a train of one branch at a time would reach.

`Pipeline` schedules; the train (`brgit.merge.train.MergeTrain`, a subclass) keeps the records
through three hooks: `_checked`, `_finalize` and `_eject`.
"""

from __future__ import annotations

import math
import os
import threading
from collections import deque
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from brgit.gitops import merge as gm
from brgit.merge import strategies
from brgit.merge.check import PASSED, Checker, CheckOutcome
from brgit.merge.gates import Gate
from brgit.merge.landing import Lander
from brgit.merge.model import (
    CONFLICT,
    DEPENDENCY,
    NO_CHANGES,
    Ejection,
    TrainItem,
    TrainOptions,
    TrainResult,
)
from brgit.merge.order import blocked_by

STOPPED = "train stopped"


@dataclass
class Unit:
    """Consecutive branches merged on `base`; `head` is what gets checked."""

    base: str
    head: str
    items: list[TrainItem] = field(default_factory=list)
    steps: list[str] = field(default_factory=list)  # each item's own commit
    held: list[Ejection] = field(default_factory=list)  # final once `base` is verified
    job: Future[CheckOutcome] | None = None
    cancel: threading.Event = field(default_factory=threading.Event)


class Pipeline:
    def __init__(
        self, root: Path, items: Sequence[TrainItem], opts: TrainOptions, gates: Sequence[Gate]
    ) -> None:
        self.root = root
        self.items = list(items)
        self.opts = opts
        self.gates = list(gates)
        self.strategy = strategies.get(opts.strategy)
        self.checks = bool(opts.verify or self.gates)
        self.slot_count = min(max(1, opts.speculate), os.cpu_count() or 1) if self.checks else 0
        self.depth = max(1, opts.speculate)
        self.stopped = False
        self.merged_ids: set[str] = set()
        self.position = {item.task_id: n for n, item in enumerate(self.items)}
        self.by_id = {item.task_id: item for item in self.items}
        self.result = TrainResult("", opts.target, opts.strategy, "", "")
        self.lander: Lander | None = None
        self.merger = gm.Merger(root)
        self.checker: Checker | None = None
        self.pool: ThreadPoolExecutor | None = None
        self.window: list[Unit] = []
        self._size = 1

    # ------------------------------------------------------------------ hooks (the train)

    def _checked(self, items: list[TrainItem], outcome: CheckOutcome) -> None:
        raise NotImplementedError

    def _finalize(self, held: list[Ejection]) -> None:
        raise NotImplementedError

    def _eject(self, ejection: Ejection) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ scheduling

    def _drive(self, queue: deque[TrainItem]) -> None:
        while (queue or self.window) and not self.stopped:
            self._fill(queue)
            front = self.window.pop(0)
            redo = self._settle(front)
            if redo is not None or self.stopped:
                back = (redo or []) + self._discard_window() + list(queue)
                queue.clear()
                queue.extend(sorted(back, key=lambda i: self.position[i.task_id]))
        for item in queue:
            self.result.skipped.append(Ejection(item.task_id, item.branch, STOPPED))
        queue.clear()

    def _fill(self, queue: deque[TrainItem]) -> None:
        """Merge waiting branches into units behind the window, and start their checks."""
        assert self.lander is not None
        if not self.window:
            self._size = self._unit_size(len(queue))
        while queue and len(self.window) < self.depth:
            if self.opts.on_conflict == "stop" and any(
                e.reason == CONFLICT for u in self.window for e in u.held
            ):
                return  # an ejection ahead may stop the train: merge nothing more yet
            tip = self.window[-1].head if self.window else self.lander.verified
            unit = self._build(tip, queue)
            if unit.items:
                unit.job = self._submit(unit.head, unit.cancel)
            self.window.append(unit)

    def _unit_size(self, waiting: int) -> int:
        if self.opts.batch > 1 or self.depth == 1:
            return self.opts.batch
        return max(1, math.ceil(waiting / self.depth))  # N prefixes over what waits

    def _build(self, base: str, queue: deque[TrainItem]) -> Unit:
        unit = Unit(base, base)
        chain = (
            self.merged_ids
            | {i.task_id for u in self.window for i in u.items}
            | {e.task_id for u in self.window for e in u.held if e.reason == NO_CHANGES}
        )
        taken = 0
        while queue and taken < self._size:
            item = queue.popleft()
            taken += 1
            ejection = self._merge_into(unit, item, chain)
            if ejection is not None:
                unit.held.append(ejection)
                if ejection.reason == NO_CHANGES:
                    chain.add(item.task_id)
                elif ejection.reason == CONFLICT and self.opts.on_conflict == "stop":
                    break
                continue
            chain.add(item.task_id)
        return unit

    def _merge_into(self, unit: Unit, item: TrainItem, chain: set[str]) -> Ejection | None:
        dep = blocked_by(item, chain)
        if dep is not None:
            detail = f"depends on {dep}, which was not merged"
            return Ejection(item.task_id, item.branch, DEPENDENCY, detail=detail)
        message = strategies.message(item, self.opts.session)
        step = self.strategy.apply(self.merger, unit.head, item, message)
        if not step.ok:
            return Ejection(item.task_id, item.branch, CONFLICT, step.conflicts)
        if step.commit == unit.head:  # nothing new: no merge commit, no verify run
            return Ejection(item.task_id, item.branch, NO_CHANGES)
        unit.items.append(item)
        unit.steps.append(step.commit)
        unit.head = step.commit
        return None

    def _submit(self, commit: str, cancel: threading.Event) -> Future[CheckOutcome]:
        if self.pool is None or self.checker is None:
            done: Future[CheckOutcome] = Future()
            done.set_result(PASSED)
            return done
        return self.pool.submit(self.checker.check, commit, cancel)

    def _settle(self, front: Unit) -> list[TrainItem] | None:
        """Settle the front unit; on failure, return what must be merged again."""
        assert self.lander is not None
        if not front.items:  # every branch in it was held back: nothing to check
            self._finalize(front.held)
            return None
        outcome = self._outcome(front)
        if not outcome.ok:  # the checks behind it assumed it passes: stop them first
            behind = self._discard_window()
            return self._bisect(front, outcome) + behind
        self._checked(front.items, outcome)
        self._finalize(front.held)
        self.merged_ids.update(i.task_id for i in front.items)
        self.lander.add(front.items, front.steps, front.head)
        return None

    def _bisect(self, unit: Unit, failed: CheckOutcome) -> list[TrainItem]:
        """Find the first culprit among `unit`'s prefixes (its base passed, its whole failed),
        as many prefixes at once as there are slots; verified prefixes advance."""
        assert self.lander is not None
        self._checked(unit.items, failed)
        lo, hi = 0, len(unit.items)
        while hi - lo > 1:
            probes = _probes(lo, hi, self.slot_count)
            outcomes = self._check_all(unit, probes)
            first_bad = next((k for k, o in zip(probes, outcomes, strict=True) if not o.ok), hi)
            if first_bad < hi:
                failed = outcomes[probes.index(first_bad)]
            good = [k for k, o in zip(probes, outcomes, strict=True) if o.ok and k < first_bad]
            new_lo = max(good, default=lo)
            if new_lo > lo:
                self.merged_ids.update(i.task_id for i in unit.items[lo:new_lo])
                passed, steps = unit.items[lo:new_lo], unit.steps[lo:new_lo]
                self.lander.add(passed, steps, steps[-1])
            lo, hi = new_lo, first_bad
        culprit = unit.items[hi - 1]
        cut = self.position[culprit.task_id]
        self._finalize([e for e in unit.held if self.position[e.task_id] < cut])
        self._eject(Ejection(culprit.task_id, culprit.branch, failed.reason,
                             detail=failed.detail, log=failed.log))  # fmt: skip
        later = [self.by_id[e.task_id] for e in unit.held if self.position[e.task_id] > cut]
        return unit.items[hi:] + later

    def _check_all(self, unit: Unit, probes: list[int]) -> list[CheckOutcome]:
        probe_units = [Unit(unit.base, unit.steps[k - 1], unit.items[:k]) for k in probes]
        for probe in probe_units:
            probe.job = self._submit(probe.head, probe.cancel)
        self.window[:0] = probe_units  # so an interruption stops them too
        try:
            outcomes = [self._outcome(probe) for probe in probe_units]
        finally:
            del self.window[: len(probe_units)]
        for probe, outcome in zip(probe_units, outcomes, strict=True):
            self._checked(probe.items, outcome)
        return outcomes

    def _outcome(self, unit: Unit) -> CheckOutcome:
        assert unit.job is not None
        outcome = unit.job.result()
        unit.job = None
        if outcome.ran_verify:
            self.result.verify_runs += 1
        return outcome

    def _discard_window(self) -> list[TrainItem]:
        """Stop the checks behind a failure (or a stop); return their branches."""
        units, self.window = self.window, []
        for unit in units:
            unit.cancel.set()
        for unit in units:
            if unit.job is not None:
                self._outcome(unit)
        held = [self.by_id[e.task_id] for u in units for e in u.held]
        return [i for u in units for i in u.items] + held

    def _shutdown(self) -> None:
        """Stop every check still running (an error or Ctrl-C) and the worker threads."""
        for unit in self.window:
            unit.cancel.set()
        for unit in self.window:
            if unit.job is not None:
                try:
                    unit.job.result()
                except BaseException:  # noqa: S110 - the check's error is not the train's
                    pass
        self.window = []
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _probes(lo: int, hi: int, slots: int) -> list[int]:
    """Prefix lengths strictly between `lo` (passed) and `hi` (failed), evenly spread: the
    middle one for a single slot (bisection), more at once when there are more slots."""
    spread = {lo + (hi - lo) * j // (slots + 1) for j in range(1, max(1, slots) + 1)}
    return sorted(k for k in spread if lo < k < hi) or [lo + (hi - lo) // 2]
