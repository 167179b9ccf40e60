"""SessionManager: create, inspect, pause, resume, stop and clean up parallel sessions.

A running session is supervised by one `br` process (its pid is in the record). Pause and stop
reach it through the session's control file; when that process is gone (a crash, a kill -9),
the manager acts on the record itself and `resume` runs what remains.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from brgit.config import Config
from brgit.context import Context
from brgit.core.plan import Plan
from brgit.core.session import (
    SessionRecord,
    list_sessions,
    load_session,
    save_session,
    session_file,
)
from brgit.errors import ParallelError
from brgit.gitops import worktrees
from brgit.parallel import control
from brgit.parallel.orchestrator import Progress, free_name, new_record, resume_session
from brgit.parallel.worker import now_iso
from brgit.process import pid_alive, wait_until

LIVE = ("running", "paused", "stopping")
FINISHED = ("completed", "failed", "stopped", "interrupted")


@dataclass
class SessionStatus:
    session_id: str
    name: str
    status: str  # running | paused | stopping | stopped | completed | failed | interrupted
    total_tasks: int
    completed_tasks: int
    failed_tasks: int
    blocked_tasks: int
    running_tasks: int
    num_workers: int
    active_workers: int
    start_time: str
    elapsed_time_seconds: int
    cost_usd: float
    agent: str
    pid: int | None


def effective_status(record: SessionRecord) -> str:
    """The record's status, or `interrupted` when it claims to run but its process is gone."""
    if record.status in LIVE and not pid_alive(record.pid, record.pid_started):
        return "interrupted"
    return record.status


def status_of(record: SessionRecord) -> SessionStatus:
    tasks = record.tasks.values()
    running = record.count("running")
    status = effective_status(record)
    return SessionStatus(
        session_id=record.session_id,
        name=record.name,
        status=status,
        total_tasks=len(record.plan.tasks),
        completed_tasks=record.count("completed"),
        failed_tasks=record.count("failed"),
        blocked_tasks=record.count("blocked"),
        running_tasks=running if status in LIVE else 0,
        num_workers=record.num_workers,
        active_workers=min(running, record.num_workers) if status in LIVE else 0,
        start_time=record.created_at,
        elapsed_time_seconds=_elapsed(record, status),
        cost_usd=round(sum(t.cost_usd for t in tasks), 6),
        agent=record.agent,
        pid=record.pid if status in LIVE else None,
    )


def _stamp(record: SessionRecord) -> dt.datetime:
    return dt.datetime.fromisoformat(record.updated_at or record.created_at)


def _elapsed(record: SessionRecord, status: str) -> int:
    try:
        start = dt.datetime.fromisoformat(record.created_at)
        end = dt.datetime.now(dt.UTC)
        if status not in LIVE and record.updated_at:
            end = dt.datetime.fromisoformat(record.updated_at)
    except ValueError:
        return 0
    return max(0, int((end - start).total_seconds()))


class SessionManager:
    def __init__(self, root: Path, cfg: Config, *, ctx: Context | None = None) -> None:
        self.root = root
        self.cfg = cfg
        self.ctx = ctx  # what sessions it starts record through (None: built from cfg)

    def create_session(
        self,
        plan: Plan,
        name: str | None = None,
        *,
        workers: int | None = None,
        agent: str | None = None,
    ) -> SessionRecord:
        """Record a session without running it (status `stopped`, every task pending)."""
        plan.validate()
        if name and session_file(name, self.root).exists():
            raise ParallelError(f"session {name!r} already exists")
        record = new_record(
            plan,
            name or free_name(plan.name, self.root),
            root=self.root,
            cfg=self.cfg,
            workers=max(1, workers or self.cfg.parallel.default_workers),
            agent=agent or self.cfg.agent.default,
            ctx=self.ctx,
        )
        record.status, record.pid = "stopped", None
        save_session(record, self.root)
        return record

    def get(self, name: str) -> SessionRecord:
        """The session named `name`, or whose id (`session-...`) is `name`."""
        return load_session(name, self.root)

    def name_of(self, name_or_id: str) -> str:
        """The session's name, given its name or its id (NotFoundError when neither)."""
        return self.get(name_or_id).name

    def get_session_status(self, name: str) -> SessionStatus:
        return status_of(self.get(name))

    def list_sessions(self, status: str | None = None) -> list[SessionStatus]:
        found = [status_of(r) for r in list_sessions(self.root)]
        return [s for s in found if status is None or s.status == status]

    def latest(self) -> SessionRecord:
        records = list_sessions(self.root)
        if not records:
            raise ParallelError("no sessions yet: `br parallel start NAME --plan FILE`")
        return max(records, key=lambda r: r.updated_at or r.created_at)

    def _live(self, name: str, verb: str) -> SessionRecord:
        record = self.get(name)
        if effective_status(record) not in LIVE:
            raise ParallelError(f"cannot {verb} session {name!r}: it is {effective_status(record)}")
        return record

    def pause_session(self, name: str) -> SessionStatus:
        name = self._live(name, "pause").name
        control.request(name, self.root, "pause")
        return self._settle(name, "paused")

    def unpause_session(self, name: str) -> SessionStatus:
        name = self._live(name, "resume").name
        control.request(name, self.root, "run")
        return self._settle(name, "running")

    def resume_session(
        self,
        name: str,
        *,
        workers: int | None = None,
        agent: str | None = None,
        progress: Progress | None = None,
        backend: str | None = None,
    ) -> SessionRecord:
        """Unpause a live session, or run what remains of a stopped or crashed one (where it
        ran before, unless `backend` says otherwise)."""
        record = self.get(name)
        name = record.name
        if effective_status(record) in LIVE:
            self.unpause_session(name)
            return self.get(name)
        if record.status == "completed":
            raise ParallelError(f"session {name!r} already completed")
        return resume_session(
            name, root=self.root, cfg=self.cfg, workers=workers, agent=agent, progress=progress,
            ctx=self.ctx, backend=backend,
        )  # fmt: skip

    def stop_session(self, name: str, *, force: bool = False, wait: float = 10.0) -> SessionStatus:
        """Stop starting tasks (running ones finish); `force` also kills running agents."""
        record = self.get(name)
        name = record.name
        if effective_status(record) in LIVE:
            control.request(name, self.root, "stop-force" if force else "stop")
            if force or wait:
                self._wait_exit(name, wait if not force else max(wait, 5.0))
            record = self.get(name)
        if effective_status(record) not in LIVE:
            self._mark_stopped(record)
        return status_of(self.get(name))

    def _mark_stopped(self, record: SessionRecord) -> None:
        from brgit.agents.base import kill_group

        for rec in record.tasks.values():
            if rec.pid and pid_alive(rec.pid, rec.pid_started):
                kill_group(rec.pid)
            rec.pid = None
            if rec.status == "running":
                rec.status = "stopped"
        if record.status in LIVE:
            record.status, record.pid = "stopped", None
            record.updated_at = now_iso()
        save_session(record, self.root)

    def _wait_exit(self, name: str, seconds: float) -> None:
        wait_until(lambda: effective_status(self.get(name)) not in LIVE, seconds, step=0.1)

    def _settle(self, name: str, wanted: str, seconds: float = 3.0) -> SessionStatus:
        wait_until(lambda: self.get(name).status == wanted, seconds)
        return self.get_session_status(name)

    def cleanup(
        self, *, days: int = 7, everything: bool = False, names: list[str] | None = None
    ) -> list[dict[str, Any]]:
        """Remove finished sessions (older than `days`, all with `everything`, or the ones
        `names` gives, by name or id, whatever their age): their worktrees and records.
        Branches stay, so completed work can still be merged. A named session that still
        runs is an error."""
        if names:
            chosen = [self._finished(name) for name in names]
        else:
            cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
            chosen = [
                r
                for r in list_sessions(self.root)
                if effective_status(r) not in LIVE and (everything or _stamp(r) <= cutoff)
            ]
        removed = [self._remove(record) for record in chosen]
        worktrees.prune(self.root)
        return removed

    def _finished(self, name: str) -> SessionRecord:
        record = self.get(name)
        if effective_status(record) in LIVE:
            raise ParallelError(
                f"session {record.name!r} is {effective_status(record)}: "
                f"`br parallel stop {record.name}` first"
            )
        return record

    def _remove(self, record: SessionRecord) -> dict[str, Any]:
        count, left = self.remove_worktrees(record)
        # the session's own folder in brgit's store (its name is checked, so it is one)
        shutil.rmtree(session_file(record.name, self.root).parent, ignore_errors=True)
        return {"name": record.name, "worktrees": count, "left_alone": left}

    def remove_worktrees(self, record: SessionRecord) -> tuple[int, list[str]]:
        """Remove the session's worktrees that brgit created; the rest is left and reported."""
        count, left = 0, []
        for rec in record.tasks.values():
            if not rec.worktree:
                continue
            path = Path(rec.worktree)
            existed = path.exists()
            why = worktrees.release(self.root, path)
            if why:
                left.append(why)
            elif existed:
                count += 1
        return count, left
