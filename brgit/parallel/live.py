"""What the live dashboard of a session shows and what its keys do, as values.

`brgit.ui.dashboard` draws the `View` that `SessionWatch.frame` returns and hands key presses
to `SessionWatch.key`; it knows nothing of sessions.
"""

from __future__ import annotations

from brgit.errors import BuildRunnerError
from brgit.parallel.coordinator import workers_of
from brgit.parallel.eta import telemetry_history
from brgit.parallel.manager import LIVE, SessionManager
from brgit.parallel.views import (
    events_table,
    recent_events,
    session_eta,
    session_view,
    workers_view,
)
from brgit.telemetry.velocity import LaneVelocity
from brgit.view import View

KEYS_HELP = "q quit  r refresh  p pause/resume  s stop"


class SessionWatch:
    """One session seen live: a frame per refresh, the p and s keys, and whether it ended."""

    def __init__(self, manager: SessionManager, name: str) -> None:
        self.manager = manager
        self.name = name
        self._history: dict[str, LaneVelocity] | None = None

    def history(self) -> dict[str, LaneVelocity]:
        """Earlier sessions' lane times, read once per watch (only while this session has
        none of its own)."""
        if self._history is None:
            ctx = self.manager.ctx
            self._history = telemetry_history(ctx) if ctx is not None else {}
        return self._history

    def frame(self, message: str = "") -> View:
        """The session view (its ETA included), its workers, recent events, and the key
        help."""
        manager = self.manager
        record = manager.get(self.name)
        view = session_view(record, session_eta(record, self.history))
        workers = workers_of(record, manager.root, manager.cfg.parallel.heartbeat_timeout)
        events = recent_events(manager.root / ".buildrunner", record.session_id)
        tables = [*view.tables, *workers_view(self.name, workers).tables, events_table(events)]
        return View(view.title, view.fields, tables, [f"{KEYS_HELP}   {message}"])

    def key(self, key: str) -> str:
        """What a key does; returns a message for the footer."""
        manager, name = self.manager, self.name
        try:
            if key == "p":
                status = manager.get_session_status(name).status
                paused = status == "paused"
                done = manager.unpause_session(name) if paused else manager.pause_session(name)
                return f"session {done.status}"
            if key == "s":  # the request is written; the scheduler acts on it at its next step
                status = manager.stop_session(name, wait=0).status
                live = status in ("running", "paused")
                return "session stopping" if live else f"session {status}"
        except BuildRunnerError as exc:
            return str(exc)
        return ""

    def ended(self) -> bool:
        return self.manager.get_session_status(self.name).status not in LIVE
