"""`br plan`: Turn a spec or task list into a plan file."""

from __future__ import annotations

import typer

from brgit.cli._common import not_built


def register(app: typer.Typer) -> None:
    loose = {"allow_extra_args": True, "ignore_unknown_options": True}

    @app.command(
        "plan",
        help="Turn a spec or task list into a plan file. (not built yet)",
        context_settings=loose,
    )
    def _command(ctx: typer.Context) -> None:
        not_built("plan")
