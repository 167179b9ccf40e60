"""`br quality`: Quality gate checks."""

from __future__ import annotations

import typer

from brgit.cli._common import add_stubs, group

app = group("quality", "Quality gate checks.")
add_stubs(
    app,
    "quality",
    {
        "check": "Run quality gate checks",
    },
)


def register(root: typer.Typer) -> None:
    root.add_typer(app)
