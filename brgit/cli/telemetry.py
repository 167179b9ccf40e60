"""`br telemetry`: events, metrics, alerts, performance, exports and token usage."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from brgit.cli._common import FormatOption, check_format, group, load_config, load_context

if TYPE_CHECKING:
    from brgit.telemetry.imports import ImportResult
    from brgit.view import View

app = group("telemetry", "Events, metrics, alerts and exports.")


def _hours(value: float | None) -> float | None:
    """NaN passes a range check (every comparison with it is false): refuse it here. A window
    longer than the history (`inf`, 1e20) means all of it."""
    if value is not None and math.isnan(value):
        raise typer.BadParameter("expected a number of hours, not NaN")
    return value


Hours = Annotated[float, typer.Option("--hours", min=0.001, callback=_hours, help="Last N hours.")]
EXPORT_TYPES = ("metrics", "events", "costs", "otlp")


def _warn_skipped(corrupt: int, damaged: list[str], repaired: int = 0) -> None:
    from brgit.ui.output import note

    if corrupt:
        note(f"warning: skipped {corrupt} corrupt line(s) in the telemetry store")
    if repaired:
        note(f"warning: read {repaired} record(s) without values of the wrong type")
    for segment in damaged:
        note(f"warning: damaged segment {segment}")


@app.command("summary")
def summary(hours: Hours = 24, fmt: FormatOption = "table") -> None:
    """Success rate, latency, cost, errors and event count over a window."""
    from brgit.telemetry.metrics import MetricsAnalyzer
    from brgit.telemetry.views import summary_view
    from brgit.ui.output import emit

    check_format(fmt)
    ctx = load_context()
    metrics = MetricsAnalyzer(ctx.root, telemetry=ctx.telemetry).analyze(hours)
    _warn_skipped(metrics.corrupt_lines, metrics.bad_segments, metrics.repaired_records)
    emit(metrics, summary_view(metrics), fmt)


@app.command("events")
def events(
    event_type: Annotated[str | None, typer.Option("--type", help="Only this event type.")] = None,
    hours: Annotated[
        float | None,
        typer.Option(
            "--hours",
            min=0.001,
            callback=_hours,
            help="Last N hours (default 24; all with --last).",
        ),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Most events to show.")] = 50,
    last: Annotated[
        int | None, typer.Option("--last", min=1, help="The N most recent events.")
    ] = None,
    fmt: FormatOption = "table",
) -> None:
    """Recent events, oldest first (JSON: a list of events)."""
    from brgit.telemetry.views import events_view
    from brgit.ui.output import emit

    check_format(fmt)
    window = hours if hours is not None or last is not None else 24
    collector = load_context().events
    found = collector.get_events(event_type, hours=window, limit=last or limit)
    read = collector.last_read
    _warn_skipped(read.corrupt_lines, read.bad_segments, read.repaired)
    title = "Recent Events" + ("" if window is None else f" (Last {window:g} Hours)")
    emit(found, events_view(found, title), fmt)


@app.command("alerts")
def alerts(
    level: Annotated[
        str | None, typer.Option("--level", help="Only info, warning or critical.")
    ] = None,
    fmt: FormatOption = "table",
) -> None:
    """Threshold alerts (config telemetry.thresholds) over the last 24 hours and today's cost."""
    from brgit.telemetry.alerts import LEVELS, check, filter_level
    from brgit.telemetry.metrics import MetricsAnalyzer
    from brgit.telemetry.views import alerts_view
    from brgit.ui.output import emit

    check_format(fmt)
    if level is not None and level not in LEVELS:
        raise typer.BadParameter(f"expected one of {', '.join(LEVELS)}", param_hint="--level")
    ctx = load_context()
    metrics = MetricsAnalyzer(ctx.root, telemetry=ctx.telemetry).analyze(24)
    today = ctx.costs.get_summary("day")
    found = filter_level(check(metrics, today, ctx.config.telemetry.thresholds), level)
    emit(found, alerts_view(found), fmt)


@app.command("performance")
def performance(
    hours: Hours = 24,
    role: Annotated[str | None, typer.Option("--role", help="Only this role's rows.")] = None,
    fmt: FormatOption = "table",
) -> None:
    """Latency percentiles, throughput, per-model and per-role outcomes, routing decisions."""
    from brgit.telemetry.performance import performance_report
    from brgit.telemetry.reader import ReadStats
    from brgit.telemetry.views import performance_view
    from brgit.ui.output import emit

    check_format(fmt)
    cfg = load_config()
    read = ReadStats()
    report = performance_report(cfg.root, hours, config=cfg, role=role, stats=read)
    _warn_skipped(read.corrupt_lines, read.bad_segments, read.repaired)
    emit(report, performance_view(report), fmt)


@app.command("export")
def export(
    output_file: Annotated[
        Path | None,
        typer.Argument(
            help="File to write (default: a stamped file in telemetry.export_dir).",
            show_default=False,
        ),
    ] = None,
    kind: Annotated[
        str, typer.Option("--type", help="metrics (hourly), events, costs (CSV) or otlp.")
    ] = "metrics",
    hours: Hours = 24,
) -> None:
    """Export hourly metrics, events or costs as CSV, or model calls as OTLP JSON lines."""
    from brgit.telemetry.export import default_export_path, export_to
    from brgit.ui.output import note

    if kind not in EXPORT_TYPES:
        raise typer.BadParameter(f"expected one of {', '.join(EXPORT_TYPES)}", param_hint="--type")
    from brgit.telemetry.reader import ReadStats

    cfg = load_config()
    output_file = output_file or default_export_path(cfg, kind)
    read = ReadStats()
    count = export_to(output_file, kind, hours, config=cfg, stats=read)
    _warn_skipped(read.corrupt_lines, read.bad_segments, read.repaired)
    note(f"wrote {count} {'spans' if kind == 'otlp' else 'rows'} to {output_file}")


@app.command("tokens")
def tokens(
    hours: Annotated[
        float | None,
        typer.Option("--hours", min=0.001, callback=_hours, help="Last N hours (default: all)."),
    ] = None,
    fmt: FormatOption = "table",
) -> None:
    """Tokens (cached included) and durations per day, command and model."""
    from brgit.telemetry.ledger import token_report
    from brgit.telemetry.views import tokens_view
    from brgit.ui.output import emit

    check_format(fmt)
    tracker = load_context().costs
    rows = token_report(tracker.records("all", hours))
    read = tracker.last_read
    _warn_skipped(read.corrupt_lines, read.bad_segments, read.repaired)
    emit(rows, tokens_view(rows), fmt)


@app.command("velocity")
def velocity(
    days: Annotated[float, typer.Option("--days", min=0.001, help="Last N days.")] = 30,
    by_model: Annotated[bool, typer.Option("--by-model", help="Also per model.")] = False,
    fmt: FormatOption = "table",
) -> None:
    """How long tasks wait, work and merge: per lane, by agent and by model.

    Read from task status events; a task's duration stands for its work lane where there are
    none."""
    from brgit.telemetry.velocity import read_velocity
    from brgit.ui.output import emit

    check_format(fmt)
    collector = load_context().events
    found = read_velocity(collector, days, by_model=by_model)
    _warn_skipped(collector.last_read.corrupt_lines, collector.last_read.bad_segments)
    emit(found.to_dict(by_model=by_model), found.view(by_model=by_model), fmt)


IMPORT_SOURCES = ("claude-code", "codex")


@app.command("import")
def import_logs(
    source: Annotated[str, typer.Argument(help="claude-code or codex.")],
    directory: Annotated[
        Path | None,
        typer.Argument(
            help="Log folder (default: claude-code $CLAUDE_CONFIG_DIR/projects, else "
            "~/.claude/projects; codex $CODEX_HOME/sessions, else ~/.codex/sessions).",
            show_default=False,
        ),
    ] = None,
    fmt: FormatOption = "table",
) -> None:
    """Import Claude Code's or Codex's session logs into the cost ledger (re-runs add nothing)."""
    from brgit.gitops.worktrees import default_root
    from brgit.telemetry.codex_logs import default_codex_dir, import_codex
    from brgit.telemetry.imports import default_claude_dir, import_claude_code
    from brgit.ui.output import emit

    check_format(fmt)
    if source not in IMPORT_SOURCES:
        raise typer.BadParameter(
            f"expected one of {', '.join(IMPORT_SOURCES)}", param_hint="SOURCE"
        )
    ctx = load_context()
    cfg = ctx.config
    mine = default_root(cfg.root, cfg.parallel.worktree_root)
    if source == "codex":
        folder = (directory or default_codex_dir()).expanduser()
        result = import_codex(ctx.costs, folder, skip_under=mine)
    else:
        folder = (directory or default_claude_dir()).expanduser()
        result = import_claude_code(ctx.costs, folder, skip_under=mine)
    emit(result, _import_view(result), fmt)
    if result.not_stored:
        from brgit.errors import TelemetryError

        raise TelemetryError(
            f"{result.not_stored} record(s) could not be written to the cost ledger (see the "
            "warning above); run the import again once fixed: it adds only what is missing"
        )


def _import_view(result: ImportResult) -> View:
    from brgit.view import View

    lines = [
        f"{result.files} log file(s), {result.messages} model replies with usage: "
        f"{result.imported} imported, {result.already} already in the ledger, "
        f"{result.brgit_runs} from brgit's own runs (recorded when they ran)",
        "tokens imported: " + ", ".join(f"{k} {v}" for k, v in result.tokens.items()),
    ]
    for model, count in sorted(result.unpriced.items()):
        lines.append(
            f"warning: unknown model {model!r}: no price ({count} record(s) with tokens only; "
            f'price it under [models."{model}"] in the config)'
        )
    if result.totals_only_files:
        lines.append(
            f"warning: {result.totals_only_files} log file(s) hold only running token totals, "
            "no per-reply records (another Codex version): not imported"
        )
    if result.corrupt_lines:
        lines.append(f"warning: skipped {result.corrupt_lines} unreadable line(s)")
    return View(title=f"Imported from {result.directory}", lines=lines)


def register(root: typer.Typer) -> None:
    root.add_typer(app)
