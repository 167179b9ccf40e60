"""`br db`: Telemetry storage: schema versions and migration."""

from __future__ import annotations

import typer

from brgit.cli._common import add_stubs, group

app = group("db", "Telemetry storage: schema versions and migration.")
add_stubs(
    app,
    "db",
    {
        "status": "Schema versions on disk",
        "migrate": "Rewrite old segments to the current schema",
    },
)


def register(root: typer.Typer) -> None:
    root.add_typer(app)
