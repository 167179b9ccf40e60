"""One agent run of a task on one model, as a router sees it when the run ends.

An `Attempt` holds only what is observable at run time: the model and its tier, how the run
ended (the outcome class), what it cost, and, when the task has a verify command, the verdict.
The escalation policy decides from these whether to re-run a task a tier up; the learner counts
only verdicts, never "the agent said it finished".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    ERROR = "error"  # the agent failed: exit status, timeout, API error, permission denied
    NO_CHANGE = "no_change"  # the agent ended without changing anything
    VERIFY_FAILED = "verify_failed"  # a change the task's verify command rejected
    CHANGED = "changed"  # a change, and no verify command to judge it
    VERIFIED = "verified"  # a change the task's verify command passed


SUCCEEDED = frozenset({Outcome.CHANGED, Outcome.VERIFIED})
CHANGED = frozenset({Outcome.CHANGED, Outcome.VERIFIED, Outcome.VERIFY_FAILED})


@dataclass(frozen=True)
class Attempt:
    model_id: str
    tier: int
    outcome: Outcome
    cost_usd: float = 0.0
    has_verify: bool = False  # the task has a verify command: every outcome is a verdict

    @classmethod
    def of(
        cls,
        model_id: str,
        tier: int,
        *,
        agent_ok: bool,
        changed: bool,
        verify_passed: bool | None = None,
        cost_usd: float = 0.0,
        has_verify: bool | None = None,
    ) -> Attempt:
        """Classify a finished run. `verify_passed` is None when no verify ran; `has_verify`
        (default: a verify ran) says whether the task has one, so that a run that failed before
        its verify still counts as a failed verdict."""
        if not agent_ok:
            outcome = Outcome.ERROR
        elif not changed:
            outcome = Outcome.NO_CHANGE
        elif verify_passed is None:
            outcome = Outcome.CHANGED
        else:
            outcome = Outcome.VERIFIED if verify_passed else Outcome.VERIFY_FAILED
        checked = verify_passed is not None if has_verify is None else has_verify
        return cls(model_id, tier, outcome, cost_usd, checked)

    @property
    def succeeded(self) -> bool:
        """What escalation checks: a change that no verify rejected."""
        return self.outcome in SUCCEEDED

    @property
    def changed(self) -> bool:
        return self.outcome in CHANGED

    @property
    def verdict(self) -> bool | None:
        """Passed (True) or failed (False) the task's verify; None without a verify command
        (then nothing about the run is verified and learners must not count it)."""
        if self.outcome is Outcome.VERIFIED:
            return True
        if self.outcome is Outcome.VERIFY_FAILED:
            return False
        if self.outcome in (Outcome.ERROR, Outcome.NO_CHANGE) and self.has_verify:
            return False  # the verify could not pass: there was nothing (good) to check
        return None
