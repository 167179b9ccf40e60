"""Small pieces every command module shares: the --format option, config loading, not-built."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from brgit.errors import NotBuiltError

if TYPE_CHECKING:
    from brgit.config import Config
    from brgit.context import Context

FormatOption = Annotated[
    str, typer.Option("--format", "-f", help="Output format: table or json.", show_default=True)
]


def check_format(fmt: str, allowed: tuple[str, ...] = ("table", "json")) -> str:
    """Validate a --format value; a wrong one is a usage error (exit 2)."""
    if fmt not in allowed:
        raise typer.BadParameter(f"expected one of {', '.join(allowed)}", param_hint="--format")
    return fmt


def load_config(start: Path | None = None, *, repo: bool = True) -> Config:
    """Load the repository's config (exit 2 with one line if it is broken).

    `repo=True` (commands that work on a repository's branches, sessions or store): outside
    a git repository this is "not a git repository", exit 6, before anything is read or
    written. Commands that also work on a plain folder pass `repo=False`; outside git they
    get the defaults (or `$BR_CONFIG_FILE`) and record no telemetry, so no store appears in
    a folder that is not a repository."""
    from dataclasses import replace

    from brgit import paths
    from brgit.config import load_config as _load

    inside = paths.locate(start).in_git or bool(os.environ.get("BR_STORE_DIR"))
    if repo and not inside:
        from brgit.errors import NotFoundError

        raise NotFoundError(f"not a git repository: {paths.locate(start).main_root}")
    cfg = _load(start)
    if not inside:
        cfg = replace(cfg, telemetry=replace(cfg.telemetry, enabled=False))
    return cfg


def load_context(start: Path | None = None, *, repo: bool = True) -> Context:
    """The command's context: the repository's config and the stores built from it, once."""
    from brgit.context import Context

    return Context(load_config(start, repo=repo))


def not_built(what: str) -> NoReturn:
    """For commands in the interface whose work is not built yet: one line, exit 1."""
    raise NotBuiltError(f"`br {what}` is not built yet")


def add_stubs(group: typer.Typer, prefix: str, names: dict[str, str]) -> None:
    """Register commands whose work is not built yet; each says so and exits 1."""
    loose = {"allow_extra_args": True, "ignore_unknown_options": True}

    for name, summary in names.items():
        group.command(name, help=f"{summary} (not built yet)", context_settings=loose)(
            _stub(f"{prefix} {name}".strip())
        )


def _stub(what: str) -> Callable[[typer.Context], None]:
    def command(ctx: typer.Context) -> None:
        not_built(what)

    return command


def group(name: str, help_text: str) -> typer.Typer:
    return typer.Typer(name=name, help=help_text, no_args_is_help=True)
