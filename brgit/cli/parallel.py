"""`br parallel`: Parallel build sessions: each task in its own worktree."""

from __future__ import annotations

import typer

from brgit.cli._common import add_stubs, group

app = group("parallel", "Parallel build sessions: each task in its own worktree.")
add_stubs(
    app,
    "parallel",
    {
        "start": "Start a session",
        "status": "Show a session",
        "list": "List sessions",
        "workers": "Show workers",
        "pause": "Pause a session",
        "resume": "Resume a session",
        "stop": "Stop a session",
        "cleanup": "Remove old sessions",
        "dashboard": "Live view",
    },
)


def register(root: typer.Typer) -> None:
    root.add_typer(app)
