"""Checking one merged commit: the verify command, then the gates, in a free slot.

`Checker.check` runs on a worker thread (several at once when the train speculates); it only
touches its own slot's worktree and log, so checks of different commits do not interfere.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from brgit.merge.gates import Gate, run_gates
from brgit.merge.model import GATE_FAILED, VERIFY_FAILED
from brgit.merge.slots import Slots
from brgit.merge.verify import run_verify
from brgit.redact import redact


@dataclass(frozen=True)
class CheckOutcome:
    ok: bool
    reason: str = ""  # VERIFY_FAILED | GATE_FAILED when not ok
    detail: str = ""  # the last lines of the verify output, or the gate's reason
    log: str = ""  # the verify log of this run
    exit_code: int | None = None
    duration_ms: int = 0
    ran_verify: bool = False
    cancelled: bool = False


PASSED = CheckOutcome(True)


class Checker:
    def __init__(
        self,
        verify: str,
        timeout: float,
        gates: Sequence[Gate],
        slots: Slots,
        log_dir: Path,
    ) -> None:
        self.verify = verify
        self.timeout = timeout
        self.gates = list(gates)
        self.slots = slots
        self.log_dir = log_dir

    def check(self, commit: str, cancel: threading.Event) -> CheckOutcome:
        slot = self.slots.acquire()
        try:
            if cancel.is_set():
                return CheckOutcome(False, cancelled=True)
            where = self.slots.place(slot, commit)
            outcome = self._verify(where, slot, cancel) if self.verify else PASSED
            if not outcome.ok or not self.gates:
                return outcome
            failed = run_gates(self.gates, where)
            if failed is None:
                return outcome
            detail = f"{failed[0]}: {failed[1]}"
            return replace(outcome, ok=False, reason=GATE_FAILED, detail=detail)
        finally:
            self.slots.release(slot)

    def log_of(self, slot: int) -> Path:
        name = self.slots.train_id if slot == 0 else f"{self.slots.train_id}.{slot}"
        return self.log_dir / f"{name}.log"

    def _verify(self, where: Path, slot: int, cancel: threading.Event) -> CheckOutcome:
        log = self.log_of(slot)
        try:
            outcome = run_verify(
                self.verify,
                where,
                log,
                self.timeout,
                slot=slot,
                on_spawn=lambda pid: self.slots.started(slot, pid),
                cancel=cancel,
            )
        finally:
            self.slots.ended(slot)
        if cancel.is_set() and not outcome.ok:
            return CheckOutcome(False, cancelled=True, ran_verify=True)
        reason = "" if outcome.ok else VERIFY_FAILED
        return CheckOutcome(
            outcome.ok,
            reason,
            redact(outcome.tail),
            str(log),
            outcome.exit_code,
            outcome.duration_ms,
            ran_verify=True,
        )
