"""The merge train's Python API: what `br merge` and `br run` call.

merge_session(root, cfg, "s1") -> TrainResult        # the completed tasks of a session
merge_record(root, cfg, record, opts) -> TrainResult  # the same, for a loaded session
merge_branches(root, cfg, ["a", "b"], target="main")  # hand-made branches, in that order
forecast_session(root, cfg, "s1") -> DryRun            # order + conflicts, changes nothing
abort(root) -> Aborted | None                          # land verified work, clean up
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from brgit.choices import MERGE_STRATEGIES, ON_CONFLICT
from brgit.config import Config
from brgit.context import Context, context_for
from brgit.errors import MergeError, UsageError
from brgit.gitops.git import current_branch
from brgit.merge import order, state
from brgit.merge.fixer import RunAgent, TaskFixer
from brgit.merge.gates import resolve as resolve_gates
from brgit.merge.model import DryRun, TrainOptions, TrainResult
from brgit.merge.predict import dry_run
from brgit.merge.train import Progress, run_train

if TYPE_CHECKING:  # sessions are loaded only when a session is merged
    from brgit.core.session import SessionRecord


@dataclass(frozen=True)
class Overrides:
    """Command-line choices; None means: take the config's value."""

    target: str | None = None
    verify: str | None = None
    strategy: str | None = None
    on_conflict: str | None = None
    batch: int | None = None
    speculate: int | None = None
    gates: tuple[str, ...] | None = None
    repair: bool | None = None


def options(
    cfg: Config,
    over: Overrides,
    *,
    session: str | None,
    fallback_target: str | Callable[[], str | None] | None,
) -> TrainOptions:
    """The train's options: the command line over the config over `fallback_target` (a name,
    or a function asked only when neither names a target)."""
    m = cfg.merge
    target: str | None = over.target or m.target
    if not target:
        target = fallback_target() if callable(fallback_target) else fallback_target
    if not target:
        raise MergeError("no target branch: pass --target or set merge.target")
    opts = TrainOptions(
        target=target,
        strategy=over.strategy or m.strategy,
        on_conflict=over.on_conflict or m.on_conflict,
        batch=over.batch if over.batch is not None else m.batch_size,
        verify=m.verify if over.verify is None else over.verify,
        verify_timeout=float(m.verify_timeout_seconds),
        session=session,
        speculate=over.speculate if over.speculate is not None else m.speculate,
        gates=tuple(m.gate) if over.gates is None else over.gates,
        repair=m.repair if over.repair is None else over.repair,
        repair_attempts=m.repair_attempts,
        worktree_root=cfg.parallel.worktree_root,
    )
    _check(opts)
    return opts


def _check(opts: TrainOptions) -> None:
    if opts.strategy not in MERGE_STRATEGIES:
        known = ", ".join(MERGE_STRATEGIES)
        raise MergeError(f"unknown strategy {opts.strategy!r} (known: {known})")
    if opts.on_conflict not in ON_CONFLICT:
        raise MergeError(f"--on-conflict must be one of {', '.join(ON_CONFLICT)}")
    if opts.batch < 1:
        raise MergeError("--batch must be at least 1")
    if opts.speculate < 1:
        raise MergeError("--speculate must be at least 1")


def merge_session(
    root: Path,
    cfg: Config,
    name: str,
    over: Overrides = Overrides(),
    progress: Progress | None = None,
    run_agent: RunAgent | None = None,
    *,
    ctx: Context | None = None,
) -> TrainResult:
    """Merge a session's completed tasks. `run_agent` (e.g. `brgit.agents.base.run_in` with
    the config bound) is what repairs ejected branches when repair is on; events go through
    `ctx` (default: a context built from `cfg`)."""
    from brgit.core.session import load_session

    record = load_session(name, root)
    _not_running(record)
    opts = options(cfg, over, session=name, fallback_target=record.base_branch)
    return merge_record(
        root, cfg, record, opts, progress=progress, run_agent=run_agent, ctx=ctx
    )


def merge_record(
    root: Path,
    cfg: Config,
    record: SessionRecord,
    opts: TrainOptions,
    *,
    progress: Progress | None = None,
    run_agent: RunAgent | None = None,
    ctx: Context | None = None,
) -> TrainResult:
    """The train over a session's completed tasks, with its gates and repairs."""
    items, skipped = order.from_session(record, root)
    fixer = None
    if opts.repair:
        if run_agent is None:
            raise MergeError("repair needs an agent runner (none was given)")
        fixer = TaskFixer(record.plan, run_agent, record.agent)
    gates = resolve_gates(opts.gates, cfg)
    events = context_for(cfg, root, ctx).events
    return run_train(
        root, items, opts, skipped=skipped, progress=progress, gates=gates, fixer=fixer,
        events=events,
    )  # fmt: skip


def _not_running(record: SessionRecord) -> None:
    """Workers still writing to the session: merging now would race them."""
    from brgit.process import pid_alive

    pid = record.pid
    alive = pid_alive(pid, record.pid_started)
    if record.status == "running" and pid and pid != os.getpid() and alive:
        raise MergeError(
            f"session {record.name!r} is still running (pid {pid}); wait for it to finish "
            f"or stop it (`br parallel stop {record.name}`), then merge"
        )


def merge_branches(
    root: Path,
    cfg: Config,
    branches: Sequence[str],
    over: Overrides = Overrides(),
    progress: Progress | None = None,
    *,
    ctx: Context | None = None,
) -> TrainResult:
    opts = options(cfg, over, session=None, fallback_target=lambda: current_branch(root))
    if opts.repair:
        raise UsageError("--repair works on a session's tasks (--session NAME), not on branches")
    items = order.from_branches(branches, root)
    gates = resolve_gates(opts.gates, cfg)
    events = context_for(cfg, root, ctx).events
    return run_train(root, items, opts, progress=progress, gates=gates, events=events)


def forecast_session(root: Path, cfg: Config, name: str, over: Overrides = Overrides()) -> DryRun:
    from brgit.core.session import load_session

    record = load_session(name, root)
    opts = options(cfg, over, session=name, fallback_target=record.base_branch)
    items, skipped = order.from_session(record, root)
    return dry_run(root, items, opts.target, skipped=skipped, session=name)


def forecast_branches(
    root: Path, cfg: Config, branches: Sequence[str], over: Overrides = Overrides()
) -> DryRun:
    opts = options(cfg, over, session=None, fallback_target=lambda: current_branch(root))
    return dry_run(root, order.from_branches(branches, root), opts.target)


def abort(root: Path) -> state.Aborted | None:
    return state.abort(root)
