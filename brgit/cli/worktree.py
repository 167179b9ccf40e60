"""`br worktree`: work with worker worktrees by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brgit.cli._common import FormatOption, check_format, group

app = group("worktree", "Work with worker worktrees by hand.")


def _root() -> Path:
    from brgit import paths

    return paths.locate().main_root


@app.command("spawn")
def spawn(
    name: Annotated[str, typer.Argument(help="Worktree name.")],
    base: Annotated[str | None, typer.Option("--base", help="Start commit or branch.")] = None,
    branch: Annotated[str | None, typer.Option("--branch", help="Branch to create.")] = None,
    fmt: FormatOption = "table",
) -> None:
    """Create a worktree on its own branch, set up like a worker's (copied files, env)."""
    from brgit.cli._common import load_config
    from brgit.parallel.manual import spawn as do_spawn
    from brgit.ui.output import View, emit

    check_format(fmt)
    made = do_spawn(_root(), load_config(), name, base=base, branch=branch)
    view = View(
        title=f"worktree {made.name}",
        fields=[("Path", made.path), ("Branch", made.branch), ("Base", made.base[:10])],
        lines=[f"copied: {c}" for c in made.copied] + [f"{k}={v}" for k, v in made.env.items()],
    )
    if made.warning:
        from brgit.ui.output import note

        note(f"warning: {made.warning}")
    emit(made.to_dict(), view, fmt)


@app.command("list")
def list_command(fmt: FormatOption = "table") -> None:
    """List worktrees (git's porcelain listing; brgit's own are marked)."""
    from brgit.cli._common import load_config
    from brgit.parallel.manual import listing
    from brgit.ui.output import Table, View, emit

    check_format(fmt)
    rows = listing(_root(), load_config())
    table = Table(
        ["Path", "Branch", "Head", "brgit", "Prunable"],
        [[r["path"], r["branch"], (r["head"] or "")[:10], r["brgit"], r["prunable"]] for r in rows],
    )
    emit(rows, View(title="Worktrees", tables=[table]), fmt)


@app.command("remove")
def remove(
    target: Annotated[str, typer.Argument(help="Name, branch or path.")],
    force: Annotated[bool, typer.Option("--force", help="Even with changes.")] = False,
    delete_branch: Annotated[bool, typer.Option("--delete-branch", help="Delete it too.")] = False,
    fmt: FormatOption = "table",
) -> None:
    """Remove a worktree brgit created (its branch stays unless --delete-branch)."""
    from brgit.cli._common import load_config
    from brgit.parallel.manual import remove as do_remove
    from brgit.ui.output import View, emit

    check_format(fmt)
    done = do_remove(_root(), load_config(), target, force=force, delete_branch=delete_branch)
    emit(done, View(lines=[f"removed {done['path']}"]), fmt)


@app.command("prune")
def prune(fmt: FormatOption = "table") -> None:
    """Forget vanished worktrees; delete leftovers brgit created; report anything else."""
    from brgit.cli._common import load_config
    from brgit.parallel.manual import prune_stale
    from brgit.ui.output import View, emit

    check_format(fmt)
    done = prune_stale(_root(), load_config())
    lines = [
        *done["pruned"],
        *(f"removed {f}" for f in done["removed_folders"]),
        *(f"forgot {f} (already gone)" for f in done["forgotten"]),
        *(f"left alone {d['path']}: {d['reason']}" for d in done["left_alone"]),
    ]
    emit(done, View(lines=lines or ["nothing to prune"]), fmt)


def register(root: typer.Typer) -> None:
    root.add_typer(app)
