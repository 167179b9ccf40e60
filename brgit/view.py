"""Results as values: the `View` and `Table` a command builds for people, and their plain
renderings (text, JSON, CSV). Every layer may build these; only `brgit.ui` prints them.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import enum
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


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


def usd(value: float | None) -> str:
    """A cost as every view prints it: US dollars to four decimals (`$0.0000`, `$1,234.5678`),
    so the same amount never reads `0` in one place and `0.0` in another."""
    return "-" if value is None else f"${value:,.4f}"


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.4f}".rstrip("0").rstrip(".") if value else "0"
    return str(value)


def plain_text(view: View) -> str:
    """The view as plain text: `key: value` lines, then each table as aligned columns."""
    lines: list[str] = []
    if view.title:
        lines.append(view.title)
    width = max((len(k) for k, _ in view.fields), default=0)
    lines += [f"{key + ':':<{width + 1}} {one_line(value)}" for key, value in view.fields]
    for table in view.tables:
        if lines:
            lines.append("")
        if table.title:
            lines.append(table.title)
        rows = [table.columns, *([one_line(c) for c in row] for row in table.rows)]
        widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(len(table.columns))]
        for row in rows:
            cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])] + row[-1:]
            lines.append("  ".join(cells).rstrip())
    if view.lines and lines:
        lines.append("")
    lines += view.lines
    return "\n".join(lines) + "\n" if lines else ""


def one_line(value: Any) -> str:
    return " ".join(cell(value).split("\n"))
