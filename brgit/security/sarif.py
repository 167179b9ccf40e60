"""SARIF 2.1.0 for CI code scanning (GitHub code scanning reads `security-severity` and the
CWE tags)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from brgit import __version__
from brgit.security.model import Finding, ScanReport, display_name

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVEL = {"high": "error", "medium": "warning", "low": "note"}
_SCORE = {"high": "8.0", "medium": "5.5", "low": "3.0"}
_CWE_NAMES = {"CWE-798": "Use of Hard-coded Credentials",
              "CWE-89": "Improper Neutralization of Special Elements used in an SQL Command"}


def _rule(finding: Finding) -> dict[str, Any]:
    cwe = finding.cwe
    return {
        "id": finding.rule,
        "name": finding.rule.replace("-", "_"),
        "shortDescription": {"text": finding.message.split(";")[0]},
        "defaultConfiguration": {"level": _LEVEL.get(finding.severity, "warning")},
        "properties": {
            "tags": ["security", f"external/cwe/{cwe.lower()}"],
            "security-severity": _SCORE.get(finding.severity, "5.5"),
        },
        "relationships": [{"target": {"id": cwe.split("-")[1], "toolComponent": {"name": "CWE"}},
                           "kinds": ["superset"]}],
    }


def _result(finding: Finding) -> dict[str, Any]:
    return {
        "ruleId": finding.rule,
        "level": _LEVEL.get(finding.severity, "warning"),
        "message": {"text": f"{finding.message}: {finding.masked}"},
        "locations": [{"physicalLocation": {
            "artifactLocation": {"uri": _uri(finding.file), "uriBaseId": "%SRCROOT%"},
            "region": {"startLine": max(finding.line, 1)},
        }}],
        "partialFingerprints": {"brgit/v1": finding.fingerprint},
        "properties": {"confidence": finding.confidence, "cwe": finding.cwe,
                       **({"commit": finding.commit, "date": finding.date}
                          if finding.commit else {})},
    }


def _uri(name: str) -> str:
    """A relative URI reference: every byte outside the unreserved set percent-encoded."""
    return quote(name.encode("utf-8", "surrogateescape"), safe="/")


def to_sarif(report: ScanReport) -> dict[str, Any]:
    rules: dict[str, dict[str, Any]] = {}
    for finding in report.findings:
        rules.setdefault(finding.rule, _rule(finding))
    cwes = sorted({f.cwe for f in report.findings} | set(_CWE_NAMES))
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "brgit", "version": __version__,
                                "rules": list(rules.values())}},
            "taxonomies": [{"name": "CWE", "taxa": [
                {"id": c.split("-")[1], "name": _CWE_NAMES[c]} for c in cwes]}],
            "results": [_result(f) for f in report.findings],
            "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": [
                {"level": "error" if n.kind == "error" else "note",
                 "message": {"text": f"{display_name(n.file)}: {n.reason}"}}
                for n in report.notes]}],
        }],
    }
