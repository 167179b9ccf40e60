"""`br db`: telemetry storage: schema versions on disk and migration."""

from __future__ import annotations

import typer

from brgit.cli._common import FormatOption, check_format, group, load_config

app = group("db", "Telemetry storage: schema versions and migration.")


@app.command("status")
def status(fmt: FormatOption = "table") -> None:
    """Schema versions on disk, per stream and segment."""
    from brgit.telemetry.migrate import status as db_status
    from brgit.telemetry.settings import resolve
    from brgit.telemetry.views import db_view
    from brgit.ui.output import emit

    check_format(fmt)
    cfg = load_config()
    result = db_status(resolve(cfg.root, cfg))
    emit(result, db_view(result), fmt)


@app.command("migrate")
def migrate(fmt: FormatOption = "table") -> None:
    """Rewrite old segments (and legacy files) to the current schema, atomically."""
    from brgit.telemetry.migrate import migrate as db_migrate
    from brgit.telemetry.settings import resolve
    from brgit.ui.output import View, emit

    check_format(fmt)
    cfg = load_config()
    result = db_migrate(resolve(cfg.root, cfg))
    view = View(title="Telemetry migration")
    view.fields = [
        ("Segments rewritten", len(result.rewritten)),
        ("Records upgraded", result.records_upgraded),
        ("Legacy files imported", len(result.legacy_imported)),
        ("Unreadable lines kept in quarantine", result.quarantined_lines),
    ]
    emit(result, view, fmt)


def register(root: typer.Typer) -> None:
    root.add_typer(app)
