"""`br worktree`: Work with worker worktrees by hand."""

from __future__ import annotations

import typer

from brgit.cli._common import add_stubs, group

app = group("worktree", "Work with worker worktrees by hand.")
add_stubs(
    app,
    "worktree",
    {
        "spawn": "Create a worktree on its own branch",
        "list": "List worktrees",
        "remove": "Remove a worktree",
        "prune": "Remove stale worktrees",
    },
)


def register(root: typer.Typer) -> None:
    root.add_typer(app)
