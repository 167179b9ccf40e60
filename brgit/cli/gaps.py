"""`br gaps`: Gap analysis."""

from __future__ import annotations

import typer

from brgit.cli._common import add_stubs, group

app = group("gaps", "Gap analysis.")
add_stubs(
    app,
    "gaps",
    {
        "analyze": "Analyze the project for gaps",
    },
)


def register(root: typer.Typer) -> None:
    root.add_typer(app)
