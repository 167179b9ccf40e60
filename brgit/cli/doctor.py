"""`br doctor`: whether each agent and agent-CLI preset is installed and usable here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from brgit.cli._common import FormatOption, check_format, load_config

if TYPE_CHECKING:
    from brgit.agents.doctor import Diagnosis
    from brgit.ui.output import View

HELP = (
    "Check each agent: the CLI of each preset (found on PATH or at its configured path, its "
    "version), and the key and base URL it would use (keys masked). Exit 0 when the agent "
    "the config uses (or --agent) is usable, 1 otherwise."
)


def register(app: typer.Typer) -> None:
    @app.command("doctor", help=HELP, short_help="Check that each agent CLI is usable.")
    def doctor(
        agent: Annotated[
            str | None, typer.Option("--agent", help="Check this agent (default: agent.default).")
        ] = None,
        fmt: FormatOption = "table",
    ) -> int:
        from brgit.agents.base import check_agent
        from brgit.agents.doctor import diagnose
        from brgit.ui.output import emit, plain

        check_format(fmt)
        if agent:
            check_agent(agent)
        found = diagnose(load_config(repo=False), using=agent or "")
        emit({"ok": found.ok, "agents": plain(found.checks)}, _view(found), fmt)
        return 0 if found.ok else 1


def _view(found: Diagnosis) -> View:
    from brgit.ui.output import Table, View

    columns = ["agent", "in use", "status", "program", "version", "key", "base URL"]
    rows = [
        [
            c.agent,
            "yes" if c.used else "",
            "ok" if c.usable else f"no: {c.problem}",
            f"{c.program} ({c.found_by})" if c.program else c.found_by,
            c.version or "-",
            c.key or "-",
            c.base_url or "-",
        ]
        for c in found.checks
    ]
    verdict = "the agent in use is usable" if found.ok else "the agent in use is NOT usable"
    return View(title="Agents", tables=[Table(columns, rows)], lines=[verdict])
