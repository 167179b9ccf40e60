"""Plain-text lines for a scan report (shared by the CLI and the lean hooks; no rich).

File names go through `display_name`, so a name holding a newline stays on its `file:line:`
line. Skipped files are summarised in one line (`--verbose` lists them); files a scanner
failed on are listed one a line, since each is a gap in the scan.
"""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterable

from brgit.security.model import Finding, Note, ScanReport, display_name

ADVICE = {
    "secret": [
        "Move secrets to environment variables or an ignored .env file, and rotate any that "
        "were committed.",
        "A false positive? Add `# pragma: allowlist secret` (or `# br: ignore[RULE]`) to the "
        "line, or its fingerprint to the whitelist file.",
    ],
    "sql": [
        "Pass values as query parameters (`execute(sql, params)`, `$1`/`?` placeholders).",
        "A false positive? Add `# nosec` (or `# br: ignore[RULE]`) to the line.",
    ],
}
_SHOWN = 3


def finding_line(finding: Finding) -> str:
    extra = f" ({finding.confidence} confidence)" if finding.kind == "sql" else ""
    where = f"{display_name(finding.file)}:{finding.line}:"
    if finding.commit:
        where = f"{finding.commit[:12]} {finding.date[:10]} {where}"
    return f"{where} [{finding.rule}] {finding.masked}  {finding.message}{extra}"


def _names(notes: list[Note]) -> str:
    names = [display_name(n.file) for n in notes[:_SHOWN]]
    return ", ".join(names) + (", ..." if len(notes) > _SHOWN else "")


def note_lines(notes: Iterable[Note], *, verbose: bool = False) -> list[str]:
    """Failures one a line; files checked by pattern and skipped files one line each."""
    items = list(notes)
    lines = [f"{display_name(n.file)}: not analysed: {n.reason}"
             for n in items if n.kind == "error"]
    pattern = [n for n in items if n.kind == "pattern"]
    skipped = [n for n in items if n.kind == "skipped"]
    if verbose:
        lines += [f"{display_name(n.file)}: {n.reason}" for n in pattern + skipped]
        return lines
    if pattern:
        version = ".".join(map(str, sys.version_info[:2]))
        lines.append(f"{len(pattern)} Python file(s) do not parse with Python {version} and were "
                     f"checked for SQL by pattern: {_names(pattern)}")
    if skipped:
        counts = Counter(n.reason for n in skipped)
        why = ", ".join(f"{count} {reason}" for reason, count in counts.most_common())
        lines.append(f"skipped {len(skipped)} file(s): {why} ({_names(skipped)}; "
                     "--verbose lists them)")
    return lines


def report_lines(report: ScanReport, label: str, *, verbose: bool = False) -> list[str]:
    lines = [f"{label}: {line}" for line in note_lines(report.notes, verbose=verbose)]
    if not report.findings:
        return lines
    lines.append(f"{label}: {len(report.findings)} finding(s) in {report.files_scanned} file(s)")
    lines += [f"  {finding_line(f)}" for f in report.findings]
    for kind in sorted({f.kind for f in report.findings}):
        lines += [f"  hint: {advice}" for advice in ADVICE[kind]]
    return lines
