"""`br run`: plan, run the workers and the merge train, and summarise."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brgit.cli._common import FormatOption, check_format, load_context

HELP = (
    "The whole job: plan (if given a spec), choose models, run every task in its own worktree, "
    "merge the results in dependency order with verification, and print a summary."
)


def register(app: typer.Typer) -> None:
    @app.command("run", help=HELP, short_help="Plan, run the workers, merge, summarise.")
    def run(
        source: Annotated[
            Path | None, typer.Argument(help="A plan (.toml) or a markdown spec.")
        ] = None,
        auto: Annotated[
            bool,
            typer.Option(
                "--auto",
                help="Find the plan or spec: PROJECT_SPEC.plan.toml, "
                ".buildrunner/plan.toml, plan.toml, PROJECT_SPEC.md.",
            ),
        ] = False,
        workers: Annotated[
            int | None, typer.Option("--workers", "-w", min=1, help="Workers at once.")
        ] = None,
        agent: Annotated[
            str | None, typer.Option(help="Agent or agent-CLI preset (`br doctor` lists them).")
        ] = None,
        session: Annotated[str | None, typer.Option(help="Session name.")] = None,
        verify: Annotated[
            str | None, typer.Option(help="Verify command for the train (default: merge.verify).")
        ] = None,
        fmt: FormatOption = "table",
    ) -> int:
        check_format(fmt)
        if source is None and not auto:
            raise typer.BadParameter("give a plan or spec file, or --auto", param_hint="SOURCE")
        return run_and_report(source, workers, agent, session, verify, fmt)


def run_and_report(
    source: Path | None,
    workers: int | None,
    agent: str | None,
    session: str | None,
    verify: str | None,
    fmt: str,
) -> int:
    """Run the job in the current repository and print its summary; the exit code is the
    job's (`JobResult.exit_code`: 0 only if every task completed and something merged with
    nothing ejected, 5 if a model provider refused a task, else 1)."""
    from brgit.app import job
    from brgit.merge import report
    from brgit.ui.output import note

    ctx = load_context()
    cfg = ctx.config
    result = job.run_job(
        source.resolve() if source else job.default_source(cfg.root),
        root=cfg.root,
        cfg=cfg,
        ctx=ctx,
        workers=workers,
        agent=agent,
        session=session,
        verify=verify,
        progress=None if fmt == "json" else job.Lines(note),
    )
    data = job.summary(result)
    view = report.job_view(data)
    if result.exit_code:
        view.lines.append(f"Exit {result.exit_code}: {'; '.join(result.why()) or 'see above'}.")
    return job.emit_summary(data, view, fmt, result.exit_code)
