"""The train's telemetry: one method per event type, through `EventCollector` (never raises)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from brgit.merge.model import CONFLICT, Ejection, Repair, TrainItem, TrainOptions, TrainResult
from brgit.redact import redact
from brgit.telemetry.events import EventType, TelemetryEvent

if TYPE_CHECKING:
    from brgit.telemetry.collector import EventCollector


class TrainEvents:
    def __init__(
        self, root: Path, opts: TrainOptions, collector: EventCollector | None = None
    ) -> None:
        """`collector`: the command's (its context's); None: one for the repository at
        `root`, made on the first event."""
        self.root = root
        self.opts = opts
        self._collector = collector
        self._status: dict[str, str] = {}  # a session task's status in the train (see status)

    def emit(self, kind: EventType, **fields: Any) -> None:
        """Record `kind` for this train's session; `fields` are TelemetryEvent fields."""
        if self._collector is None:  # imported on first use: the store is not light
            from brgit.telemetry.collector import EventCollector

            self._collector = EventCollector(self.root)
        self._collector.collect(TelemetryEvent(kind, session_id=self.opts.session, **fields))

    def started(self, train_id: str, start: str, items: list[TrainItem]) -> None:
        data = {
            "target": self.opts.target,
            "start_commit": start,
            "strategy": self.opts.strategy,
            "batch": self.opts.batch,
            "branches": [i.branch for i in items],
            "train_id": train_id,
        }
        self.emit(EventType.MERGE_STARTED, data=data)

    def verified(
        self, ok: bool, duration_ms: int, exit_code: int | None, tasks: list[str], log: Path
    ) -> None:
        data = {
            "command": redact(self.opts.verify),
            "exit_code": exit_code,
            "tasks": tasks,
            "log": str(log),
        }
        kind = EventType.VERIFICATION_PASSED if ok else EventType.VERIFICATION_FAILED
        self.emit(kind, success=ok, duration_ms=duration_ms, data=data)
        for task_id in tasks:
            self.status(task_id, "verified" if ok else "verify_failed", log=str(log))

    def merged(self, item: TrainItem, commit: str) -> None:
        data = {"branch": item.branch, "commit": commit, "target": self.opts.target}
        self.emit(EventType.MERGE_MERGED, task_id=item.task_id, data=data)
        self.status(item.task_id, "merged", commit=commit, target=self.opts.target)

    def unchanged(self, ejection: Ejection) -> None:
        """A branch that adds nothing the target lacks: its task ends here, not merged."""
        self.status(ejection.task_id, "no_changes", branch=ejection.branch)

    def status(self, task_id: str, to: str, **metadata: Any) -> None:
        """A session task's status change in the train (`completed` -> `verified` or
        `verify_failed` -> `merged`, `ejected` or `no_changes`): the end of its timeline."""
        if not self.opts.session:
            return  # hand-named branches are no session's tasks
        old = self._status.get(task_id, "completed")
        self._status[task_id] = to
        data = {
            "session": self.opts.session,
            "from_status": old,
            "to_status": to,
            "command_name": "merge",
            "lane": "merge",
            "metadata": metadata,
        }
        self.emit(EventType.TASK_STATUS_CHANGED, task_id=task_id, data=data)

    def ejected(self, ejection: Ejection) -> None:
        if ejection.reason == CONFLICT:
            data = {"branch": ejection.branch, "files": ejection.files}
            self.emit(EventType.MERGE_CONFLICT, task_id=ejection.task_id, data=data)
        data = {
            "branch": ejection.branch,
            "reason": ejection.reason,
            "files": ejection.files,
            "detail": ejection.detail,
        }
        self.emit(EventType.MERGE_EJECTED, task_id=ejection.task_id, data=data)
        self.status(ejection.task_id, "ejected", reason=ejection.reason, files=ejection.files)

    def repaired(self, repair: Repair) -> None:
        data = {
            "branch": repair.branch,
            "cause": repair.cause,
            "resolved": repair.resolved,
            "files": repair.files,
            "detail": repair.detail,
            "commit": repair.commit,
        }
        success = repair.resolved
        self.emit(EventType.MERGE_REPAIR, task_id=repair.task_id, success=success, data=data)

    def completed(self, result: TrainResult, stopped: bool, error: str | None) -> None:
        data = {
            "target": result.target,
            "final_commit": result.final_commit,
            "merged": len(result.merged),
            "ejected": len(result.ejected),
            "verify_runs": result.verify_runs,
            "stopped": stopped,
            "train_id": result.train_id,
        }
        success = result.ok and not stopped and error is None
        self.emit(
            EventType.MERGE_COMPLETED,
            success=success,
            duration_ms=result.duration_ms,
            error=error,
            data=data,
        )
