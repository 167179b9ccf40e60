"""`br gaps analyze`: stubs, untested modules, unbuilt spec features, hard-coded credentials,
missing docstrings and error-handling holes, each with a severity, file and line."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from brgit.cli._common import FormatOption, check_format, group, load_config

if TYPE_CHECKING:
    from collections.abc import Callable

    from brgit.context import Context
    from brgit.quality.model import GapReport
    from brgit.ui.output import View

app = group("gaps", "Gap analysis.")
MAX_TOKENS = 600


@app.command("analyze")
def analyze(
    path: Annotated[
        Path | None,
        typer.Argument(help="Folder to analyze (default: the current checkout).",
                       show_default=False),
    ] = None,
    severity: Annotated[
        str | None,
        typer.Option("--severity", help="Only gaps of this severity or worse: high, medium, low."),
    ] = None,
    spec: Annotated[
        Path | None,
        typer.Option("--spec", help="Spec (# Feature: sections), task list or plan to check "
                     "(default: PROJECT_SPEC.md if present)."),
    ] = None,
    ai: Annotated[bool, typer.Option("--ai", help="Ask the cheapest model to compare each "
                                     "spec feature with its code (needs a key).")] = False,
    fmt: FormatOption = "table",
) -> None:
    """Analyze the project for gaps: stubs, untested modules, unbuilt spec features, secrets, missing docstrings, swallowed errors."""  # noqa: E501
    from brgit.app.quality import SecurityScanner, facts_cache
    from brgit.cli.quality import target_dir
    from brgit.errors import NotFoundError
    from brgit.quality.gaps import analyze as run_analyze
    from brgit.quality.model import SEVERITIES
    from brgit.ui.output import emit, note

    check_format(fmt)
    if severity is not None and severity not in SEVERITIES:
        raise typer.BadParameter(f"expected one of {', '.join(SEVERITIES)}",
                                 param_hint="--severity")
    if spec is not None and not spec.is_file():
        raise NotFoundError(f"spec not found: {spec}")
    target = target_dir(path)
    from brgit.context import Context

    cfg = load_config(target, repo=False)
    ask = model_asker(Context(cfg)) if ai else None
    report = run_analyze(target, cfg.quality, SecurityScanner(cfg, target), facts_cache(cfg),
                         spec=spec, ask=ask)
    for line in report.notes:
        note(line)
    shown = report.at_least(severity) if severity else report
    emit(shown.to_dict(), _view(shown), fmt)


def model_asker(ctx: Context) -> Callable[[str], str]:
    """One prompt to the cheapest model through the routing fallback; every call goes to the
    command's cost ledger as `gaps analyze`."""
    import time

    from brgit.llm.client import text_of, usage_from_message
    from brgit.routing.fallback import FallbackHandler

    cfg, catalog = ctx.config, ctx.catalog
    client = ctx.keys.client(timeout=cfg.routing.request_timeout_seconds)
    handler = FallbackHandler(catalog, cfg, root=cfg.root, events=ctx.events)
    tracker = ctx.costs
    cheapest = catalog.by_tier()[0].id

    def ask(prompt: str) -> str:
        started = time.monotonic()
        result = handler.run(lambda model_id: client.messages.create(
            model=model_id, max_tokens=MAX_TOKENS,
            messages=[{"role": "user", "content": prompt}]), cheapest)
        tracker.track_usage(usage_from_message(result.value), command_name="gaps analyze",
                            action="compare-spec", invocation_kind="sdk",
                            duration_ms=int((time.monotonic() - started) * 1000))
        return text_of(result.value)

    return ask


def _view(report: GapReport) -> View:
    from brgit.quality.model import SEVERITIES
    from brgit.ui.output import View

    lines: list[str] = []
    for level in SEVERITIES:
        found = [g for g in report.gaps if g.severity == level]
        if not found:
            continue
        if lines:
            lines.append("")
        lines.append(f"{level.upper()} SEVERITY ({len(found)}):")
        for gap in found:
            where = f"{gap.file}:{gap.line}" if gap.file and gap.line else gap.file or ""
            lines.append(f"  - [{gap.category}] {gap.message}" + (f" ({where})" if where else ""))
    counts = report.counts()
    fields = [("Gaps", ", ".join(f"{counts[s]} {s}" for s in SEVERITIES))]
    if report.spec:
        fields.append(("Spec", report.spec))
    if not report.gaps:
        lines.append("no gaps found")
    return View("Gap Analysis Results", fields, [], lines)


def register(root: typer.Typer) -> None:
    root.add_typer(app)
