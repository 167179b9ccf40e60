"""The record of a parallel session, shared by the workers (writers) and the merge train (reader).

Stored as JSON at `.buildrunner/sessions/<name>/session.json`, written atomically (temp file +
rename) so a crash never leaves half a record. Branches are `br/<session>/<task-id>`.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brgit import paths
from brgit.core.plan import Plan, Task
from brgit.errors import NotFoundError, ParallelError, UsageError

SESSION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
TASK_STATES = ("pending", "running", "completed", "failed", "blocked", "stopped")
SESSION_STATES = ("running", "paused", "stopping", "stopped", "completed", "failed")


def branch_for(session: str, task_id: str) -> str:
    return f"br/{session}/{task_id}"


def check_name(name: str) -> str:
    if not SESSION_NAME.match(name):
        raise UsageError(
            f"session name {name!r} must be letters, digits, '.', '_' or '-' (max 64)"
        )
    return name


@dataclass
class TaskRecord:
    task_id: str
    status: str = "pending"
    branch: str | None = None
    worktree: str | None = None
    commit: str | None = None  # the task's result commit on its branch
    model: str | None = None
    agent: str | None = None
    worker_id: str | None = None
    pid: int | None = None
    pid_started: int | None = None  # the process's start time (pids get reused)
    attempts: int = 0
    started_at: str | None = None
    finished_at: str | None = None
    duration_ms: int | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    error: str | None = None
    outcome: str | None = None  # what the agent's run came to (brgit.agents.base.OUTCOMES)
    warnings: list[str] = field(default_factory=list)  # e.g. a usage report that did not parse


@dataclass
class SessionRecord:
    session_id: str
    name: str
    plan: Plan
    base_commit: str
    base_branch: str | None
    status: str = "running"
    plan_file: str | None = None
    num_workers: int = 1
    agent: str = "shell"
    created_at: str = ""
    updated_at: str = ""
    pid: int | None = None  # the supervising `br` process
    pid_started: int | None = None  # its start time, so a reused pid is not mistaken for it
    tasks: dict[str, TaskRecord] = field(default_factory=dict)

    def task(self, task_id: str) -> TaskRecord:
        if task_id not in self.tasks:
            self.tasks[task_id] = TaskRecord(task_id=task_id)
        return self.tasks[task_id]

    def count(self, status: str) -> int:
        return sum(1 for t in self.tasks.values() if t.status == status)

    @property
    def api_failed(self) -> bool:
        """A task failed because the model provider refused or could not be reached."""
        return any(t.outcome == "api_error" and t.status == "failed" for t in self.tasks.values())

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["plan"] = self.plan.to_dict()
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionRecord:
        plan_data = data["plan"]
        plan = Plan(
            name=plan_data["name"],
            tasks=[Task(**t) for t in plan_data["tasks"]],
            source=plan_data.get("source"),
        )
        known = {f.name for f in dataclasses.fields(TaskRecord)}
        tasks = {
            tid: TaskRecord(**{k: v for k, v in rec.items() if k in known})
            for tid, rec in data.get("tasks", {}).items()
        }
        fields = {f.name for f in dataclasses.fields(cls)} - {"plan", "tasks"}
        return cls(plan=plan, tasks=tasks, **{k: v for k, v in data.items() if k in fields})


def sessions_dir(root: Path | None = None) -> Path:
    store = (root / paths.STORE_DIRNAME) if root else paths.store_dir()
    return store / "sessions"


def session_file(name: str, root: Path | None = None) -> Path:
    return sessions_dir(root) / check_name(name) / "session.json"


def save_session(record: SessionRecord, root: Path | None = None) -> Path:
    from brgit.config import atomic_write

    target = session_file(record.name, root)
    atomic_write(target, json.dumps(record.to_dict(), indent=2))
    return target


def load_session(name: str, root: Path | None = None) -> SessionRecord:
    target = session_file(name, root)
    if not target.exists():
        raise NotFoundError(f"no session named {name!r} (looked in {target.parent})")
    try:
        return SessionRecord.from_dict(json.loads(target.read_text(encoding="utf-8")))
    except (ValueError, KeyError, TypeError) as exc:
        raise ParallelError(f"{target}: unreadable session record ({exc})") from None


def list_sessions(root: Path | None = None) -> list[SessionRecord]:
    folder = sessions_dir(root)
    if not folder.exists():
        return []
    records = []
    for child in sorted(folder.iterdir()):
        if (child / "session.json").exists():
            records.append(load_session(child.name, root))
    return records
