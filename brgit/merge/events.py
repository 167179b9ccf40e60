"""The train's telemetry: one method per event type, through `EventCollector` (never raises)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from brgit.merge.model import CONFLICT, Ejection, Repair, TrainItem, TrainOptions, TrainResult
from brgit.redact import redact

if TYPE_CHECKING:
    from brgit.telemetry.collector import EventCollector


class TrainEvents:
    def __init__(self, root: Path, opts: TrainOptions) -> None:
        self.root = root
        self.opts = opts
        self._collector: EventCollector | None = None

    def emit(self, event_type: str, **fields: Any) -> None:
        if self._collector is None:  # imported on first use: the store is not light
            from brgit.telemetry.collector import EventCollector

            self._collector = EventCollector(self.root)
        self._collector.collect_event(
            {"event_type": event_type, "session_id": self.opts.session, **fields}
        )

    def started(self, train_id: str, start: str, items: list[TrainItem]) -> None:
        data = {
            "target": self.opts.target,
            "start_commit": start,
            "strategy": self.opts.strategy,
            "batch": self.opts.batch,
            "branches": [i.branch for i in items],
            "train_id": train_id,
        }
        self.emit("merge_started", data=data)

    def verified(
        self, ok: bool, duration_ms: int, exit_code: int | None, tasks: list[str], log: Path
    ) -> None:
        data = {
            "command": redact(self.opts.verify),
            "exit_code": exit_code,
            "tasks": tasks,
            "log": str(log),
        }
        kind = "verification_passed" if ok else "verification_failed"
        self.emit(kind, success=ok, duration_ms=duration_ms, data=data)

    def merged(self, item: TrainItem, commit: str) -> None:
        data = {"branch": item.branch, "commit": commit, "target": self.opts.target}
        self.emit("merge_merged", task_id=item.task_id, data=data)

    def ejected(self, ejection: Ejection) -> None:
        if ejection.reason == CONFLICT:
            data = {"branch": ejection.branch, "files": ejection.files}
            self.emit("merge_conflict", task_id=ejection.task_id, data=data)
        data = {
            "branch": ejection.branch,
            "reason": ejection.reason,
            "files": ejection.files,
            "detail": ejection.detail,
        }
        self.emit("merge_ejected", task_id=ejection.task_id, data=data)

    def repaired(self, repair: Repair) -> None:
        data = {
            "branch": repair.branch,
            "cause": repair.cause,
            "resolved": repair.resolved,
            "files": repair.files,
            "detail": repair.detail,
            "commit": repair.commit,
        }
        self.emit("merge_repair", task_id=repair.task_id, success=repair.resolved, data=data)

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
            "merge_completed",
            success=success,
            duration_ms=result.duration_ms,
            error=error,
            data=data,
        )
