"""Plain-text lines for a scan report (used by the lean hooks; no rich)."""

from __future__ import annotations

from brgit.security.model import Finding, ScanReport

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


def finding_line(finding: Finding) -> str:
    extra = f" ({finding.confidence} confidence)" if finding.kind == "sql" else ""
    return (f"{finding.file}:{finding.line}: [{finding.rule}] {finding.masked}  "
            f"{finding.message}{extra}")


def report_lines(report: ScanReport, label: str) -> list[str]:
    lines = [f"{label}: {n.file}: {n.reason}" for n in report.notes]
    if not report.findings:
        return lines
    lines.append(f"{label}: {len(report.findings)} finding(s) in {report.files_scanned} file(s)")
    lines += [f"  {finding_line(f)}" for f in report.findings]
    for kind in sorted({f.kind for f in report.findings}):
        lines += [f"  hint: {advice}" for advice in ADVICE[kind]]
    return lines
