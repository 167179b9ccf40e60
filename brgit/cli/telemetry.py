"""`br telemetry`: Events, metrics, alerts and exports."""

from __future__ import annotations

import typer

from brgit.cli._common import add_stubs, group

app = group("telemetry", "Events, metrics, alerts and exports.")
add_stubs(
    app,
    "telemetry",
    {
        "summary": "Metrics summary",
        "events": "Recent events",
        "alerts": "Threshold alerts",
        "performance": "Latency percentiles and throughput",
        "export": "Export to a file",
        "tokens": "Token usage",
    },
)


def register(root: typer.Typer) -> None:
    root.add_typer(app)
