"""`br security`: Secret and SQL-injection scanning, and the git hook."""

from __future__ import annotations

import typer

from brgit.cli._common import add_stubs, group

app = group("security", "Secret and SQL-injection scanning, and the git hook.")
add_stubs(
    app,
    "security",
    {
        "check": "Check files for secrets and SQL injection",
        "scan": "Scan files or directories",
        "precommit": "What the git hook runs",
    },
)

hooks = group("hooks", "The native git pre-commit hook.")
add_stubs(
    hooks,
    "security hooks",
    {"install": "Install the hook", "status": "Show the hook", "uninstall": "Remove the hook"},
)
app.add_typer(hooks)


def register(root: typer.Typer) -> None:
    root.add_typer(app)
