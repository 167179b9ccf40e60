"""The values of the merge train: what goes in, what happened, and the options."""

from __future__ import annotations

from dataclasses import dataclass, field

CONFLICT = "conflict"
VERIFY_FAILED = "verification failed"
DEPENDENCY = "dependency ejected"
GATE_FAILED = "gate failed"
NO_CHANGES = "no changes"  # the branch adds nothing the target lacks: not merged, not verified


@dataclass(frozen=True)
class TrainItem:
    """One branch waiting to be merged; `task_id` names it (the branch name when hand-made)."""

    task_id: str
    branch: str
    rev: str  # the commit merged (the branch tip when the train started)
    title: str = ""
    depends_on: tuple[str, ...] = ()
    worktree: str = ""  # where its agent worked (a session task), for a repair
    repaired: bool = False  # back in the train after a repair


@dataclass(frozen=True)
class Merged:
    task_id: str
    branch: str
    commit: str  # the branch's own commit on the target (its merge, squash or last rebased)
    repaired: bool = False


@dataclass(frozen=True)
class Repair:
    """One hand-back of an ejected branch to its agent, and how it went."""

    task_id: str
    branch: str
    cause: str  # CONFLICT | VERIFY_FAILED | GATE_FAILED: why the branch was ejected
    resolved: bool  # no conflict left and a commit made: the branch went back in the train
    detail: str = ""  # what the repair found (or why it could not run)
    files: list[str] = field(default_factory=list)  # the conflicting files handed over
    commit: str = ""  # the branch's tip after the repair


@dataclass(frozen=True)
class Ejection:
    task_id: str
    branch: str
    reason: str  # CONFLICT | VERIFY_FAILED | GATE_FAILED | DEPENDENCY | NO_CHANGES | ...
    files: list[str] = field(default_factory=list)
    detail: str = ""
    log: str = ""  # the verify log holding the whole output (verification failed)


@dataclass(frozen=True)
class TrainOptions:
    target: str
    strategy: str = "merge"
    on_conflict: str = "skip"
    batch: int = 1
    verify: str = ""
    verify_timeout: float = 1800.0
    session: str | None = None
    speculate: int = 1  # train prefixes verified at once (concurrency also capped by CPUs)
    gates: tuple[str, ...] = ()  # gates run on each verified merge (see brgit.merge.gates)
    repair: bool = False  # hand ejected branches back to their agent
    repair_attempts: int = 1
    worktree_root: str = ""  # parallel.worktree_root: where a repair worktree is made if needed


@dataclass
class TrainResult:
    train_id: str
    target: str
    strategy: str
    start_commit: str
    final_commit: str
    merged: list[Merged] = field(default_factory=list)
    ejected: list[Ejection] = field(default_factory=list)
    skipped: list[Ejection] = field(default_factory=list)  # not completed, or no changes
    repairs: list[Repair] = field(default_factory=list)  # every hand-back, in order
    verify_runs: int = 0
    stopped: bool = False
    duration_ms: int = 0
    session: str | None = None

    @property
    def ok(self) -> bool:
        return not self.ejected and not self.stopped


@dataclass(frozen=True)
class Forecast:
    """One line of a dry run: where the branch falls in the order and what git predicts."""

    position: int
    task_id: str
    branch: str
    outcome: str  # "clean" | CONFLICT | DEPENDENCY | "not completed (...)"
    files: list[str] = field(default_factory=list)


@dataclass
class DryRun:
    target: str
    target_commit: str
    forecasts: list[Forecast] = field(default_factory=list)
    session: str | None = None
