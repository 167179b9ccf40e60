"""`br merge`: Integrate worker branches in dependency order, verifying as it goes."""

from __future__ import annotations

import typer

from brgit.cli._common import not_built


def register(app: typer.Typer) -> None:
    loose = {"allow_extra_args": True, "ignore_unknown_options": True}

    @app.command(
        "merge",
        help="Integrate worker branches in dependency order, verifying as it goes. (not built yet)",
        context_settings=loose,
    )
    def _command(ctx: typer.Context) -> None:
        not_built("merge")
