"""`br init`: create `.buildrunner/` with a commented config and its .gitignore."""

from __future__ import annotations

import typer

from brgit.cli._common import FormatOption, check_format


def register(app: typer.Typer) -> None:
    app.command("init")(init_command)


def init_command(fmt: FormatOption = "table") -> None:
    """Create .buildrunner/config.toml and .buildrunner/.gitignore (idempotent)."""
    from brgit.store import init_store
    from brgit.ui.output import View, emit

    check_format(fmt)
    result = init_store()
    lines = [f"{'created' if c else 'kept'}: {p}" for p, c in result.files]
    if result.settings_added > 0:
        lines.append(f"added {result.settings_added} new setting(s) to the config")
    emit(result.to_dict(), View(title=f"brgit store: {result.store}", lines=lines), fmt)
