"""Results are values; this module renders them as a readable table, JSON or CSV.

A command builds plain data (dicts, lists, dataclasses) for `--format json` and a `View` for
people. `emit` prints one or the other. On a terminal, rich draws the tables (and honours
NO_COLOR); anywhere else (a pipe, a file, CI logs) the view is plain aligned text with no box
drawing, which grep and awk read easily, and rich is not imported at all.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import enum
import io
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMATS_DEFAULT = ("table", "json")


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Any]]
    title: str | None = None


@dataclass
class View:
    """What a person sees: a title, key-value fields, tables and closing lines."""

    title: str | None = None
    fields: list[tuple[str, Any]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def plain(value: Any) -> Any:
    """Turn dataclasses, enums, paths and datetimes into JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return value


def to_json(data: Any) -> str:
    return json.dumps(plain(data), indent=2, sort_keys=False, ensure_ascii=False)


def to_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    rows = [plain(r) for r in rows]
    names = list(columns or (rows[0].keys() if rows else []))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".") if value else "0"
    return str(value)


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
        console.print(f"{key + ':':<{width + 1}} {_cell(value)}", markup=False)
    for table in view.tables:
        rich_table = RichTable(title=table.title, title_justify="left", show_lines=False)
        for column in table.columns:
            rich_table.add_column(column, overflow="fold")
        for row in table.rows:
            rich_table.add_row(*(_cell(c) for c in row))
        console.print(rich_table)
    for line in view.lines:
        console.print(line, markup=False)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def plain_text(view: View) -> str:
    """The view as plain text: `key: value` lines, then each table as aligned columns."""
    lines: list[str] = []
    if view.title:
        lines.append(view.title)
    width = max((len(k) for k, _ in view.fields), default=0)
    lines += [f"{key + ':':<{width + 1}} {_one_line(value)}" for key, value in view.fields]
    for table in view.tables:
        if lines:
            lines.append("")
        if table.title:
            lines.append(table.title)
        rows = [table.columns, *([_one_line(c) for c in row] for row in table.rows)]
        widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(len(table.columns))]
        for row in rows:
            cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])] + row[-1:]
            lines.append("  ".join(cells).rstrip())
    if view.lines and lines:
        lines.append("")
    lines += view.lines
    return "\n".join(lines) + "\n" if lines else ""


def _one_line(value: Any) -> str:
    return " ".join(_cell(value).split("\n"))


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
