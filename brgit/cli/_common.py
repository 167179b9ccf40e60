"""Small pieces every command module shares: the --format option, config loading, not-built."""

from __future__ import annotations

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


def load_config(start: Path | None = None) -> Config:
    """Load the repository's config (exit 2 with one line if it is broken)."""
    from brgit.config import load_config as _load

    return _load(start)


def load_context(start: Path | None = None) -> Context:
    """The command's context: the repository's config and the stores built from it, once."""
    from brgit.context import Context

    return Context(load_config(start))


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
