"""`br routing costs`: the cost ledger summarised by period, model and day."""

from __future__ import annotations

import typer

from brgit.cli._common import not_built


def register(routing: typer.Typer) -> None:
    loose = {"allow_extra_args": True, "ignore_unknown_options": True}

    @routing.command("costs", help="Cost summary (not built yet)", context_settings=loose)
    def _costs(ctx: typer.Context) -> None:
        not_built("routing costs")
