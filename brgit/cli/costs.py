"""`br routing costs`: the cost ledger summarised by period, model and day."""

from __future__ import annotations

from typing import Annotated

import typer

from brgit.cli._common import FormatOption, check_format, load_context

PERIODS = ("day", "week", "month")


def register(routing: typer.Typer) -> None:
    @routing.command("costs")
    def _costs(
        period: Annotated[str, typer.Option("--period", help="day, week or month.")] = "day",
        fmt: FormatOption = "table",
    ) -> None:
        """Cost summary of the current UTC day, last 7 or last 30 days (table, json or csv)."""
        costs(period, fmt)


def costs(period: str, fmt: str) -> None:
    from brgit.telemetry.views import costs_view
    from brgit.ui.output import emit, note, to_csv

    check_format(fmt, ("table", "json", "csv"))
    if period not in PERIODS:
        raise typer.BadParameter(f"expected one of {', '.join(PERIODS)}", param_hint="--period")
    tracker = load_context().costs
    summary = tracker.get_summary(period)
    for model in summary.unknown_models:
        note(f"warning: model {model!r} is not in the price table; its calls count as $0")
    read = tracker.last_read
    if read.corrupt_lines:
        note(f"warning: skipped {read.corrupt_lines} corrupt line(s) in the ledger")
    if read.repaired:
        note(f"warning: read {read.repaired} ledger record(s) without values of the wrong type")
    for segment in read.bad_segments:
        note(f"warning: damaged segment {segment}")
    if fmt == "csv":
        rows = [{"day": d, "cost_usd": c} for d, c in summary.by_day.items()]
        typer.echo(to_csv(rows, ["day", "cost_usd"]), nl=False)
        return
    emit(summary, costs_view(summary), fmt)
