"""`br demo`: run the whole job on a bundled sample repository, offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from brgit.cli._common import FormatOption, check_format

HELP = (
    "Create a sample repository in a temporary folder (six shell tasks: two dependent, one "
    "conflicting, one failing its tests), run `br run` on it offline, and show what happened. "
    "Exit 0 when the sample ended as designed (four merged, two ejected), 1 otherwise; the "
    "summary also gives the code `br run` would exit with (1: branches were ejected)."
)


def register(app: typer.Typer) -> None:
    @app.command("demo", help=HELP, short_help="The whole job on a bundled sample, offline.")
    def demo(
        folder: Annotated[
            Path | None, typer.Option("--dir", help="Empty folder for the sample (default: temp).")
        ] = None,
        workers: Annotated[int | None, typer.Option("--workers", "-w", min=1)] = None,
        fmt: FormatOption = "table",
    ) -> int:
        check_format(fmt)
        from brgit.app import job
        from brgit.app.demo import exit_code, exit_note, run_demo, where_to_look
        from brgit.merge import report
        from brgit.ui.output import note

        progress = None if fmt == "json" else job.Lines(note)
        paths, result = run_demo(folder, workers=workers, progress=progress)
        data = job.summary(result)
        data["repository"] = str(paths.repo)
        data["run_exit_code"], data["exit_code"] = result.exit_code, exit_code(result)
        view = report.job_view(data)
        view.lines += ["", *where_to_look(paths), "", exit_note(result)]
        return job.emit_summary(data, view, fmt, data["exit_code"])
