"""`br run`: Plan, run the workers and the merge train, and summarise."""

from __future__ import annotations

import typer

from brgit.cli._common import not_built


def register(app: typer.Typer) -> None:
    loose = {"allow_extra_args": True, "ignore_unknown_options": True}

    @app.command(
        "run",
        help="Plan, run the workers and the merge train, and summarise. (not built yet)",
        context_settings=loose,
    )
    def _command(ctx: typer.Context) -> None:
        not_built("run")
