"""A task's status changes, each one `task_status_changed` event with the whole context.

The event's top level says who and where (session id, task, worker, agent, model, attempt);
its `data` says what changed (`from_status`, `to_status`), under which command and run
(`session`, `command_name`, `session_id`, `task_run_id`, `attempt`, `agent_id`), and the lane
the task now enters (`lane`) with what that lane's readers want to know (`metadata`). The merge
train adds the statuses after `completed` (`verified`, `verify_failed`, `merged`, `ejected`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from brgit.telemetry.events import EventType
from brgit.telemetry.velocity import lane_of

if TYPE_CHECKING:
    from brgit.core.session import TaskRecord
    from brgit.parallel.orchestrator import Orchestrator


class StatusEvents:
    def __init__(self, orch: Orchestrator) -> None:
        self.orch = orch

    def change(self, task_id: str, status: str) -> bool:
        """Set the task's status; an event when it changed (call under the orchestrator's
        lock)."""
        orch = self.orch
        rec = orch.record.task(task_id)
        if rec.status == status:
            return False
        old, rec.status = rec.status, status
        record = orch.record
        data = {
            "session": record.name,
            "session_id": record.session_id,
            "from_status": old,
            "to_status": status,
            "command_name": orch.command,
            "task_run_id": f"{record.session_id}/{task_id}/{rec.attempts}",
            "attempt": rec.attempts,
            "agent_id": rec.worker_id,
            "lane": lane_of(status),
            "metadata": metadata(rec, status),
        }
        orch.event(EventType.TASK_STATUS_CHANGED, record.plan.task(task_id), data=data)
        return True


def metadata(rec: TaskRecord, status: str) -> dict[str, Any]:
    """What the lane the task enters (or the end it reached) is about."""
    if status == "running":
        return {"model": rec.model, "agent": rec.agent, "worker": rec.worker_id}
    if status in ("completed", "failed", "stopped"):
        return {
            "commit": rec.commit,
            "outcome": rec.outcome,
            "duration_ms": rec.duration_ms,
            "cost_usd": rec.cost_usd,
            "runs": rec.attempts,
            "error": rec.error,
        }
    if status == "blocked":
        return {"reason": rec.error}
    return {}
