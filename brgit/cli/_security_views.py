"""How `br security` shows its results (tables, JSON findings, SARIF, skipped-file notes) and
the hook status: the CLI's rendering step, built on the values `brgit.security` returns."""

from __future__ import annotations

import json
import sys

from brgit.errors import EXIT_OK, EXIT_SECURITY
from brgit.gitops.hooks import HookStatus
from brgit.security.model import ScanReport, display_name
from brgit.security.render import ADVICE, note_lines
from brgit.ui.output import Table, View, emit, note


def show(report: ScanReport, fmt: str, label: str, *, verbose: bool = False) -> int:
    """Print the report; exit 3 when anything was found, 0 when clean."""
    for line in note_lines(report.notes, verbose=verbose):
        note(line)
    if fmt == "sarif":
        from brgit.security.sarif import to_sarif

        sys.stdout.write(json.dumps(to_sarif(report), indent=2) + "\n")
    elif fmt == "json":
        emit([f.to_dict() for f in report.findings], None, "json")
    else:
        emit(None, _view(report, label), "table")
    return EXIT_SECURITY if report.findings else EXIT_OK


def _view(report: ScanReport, label: str) -> View:
    fields = [("Files scanned", report.files_scanned), ("Findings", len(report.findings))]
    if report.suppressed:
        fields.append(("Suppressed", report.suppressed))
    if not report.findings:
        return View(f"{label}: no secrets or SQL injection found", fields)
    rows = [[display_name(f.file), f.line, f.rule, f.severity, f.confidence, f.masked]
            for f in report.findings]
    columns = ["File", "Line", "Type", "Severity", "Confidence", "Value"]
    if any(f.commit for f in report.findings):
        columns = ["Commit", "Date", *columns]
        rows = [[f.commit[:12], f.date[:10], *row] for f, row in zip(report.findings, rows,
                                                                    strict=True)]
    table = Table(columns, rows)
    hints = [f"hint: {advice}" for kind in sorted({f.kind for f in report.findings})
             for advice in ADVICE[kind]]
    return View(f"{label}: security issues found", fields, [table], hints)


def show_hook(state: HookStatus, fmt: str, title: str) -> None:
    fields = [("Location", state.path), ("Permissions", state.permissions),
              ("core.hooksPath", state.hooks_path_config), ("Chained hook", state.chained)]
    if state.foreign:
        fields.append(("Note", "a pre-commit hook that is not brgit's is installed"))
    emit(state, View(title, fields), fmt)
