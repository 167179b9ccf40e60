"""Results are values; this module renders them as a readable table, JSON or CSV.

A command builds plain data (dicts, lists, dataclasses) for `--format json` and a `View` for
people. `emit` prints one or the other. On a terminal, rich draws the tables (and honours
NO_COLOR); anywhere else (a pipe, a file, CI logs) the view is plain aligned text with no box
drawing, which grep and awk read easily, and rich is not imported at all.
"""

from __future__ import annotations

import sys
from typing import Any

from brgit.view import Table, View, cell, plain, plain_text, to_csv, to_json

__all__ = ["FORMATS_DEFAULT", "Table", "View", "emit", "error", "note", "plain", "plain_text",
           "render_view", "to_csv", "to_json"]

FORMATS_DEFAULT = ("table", "json")


def render_view(view: View, out: Any = None) -> None:
    stream = out or sys.stdout
    if not _is_terminal(stream):
        stream.write(plain_text(view))
        stream.flush()
        return
    from rich.console import Console
    from rich.table import Table as RichTable

    console = Console(file=stream, highlight=False, soft_wrap=True)
    if view.title:
        console.print(view.title, style="bold", markup=False)
    width = max((len(k) for k, _ in view.fields), default=0)
    for key, value in view.fields:
        console.print(f"{key + ':':<{width + 1}} {cell(value)}", markup=False)
    for table in view.tables:
        rich_table = RichTable(title=table.title, title_justify="left", show_lines=False)
        for column in table.columns:
            rich_table.add_column(column, overflow="fold")
        for row in table.rows:
            rich_table.add_row(*(cell(c) for c in row))
        console.print(rich_table)
    for line in view.lines:
        console.print(line, markup=False)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def emit(data: Any, view: View | None = None, fmt: str = "table") -> None:
    """Print `data` as JSON (`fmt == "json"`), else its `view` (or JSON if it has none)."""
    from brgit.errors import OutputClosedError

    try:
        if fmt == "json" or view is None:
            sys.stdout.write(to_json(data) + "\n")
            sys.stdout.flush()
            return
        render_view(view)
    except BrokenPipeError:
        raise OutputClosedError("output closed") from None


def error(message: str) -> None:
    """One line on stderr; never a traceback."""
    sys.stderr.write(f"br: error: {message}\n")


def note(message: str) -> None:
    sys.stderr.write(f"br: {message}\n")
