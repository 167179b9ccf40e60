"""The record of a parallel session, shared by the workers (writers) and the merge train (reader).

Stored at `.buildrunner/sessions/<name>/`: `session.json`, the whole record (the snapshot,
written atomically, so a crash never leaves half of one), and `journal.jsonl`, the changes
since (see `brgit.core.journal`). `load_session` reads both; a running session's supervisor
writes through a `SessionWriter`, which appends each change and folds the journal into a new
snapshot now and then. Branches are `br/<session>/<task-id>`; a session is named by its name
or its id (`session-...`, what `br parallel list` prints).
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brgit import paths
from brgit.core import journal
from brgit.core.plan import Plan, Task
from brgit.errors import NotFoundError, ParallelError, UsageError
from brgit.files import atomic_write
from brgit.names import id_problem

# pending: waiting on dependencies; ready: waiting for a worker (the "wait" lane)
NO_CHANGES = "no_changes"  # a task outcome (brgit.agents.base.NO_CHANGES)
TASK_STATES = ("pending", "ready", "running", "completed", "failed", "blocked", "stopped")
SESSION_STATES = ("running", "paused", "stopping", "stopped", "completed", "failed")


def branch_for(session: str, task_id: str) -> str:
    return f"br/{session}/{task_id}"


def check_name(name: str) -> str:
    problem = id_problem(name)
    if problem:
        raise UsageError(f"session name {name!r} {problem}")
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
    ready_at: str | None = None  # when its dependencies were done (the wait lane starts)
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
    runs: list[dict[str, Any]] = field(default_factory=list)  # earlier runs (escalation)
    node: str | None = None  # the cluster node that ran the task (None: this machine)

    @property
    def no_changes(self) -> bool:
        """The task's run changed nothing (said from the start: status, summary, the train)."""
        return self.outcome == NO_CHANGES

    def to_dict(self) -> dict[str, Any]:
        data = dict(vars(self))
        data["warnings"], data["runs"] = list(self.warnings), [dict(r) for r in self.runs]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TaskRecord:
        return cls(**{k: v for k, v in data.items() if k in _TASK_FIELDS})


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
    backend: str = "local"  # where the tasks run (brgit.choices.BACKENDS)
    remote: str | None = None  # the git URL the nodes push task branches to (backend ray)
    tasks: dict[str, TaskRecord] = field(default_factory=dict)

    def task(self, task_id: str) -> TaskRecord:
        if task_id not in self.tasks:
            self.tasks[task_id] = TaskRecord(task_id=task_id)
        return self.tasks[task_id]

    def count(self, status: str) -> int:
        return sum(1 for t in self.tasks.values() if t.status == status)

    def no_changes(self) -> int:
        """Completed tasks whose run changed nothing (outcome `no_changes`)."""
        return sum(1 for t in self.tasks.values() if t.status == "completed" and t.no_changes)

    @property
    def api_failed(self) -> bool:
        """A task failed because the model provider refused or could not be reached."""
        return any(t.outcome == "api_error" and t.status == "failed" for t in self.tasks.values())

    def to_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in _SESSION_FIELDS}
        data["plan"] = self.plan.to_dict()
        data["tasks"] = {tid: rec.to_dict() for tid, rec in self.tasks.items()}
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SessionRecord:
        plan_data = data["plan"]
        plan = Plan(
            name=plan_data["name"],
            tasks=[Task(**t) for t in plan_data["tasks"]],
            source=plan_data.get("source"),
        )
        tasks = {tid: TaskRecord.from_dict(rec) for tid, rec in data.get("tasks", {}).items()}
        return cls(
            plan=plan, tasks=tasks, **{k: v for k, v in data.items() if k in _SESSION_FIELDS}
        )

    def apply(self, kind: str, value: dict[str, Any], at: str) -> None:
        """One journal line: a task's whole record, or the session's changing fields."""
        if kind == journal.TASK and isinstance(value.get("task_id"), str):
            self.tasks[value["task_id"]] = TaskRecord.from_dict(value)
        elif kind == journal.SESSION:
            for name in CHANGING & value.keys():
                setattr(self, name, value[name])
        self.updated_at = at or self.updated_at


_TASK_FIELDS = frozenset(f.name for f in dataclasses.fields(TaskRecord))
_SESSION_FIELDS = tuple(
    f.name for f in dataclasses.fields(SessionRecord) if f.name not in ("plan", "tasks")
)
CHANGING = frozenset({"status", "pid", "pid_started", "num_workers", "agent"})


def sessions_dir(root: Path | None = None) -> Path:
    store = (root / paths.STORE_DIRNAME) if root else paths.store_dir()
    return store / "sessions"


def session_file(name: str, root: Path | None = None) -> Path:
    return sessions_dir(root) / check_name(name) / "session.json"


def journal_file(name: str, root: Path | None = None) -> Path:
    return sessions_dir(root) / check_name(name) / journal.JOURNAL_NAME


def save_session(record: SessionRecord, root: Path | None = None) -> Path:
    """Write the whole record as the snapshot and empty the journal it now holds."""
    target = session_file(record.name, root)
    _write_snapshot(record, target)
    journal.empty_file(target.with_name(journal.JOURNAL_NAME))
    return target


def _write_snapshot(record: SessionRecord, target: Path) -> None:
    atomic_write(target, json.dumps(record.to_dict(), separators=(",", ":")))


SESSION_ID = re.compile(r"session-[0-9a-f]{6,32}")
_ID_IN_FILE = re.compile(rb'"session_id"\s*:\s*"([^"]+)"')


def resolve_name(name_or_id: str, root: Path | None = None) -> str:
    """The session's name, given its name or its id (`session-...`): a folder of that name
    wins; else the session whose record has that id (NotFoundError when none does)."""
    if session_file(check_name(name_or_id), root).exists() or not SESSION_ID.fullmatch(name_or_id):
        return name_or_id
    folder = sessions_dir(root)
    for child in sorted(folder.iterdir()) if folder.is_dir() else []:
        if _id_of(child / "session.json") == name_or_id:
            return child.name
    return name_or_id


def _id_of(snapshot: Path) -> str | None:
    """The session id, read from the start of the snapshot (it is the first key written)."""
    try:
        with snapshot.open("rb") as handle:
            found = _ID_IN_FILE.search(handle.read(512))
    except OSError:
        return None
    return found.group(1).decode("utf-8", "replace") if found else None


def load_session(name: str, root: Path | None = None) -> SessionRecord:
    """The session named `name` (or whose id is `name`): its snapshot and its journal."""
    target = session_file(resolve_name(name, root), root)
    for _ in range(20):  # a compaction replaced the snapshot while it was read: read again
        before = _identity(target)
        if before is None:
            raise NotFoundError(f"no session named {name!r} (looked in {target.parent})")
        record = _read(target)
        if _identity(target) == before:
            return record
    return record


def _identity(file: Path) -> tuple[int, int] | None:
    try:
        st = file.stat()
    except FileNotFoundError:
        return None
    return st.st_ino, st.st_mtime_ns


def _read(target: Path) -> SessionRecord:
    try:
        record = SessionRecord.from_dict(json.loads(target.read_text(encoding="utf-8")))
        for kind, value, at in journal.read_lines(target.with_name(journal.JOURNAL_NAME)):
            record.apply(kind, value, at)
    except (ValueError, KeyError, TypeError) as exc:
        raise ParallelError(f"{target}: unreadable session record ({exc})") from None
    return record


def list_sessions(root: Path | None = None) -> list[SessionRecord]:
    folder = sessions_dir(root)
    if not folder.exists():
        return []
    records = []
    for child in sorted(folder.iterdir()):
        if (child / "session.json").exists():
            records.append(load_session(child.name, root))
    return records


class SessionWriter:
    """How the supervising process keeps a running session's record on disk: each change is
    one journal line (a task's final state flushed to the disk), and once the journal holds
    about twice as many lines as the plan has tasks it is folded into a new snapshot, so the
    cost per change stays the same however many tasks the session has."""

    MIN_LINES = 256

    def __init__(self, record: SessionRecord, root: Path) -> None:
        self.record = record
        self.root = root
        self.target = session_file(record.name, root)
        self.journal = journal.Journal(self.target.with_name(journal.JOURNAL_NAME))
        self.limit = max(self.MIN_LINES, 2 * len(record.plan.tasks))
        self._lock = threading.RLock()

    def task(self, task_id: str, at: str, *, durable: bool = False) -> None:
        with self._lock:
            self.record.updated_at = at
            self.journal.append(
                journal.TASK, self.record.task(task_id).to_dict(), at, durable=durable
            )
            self._maybe_compact()

    def session(self, at: str) -> None:
        with self._lock:
            self.record.updated_at = at
            value = {name: getattr(self.record, name) for name in sorted(CHANGING)}
            self.journal.append(journal.SESSION, value, at, durable=True)
            self._maybe_compact()

    def snapshot(self) -> None:
        """Write the whole record now (a session's start and end)."""
        with self._lock:
            _write_snapshot(self.record, self.target)
            self.journal.empty()

    def close(self) -> None:
        self.journal.close()

    def _maybe_compact(self) -> None:
        if self.journal.lines >= self.limit:
            self.snapshot()
