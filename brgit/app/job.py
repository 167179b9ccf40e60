"""The whole job (`br run`): plan, run the workers, run the merge train, summarise.

run_job(Path("plan.toml"), root=root, cfg=cfg) -> JobResult
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brgit.config import Config
from brgit.context import Context, context_for
from brgit.core.plan import Plan, load_plan
from brgit.core.session import SessionRecord
from brgit.errors import EXIT_API, EXIT_GENERAL, EXIT_OK, MergeError, NotFoundError
from brgit.gitops import merge as gm
from brgit.gitops.git import current_branch
from brgit.merge import api
from brgit.merge.model import TrainResult
from brgit.merge.train import Progress
from brgit.telemetry.events import EventType, TelemetryEvent


@dataclass
class JobResult:
    session: SessionRecord
    train: TrainResult
    wall_ms: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        done = self.session.count("completed") == len(self.session.plan.tasks)
        return done and self.train.ok

    @property
    def exit_code(self) -> int:
        """0 when everything merged; 5 when a model provider refused a task (auth, billing,
        quota, retries exhausted); 1 for any other failed task or ejected branch."""
        if self.ok:
            return EXIT_OK
        return EXIT_API if self.session.api_failed else EXIT_GENERAL


DEFAULT_SOURCES = (
    "PROJECT_SPEC.plan.toml",
    ".buildrunner/plan.toml",
    "plan.toml",
    "PROJECT_SPEC.md",
)


def default_source(root: Path) -> Path:
    """What `br run --auto` runs: the first of DEFAULT_SOURCES in the main worktree."""
    for name in DEFAULT_SOURCES:
        if (root / name).is_file():
            return root / name
    raise NotFoundError(f"--auto found none of {', '.join(DEFAULT_SOURCES)} in {root}")


def plan_for(source: Path) -> Plan:
    """A `.toml` file is a plan; anything else is a spec handed to `brgit.core.spec`."""
    if not source.exists():
        raise NotFoundError(f"file not found: {source}")
    if source.suffix == ".toml":
        return load_plan(source)
    from brgit.core.spec import plan_from_spec

    return plan_from_spec(source)


def target_for(cfg: Config, root: Path) -> str:
    target = cfg.merge.target or cfg.parallel.base_branch or current_branch(root)
    if not target:
        raise MergeError("HEAD is detached: set merge.target or check out a branch")
    return target


def check_target(root: Path, target: str) -> None:
    """Refuse before any work if the target's checkout has uncommitted tracked changes."""
    where = gm.worktree_of_branch(root, target)
    if where is not None and gm.tracked_changes(where):
        raise MergeError(
            f"{target} is checked out at {where} with uncommitted changes to tracked files; "
            "commit or stash them before `br run` (the merge train would move that checkout)"
        )


def run_job(
    source: Path,
    *,
    root: Path,
    cfg: Config,
    workers: int | None = None,
    agent: str | None = None,
    session: str | None = None,
    verify: str | None = None,
    progress: Progress | None = None,
    ctx: Context | None = None,
) -> JobResult:
    """Run the plan or spec at `source`, then the merge train; everything is recorded through
    `ctx` (default: a context built from `cfg`)."""
    from brgit.parallel.orchestrator import run_plan

    ctx = context_for(cfg, root, ctx)
    began = time.monotonic()
    plan = plan_for(source)
    target = target_for(cfg, root)
    check_target(root, target)
    events = ctx.events
    events.collect(TelemetryEvent(EventType.BUILD_STARTED, data={"plan": plan.name}))
    record = run_plan(
        plan, root=root, cfg=cfg, session=session, workers=workers, agent=agent,
        progress=progress, ctx=ctx,
    )  # fmt: skip
    over = api.Overrides(target=target, verify=verify)
    opts = api.options(cfg, over, session=record.name, fallback_target=target)
    from functools import partial

    from brgit.agents.base import run_in
    from brgit.app.quality import register_gates

    register_gates()
    run_agent = partial(run_in, cfg=cfg, ctx=ctx)
    train = api.merge_record(
        root, cfg, record, opts, progress=progress, run_agent=run_agent, ctx=ctx
    )
    result = JobResult(record, train, int((time.monotonic() - began) * 1000))
    events.collect(
        TelemetryEvent(
            EventType.BUILD_COMPLETED,
            session_id=record.session_id,
            success=result.ok,
            duration_ms=result.wall_ms,
            data=summary(result)["tasks"],
        )
    )
    return result


def summary(result: JobResult) -> dict[str, Any]:
    """The stable JSON of `br run`: tasks, merged, ejected, tokens, cost, wall time."""
    record, train = result.session, result.train
    tasks = record.tasks.values()
    return {
        "session": record.name,
        "ok": result.ok,
        "tasks": {
            "total": len(record.plan.tasks),
            **{s: record.count(s) for s in ("completed", "failed", "blocked")},
        },
        "target": train.target,
        "final_commit": train.final_commit,
        "merged": [m.task_id for m in train.merged],
        "ejected": [
            {
                "task_id": e.task_id,
                "reason": e.reason,
                "files": e.files,
                "detail": e.detail,
                "log": e.log,
            }
            for e in train.ejected
        ],
        "not_merged": [
            {"task_id": e.task_id, "reason": e.reason, "detail": e.detail} for e in train.skipped
        ],
        "failed": [
            {"task_id": t.task_id, "outcome": t.outcome, "error": t.error}
            for t in tasks
            if t.status == "failed"
        ],
        "warnings": [{"task_id": t.task_id, "warning": w} for t in tasks for w in t.warnings],
        "verify_runs": train.verify_runs,
        "tokens": {
            "input": sum(t.input_tokens for t in tasks),
            "output": sum(t.output_tokens for t in tasks),
            "cache_read": sum(t.cache_read_tokens for t in tasks),
            "cache_write": sum(t.cache_write_tokens for t in tasks),
        },
        "cost_usd": round(sum(t.cost_usd for t in tasks), 6),
        "wall_time_s": round(result.wall_ms / 1000, 3),
    }
