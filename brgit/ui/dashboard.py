"""The live dashboard (rich Live): draws the `View` a frame callable returns, keys q r p s.

q quits, r refreshes now; any other key is handed to `on_key`, whose answer is shown in the
footer. Keys are read only when stdin is a terminal; otherwise the view refreshes until
`ended()` (or `until()`) is true. What a frame holds is the caller's: see
`brgit.parallel.live.SessionWatch`.
"""

from __future__ import annotations

import select
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from brgit.view import View

Frame = Callable[[str], View]


def render(view: View) -> Any:
    """One frame as a rich renderable: title, fields, tables, then the closing lines dimmed."""
    from rich.console import Group
    from rich.table import Table as RichTable
    from rich.text import Text

    parts: list[Any] = [Text(view.title or "", style="bold")]
    parts += [Text(f"{k}: {v}") for k, v in view.fields]
    for table in view.tables:
        rich_table = RichTable(title=table.title, title_justify="left")
        for column in table.columns:
            rich_table.add_column(column, overflow="fold")
        for row in table.rows:
            rich_table.add_row(*("-" if c is None else str(c) for c in row))
        parts.append(rich_table)
    parts += [Text(line, style="dim") for line in view.lines]
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


def run_dashboard(
    frame: Frame,
    *,
    on_key: Callable[[str], str],
    ended: Callable[[], bool],
    refresh: float = 2.0,
    until: Callable[[], bool] | None = None,
) -> None:
    """Show `frame(message)` live until `q`, until `until()` is true, or (without `until`)
    until `ended()`."""
    from rich.live import Live

    message = ""
    with _keys() as read_key, Live(render(frame(message)), auto_refresh=False) as live:
        while True:
            key = read_key(refresh)
            if key == "q":
                return
            if key and key != "r":
                message = on_key(key) or message
            live.update(render(frame(message)), refresh=True)
            if (until and until()) or (until is None and ended()):
                return
