"""Sessions and workers as JSON-ready data and as readable views."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from brgit.core.session import SessionRecord
from brgit.parallel.coordinator import WorkerHealth
from brgit.parallel.eta import Eta, estimate, snapshot_of
from brgit.parallel.manager import LIVE, SessionStatus, effective_status, status_of
from brgit.telemetry.velocity import LaneVelocity
from brgit.view import Table, View

TAIL_BYTES = 65536


def progress(status: SessionStatus) -> str:
    return f"{status.completed_tasks}/{status.total_tasks}"


History = Callable[[], Mapping[str, LaneVelocity]]


def session_eta(record: SessionRecord, history: History | None = None) -> Eta:
    """The ETA of a live session (0 once completed, None when it is not running);
    `history()` is read only while none of this session's tasks has finished."""
    status = effective_status(record)
    snapshot = snapshot_of(record)
    eta = estimate(snapshot)
    if status in LIVE and eta.eta_seconds is None and history is not None:
        eta = estimate(snapshot, history())
    if status == "completed":
        eta.eta_seconds = 0.0
    elif status not in LIVE:
        eta.eta_seconds = None
    return eta


def session_data(record: SessionRecord, eta: Eta | None = None) -> dict[str, Any]:
    data = dataclasses.asdict(status_of(record))
    data["base_commit"] = record.base_commit
    data["base_branch"] = record.base_branch
    data["no_changes_tasks"] = record.no_changes()
    data.update((eta or session_eta(record)).to_dict())
    data["backend"], data["remote"] = record.backend, record.remote
    data["tasks"] = [{"task_id": t.id, **_task(record, t.id)} for t in record.plan.tasks]
    return data


def _task(record: SessionRecord, task_id: str) -> dict[str, Any]:
    rec = record.task(task_id)
    keep = (
        "status",
        "branch",
        "commit",
        "worktree",
        "model",
        "worker_id",
        "attempts",
        "duration_ms",
        "input_tokens",
        "output_tokens",
        "cost_usd",
        "error",
        "outcome",
        "runs",
        "node",
    )
    data = {k: getattr(rec, k) for k in keep}
    data["status"] = task_status(record, task_id)
    data["changed"] = None if rec.status != "completed" else not rec.no_changes
    return data


def task_status(record: SessionRecord, task_id: str) -> str:
    """A task that was running when its session's process died is `interrupted`, not
    running (`br parallel resume` runs it again)."""
    status = record.task(task_id).status
    if status == "running" and effective_status(record) == "interrupted":
        return "interrupted"
    return status


def shown_status(record: SessionRecord, task_id: str) -> str:
    """The status as a person reads it: a completed task that changed nothing says so."""
    rec = record.task(task_id)
    if rec.status == "completed" and rec.no_changes:
        return "no changes"
    return task_status(record, task_id)


def session_view(record: SessionRecord, eta: Eta | None = None) -> View:
    status = status_of(record)
    eta = eta or session_eta(record)
    rows = []
    remote = record.backend != "local"
    for task in record.plan.tasks:
        rec = record.task(task.id)
        seconds = f"{rec.duration_ms / 1000:.1f}s" if rec.duration_ms else None
        where = [rec.node[:12] if rec.node else None] if remote else []
        rows.append(
            [
                task.id,
                shown_status(record, task.id),
                rec.worker_id,
                *where,
                rec.commit[:10] if rec.commit else None,
                seconds,
                rec.cost_usd,
                rec.error,
            ]
        )
    columns = ["Task", "Status", "Worker", *(["Node"] if remote else []), "Commit", "Time",
               "Cost $", "Error"]  # fmt: skip
    return View(
        title=f"Session: {record.name} ({record.session_id})",
        fields=[
            ("Status", status.status),
            (
                "Progress",
                f"{progress(status)} tasks completed "
                f"({_pct(status)}), {status.failed_tasks} failed, "
                f"{status.blocked_tasks} blocked" + _unchanged(record),
            ),
            ("ETA", eta_text(eta, status.status)),
            ("Workers", f"{status.active_workers} active of {status.num_workers}"),
            ("Agent", status.agent),
            ("Base", f"{record.base_branch or '-'} @ {record.base_commit[:10]}"),
            *([("Backend", f"{record.backend}, pushing to {record.remote}")] if remote else []),
            ("Cost", f"${status.cost_usd:.4f}"),
            ("Elapsed", f"{status.elapsed_time_seconds}s"),
        ],
        tables=[Table(columns, rows)],
    )


def _unchanged(record: SessionRecord) -> str:
    count = record.no_changes()
    return f"; {count} completed with no changes" if count else ""


def eta_text(eta: Eta, status: str) -> str:
    if status == "completed":
        return "done"
    if status not in LIVE:
        return f"- (the session is {status})"
    if eta.eta_seconds is None:
        return "unknown until a task finishes"
    basis = "this session's" if eta.basis == "session" else "earlier sessions'"
    return f"about {_duration(eta.eta_seconds)} (from {basis} task times)"


def _duration(seconds: float) -> str:
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


def _pct(status: SessionStatus) -> str:
    if not status.total_tasks:
        return "0%"
    return f"{100 * status.completed_tasks // status.total_tasks}%"


def list_view(statuses: list[SessionStatus]) -> View:
    rows = [
        [
            s.session_id,
            s.name,
            s.status,
            progress(s),
            s.num_workers,
            f"{s.cost_usd:.4f}",
            s.start_time[:16].replace("T", " "),
        ]
        for s in statuses
    ]
    lines = [] if rows else ["no sessions"]
    return View(
        title="Parallel Sessions",
        tables=[
            Table(
                ["Session ID", "Name", "Status", "Progress", "Workers", "Cost $", "Started"], rows
            )
        ],
        lines=lines,
    )


def workers_view(name: str, workers: list[WorkerHealth]) -> View:
    rows = [[w.worker_id, w.status, w.current_task, w.completed, _ago(w)] for w in workers]
    return View(
        title=f"Workers ({name})",
        tables=[Table(["Worker", "Status", "Current", "Complete", "Last Ping"], rows)],
        lines=[] if rows else ["no workers registered"],
    )


def _ago(worker: WorkerHealth) -> str:
    return f"{worker.seconds_since_heartbeat:.0f}s ago"


def recent_events(store: Path, session_id: str, limit: int = 8) -> list[dict[str, Any]]:
    """The session's latest telemetry events, read from the tail of the live segments."""
    found: list[dict[str, Any]] = []
    folder = store / "telemetry"
    for file in folder.rglob("*.jsonl") if folder.exists() else []:
        try:
            with file.open("rb") as handle:
                start = max(0, file.stat().st_size - TAIL_BYTES)
                handle.seek(start)
                lines = handle.read().splitlines()[1 if start else 0 :]
        except OSError:
            continue
        found.extend(e for e in map(_event, lines) if e and e.get("session_id") == session_id)
    found.sort(key=lambda e: str(e.get("timestamp", "")))
    return found[-limit:]


def _event(raw: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(raw)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def events_table(events: list[dict[str, Any]]) -> Table:
    rows = [
        [
            str(e.get("timestamp", ""))[11:19],
            e.get("worker_id"),
            e.get("event_type"),
            e.get("task_id"),
            e.get("error"),
        ]
        for e in events
    ]
    return Table(["Time", "Worker", "Event", "Task", "Error"], rows, title="Recent events")
