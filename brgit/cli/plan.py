"""`br plan SPEC`: turn a spec or a markdown task list into a plan file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brgit.cli._common import FormatOption, check_format

SHOWN = 500  # table rows; the file (and --format json) has every task


def register(app: typer.Typer) -> None:
    app.command("plan")(plan_command)


def plan_command(
    spec: Annotated[Path, typer.Argument(help="PROJECT_SPEC.md or a `## Task NN` list.")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Plan file (default: SPEC.plan.toml).")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="Plan name.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing plan.")] = False,
    fmt: FormatOption = "table",
) -> None:
    """Write a plan (TOML, meant to be edited) from `# Feature:` sections or a task list."""
    from brgit.core.plan import save_plan
    from brgit.core.spec import read_spec
    from brgit.errors import PlanError
    from brgit.ui.output import Table, View, emit, note

    check_format(fmt)
    read = read_spec(spec, name)
    plan = read.plan
    for warning in read.warnings:
        note(f"warning: {warning}")
    target = output or spec.with_suffix(".plan.toml")
    if target.exists() and not force:
        raise PlanError(f"{target} exists; use --force to overwrite or -o for another file")
    save_plan(plan, target)
    shown = plan.tasks[:SHOWN]
    rows = [[t.id, t.role, ", ".join(t.depends_on) or "-", t.title] for t in shown]
    hidden = len(plan.tasks) - len(shown)
    more = [f"... and {hidden} more in {target}"] if hidden else []
    view = View(
        title=f"plan {plan.name}: {len(plan.tasks)} tasks -> {target}",
        tables=[Table(["Task", "Role", "Depends on", "Title"], rows)],
        lines=[
            *more,
            "add a `run` command per task for the shell agent, or use --agent claude/command",
        ],
    )
    emit({"plan_file": str(target), **plan.to_dict(), "warnings": read.warnings}, view, fmt)
