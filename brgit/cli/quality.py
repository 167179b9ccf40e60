"""`br quality check`: the quality gate. What the quality package is handed (brgit's scanners,
the facts cache) is put together in `brgit.app.quality`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from brgit.cli._common import FormatOption, check_format, group, load_config

if TYPE_CHECKING:
    from brgit.quality.model import Detail, QualityReport
    from brgit.ui.output import View

app = group("quality", "Quality gate checks.")

PathArg = Annotated[
    Path | None,
    typer.Argument(help="Folder to check (default: the current checkout).", show_default=False),
]
SHOWN_DETAILS = 8


@app.command("check")
def check(
    path: PathArg = None,
    strict: Annotated[bool, typer.Option("--strict", help="Fail on warnings too.")] = False,
    fmt: FormatOption = "table",
) -> int:
    """Score security, testing, documentation and structure against [quality] thresholds; exit 4 when the gate fails."""  # noqa: E501
    from brgit.app.quality import SecurityScanner, facts_cache
    from brgit.errors import EXIT_OK, EXIT_QUALITY
    from brgit.quality.check import check as run_check
    from brgit.ui.output import emit

    check_format(fmt)
    target = target_dir(path)
    cfg = load_config(target, repo=False)
    report = run_check(target, cfg.quality, SecurityScanner(cfg, target), facts_cache(cfg),
                       strict=strict)
    emit(report.to_dict(), _view(report), fmt)
    return EXIT_OK if report.passed else EXIT_QUALITY


def target_dir(path: Path | None) -> Path:
    """The folder to measure: `path`, or the top of the checkout around the current folder."""
    from brgit import paths
    from brgit.errors import NotFoundError

    if path is None:
        where = paths.locate()
        return where.worktree or Path.cwd().resolve()
    if not path.is_dir():
        raise NotFoundError(f"directory not found: {path}")
    return path.resolve()


def _view(report: QualityReport) -> View:
    from brgit.ui.output import Table, View

    verdict = "passed" if report.passed else "FAILED"
    rows = [[c.name.capitalize(), c.score, f"{c.threshold:g}", "pass" if c.passed else "FAIL"]
            for c in report.categories]
    lines: list[str] = []
    for category in report.categories:
        lines += _detail_lines(category.name, category.details, category.passed)
    lines += [f"note: {n}" for n in report.notes]
    fields: list[tuple[str, object]] = [("Overall Score", f"{report.overall_score}/100 {verdict}")]
    if report.strict:
        fields.append(("Mode", "strict (warnings fail)"))
    table = Table(["Category", "Score", "Threshold", "Status"], rows)
    return View("Quality Gate Results", fields, [table], lines)


def _detail_lines(name: str, details: list[Detail], passed: bool) -> list[str]:
    if not details:
        return []
    ordered = sorted(details, key=lambda d: d.level != "error")
    shown = ordered[: SHOWN_DETAILS if not passed else 3]
    lines = [f"{name}:"]
    for d in shown:
        where = f"{d.file}:{d.line}: " if d.file and d.line else f"{d.file}: " if d.file else ""
        lines.append(f"  {d.level}: {where}{d.message}")
    if len(details) > len(shown):
        lines.append(f"  ... {len(details) - len(shown)} more (--format json lists them)")
    return lines


def register(root: typer.Typer) -> None:
    root.add_typer(app)
