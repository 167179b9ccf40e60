"""`br parallel dashboard`: a live view of a session (rich Live), keys q r p s.

q quits, r refreshes now, p pauses or unpauses the session, s stops it. Keys are read only
when stdin is a terminal; otherwise the view refreshes until the session ends.
"""

from __future__ import annotations

import select
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from brgit.errors import BuildRunnerError

if TYPE_CHECKING:
    from brgit.parallel.manager import SessionManager


def render(manager: SessionManager, name: str, message: str = "") -> Any:
    """One frame: the session view, its workers, recent events, and the key help."""
    from rich.console import Group
    from rich.table import Table as RichTable
    from rich.text import Text

    from brgit.parallel.coordinator import workers_of
    from brgit.parallel.views import events_table, recent_events, session_view, workers_view

    record = manager.get(name)
    view = session_view(record)
    workers = workers_of(record, manager.root, manager.cfg.parallel.heartbeat_timeout)
    events = recent_events(manager.root / ".buildrunner", record.session_id)
    parts: list[Any] = [Text(view.title or "", style="bold")]
    parts += [Text(f"{k}: {v}") for k, v in view.fields]
    for table in [*view.tables, *workers_view(name, workers).tables, events_table(events)]:
        rich_table = RichTable(title=table.title, title_justify="left")
        for column in table.columns:
            rich_table.add_column(column, overflow="fold")
        for row in table.rows:
            rich_table.add_row(*("-" if c is None else str(c) for c in row))
        parts.append(rich_table)
    parts.append(Text(f"q quit  r refresh  p pause/resume  s stop   {message}", style="dim"))
    return Group(*parts)


@contextmanager
def _keys() -> Iterator[Callable[[float], str | None]]:
    """A key reader `(timeout) -> key | None`; a plain sleep when stdin is not a terminal."""
    if not sys.stdin.isatty():
        yield lambda timeout: time.sleep(timeout)  # type: ignore[func-returns-value]
        return
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd)

    def read(timeout: float) -> str | None:
        ready, _, _ = select.select([sys.stdin], [], [], timeout)
        return sys.stdin.read(1) if ready else None

    try:
        yield read
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


def act(manager: SessionManager, name: str, key: str) -> str:
    """What a key does; returns a message for the footer."""
    try:
        if key == "p":
            status = manager.get_session_status(name).status
            done = (
                manager.unpause_session(name) if status == "paused" else manager.pause_session(name)
            )
            return f"session {done.status}"
        if key == "s":  # the request is written; the scheduler acts on it at its next step
            status = manager.stop_session(name, wait=0).status
            return "session stopping" if status in ("running", "paused") else f"session {status}"
    except BuildRunnerError as exc:
        return str(exc)
    return ""


def run_dashboard(
    manager: SessionManager,
    name: str,
    *,
    refresh: float = 2.0,
    until: Callable[[], bool] | None = None,
) -> None:
    """Show the live view until `q`, until `until()` is true, or until the session ends."""
    from rich.live import Live

    from brgit.parallel.manager import LIVE

    message = ""
    with _keys() as read_key, Live(render(manager, name), auto_refresh=False) as live:
        while True:
            key = read_key(refresh)
            if key == "q":
                return
            if key in ("p", "s"):
                message = act(manager, name, key)
            live.update(render(manager, name, message), refresh=True)
            ended = manager.get_session_status(name).status not in LIVE
            if (until and until()) or (until is None and ended):
                return
