"""`br routing`: Complexity estimates, model choice, prices and costs."""

from __future__ import annotations

import typer

from brgit.cli import costs
from brgit.cli._common import add_stubs, group

app = group("routing", "Complexity estimates, model choice, prices and costs.")
add_stubs(
    app,
    "routing",
    {
        "estimate": "Estimate task complexity",
        "select": "Select a model",
        "models": "List models and prices",
    },
)

costs.register(app)


def register(root: typer.Typer) -> None:
    root.add_typer(app)
