"""Baselines in detect-secrets' `.secrets.baseline` format.

Reading parses the JSON directly (fast, no detect-secrets import on the hook path); a known
secret is matched by file and SHA-1 hash, never by line, so moving lines changes nothing.
Writing goes through the detect-secrets library so `detect-secrets audit` keeps working; entries
already in the baseline are kept as they are (line numbers and audit labels included), and the
file is not rewritten when its findings did not change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from brgit.errors import BuildRunnerError, ConfigError
from brgit.security.model import Finding

# detect-secrets' own type names where a plugin of theirs covers the same secret.
_DS_TYPES = {
    "aws_access_key_id": "AWS Access Key", "aws_secret_access_key": "AWS Access Key",
    "github_token": "GitHub Token", "github_fine_grained_pat": "GitHub Token",
    "gitlab_token": "GitLab Token", "slack_token": "Slack Token", "slack_webhook": "Slack Token",
    "stripe_key": "Stripe Access Key", "private_key": "Private Key", "jwt": "JSON Web Token",
    "sendgrid_key": "SendGrid API Key", "twilio_key": "Twilio API Key", "npm_token": "NPM tokens",
    "pypi_token": "PyPI Token", "azure_storage_key": "Azure Storage Account access key",
    "openai_key": "OpenAI Token", "generic_secret": "Secret Keyword",
    "database_url": "Basic Auth Credentials",
}


def ds_type(rule: str) -> str:
    return _DS_TYPES.get(rule, rule)


def load_entries(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The `results` of a baseline file ({} if there is none)."""
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        results = data["results"]
        if not isinstance(results, dict):
            raise TypeError("results is not an object")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"baseline {path} is not a detect-secrets baseline: {exc}") from None
    return results


def known_hashes(path: Path) -> set[tuple[str, str]]:
    return {(name, entry.get("hashed_secret", ""))
            for name, entries in load_entries(path).items() for entry in entries}


def merged_results(path: Path, findings: Iterable[Finding]) -> dict[str, list[dict[str, Any]]]:
    old = {(name, e.get("hashed_secret")): e for name, es in load_entries(path).items() for e in es}
    results: dict[str, list[dict[str, Any]]] = {}
    for finding in findings:
        if finding.kind != "secret":
            continue
        key = (finding.file, finding.secret_hash)
        entry = old.get(key) or {"type": ds_type(finding.rule), "filename": finding.file,
                                 "hashed_secret": finding.secret_hash, "is_verified": False,
                                 "line_number": finding.line}
        bucket = results.setdefault(finding.file, [])
        if entry not in bucket:
            bucket.append(entry)
    return {name: sorted(es, key=lambda e: (e.get("line_number", 0), e["hashed_secret"]))
            for name, es in sorted(results.items())}


def write_baseline(path: Path, findings: Iterable[Finding]) -> bool:
    """Write (or update) the baseline; returns False when nothing changed."""
    results = merged_results(path, findings)
    if path.is_file() and load_entries(path) == results:
        return False
    from detect_secrets.core import baseline
    from detect_secrets.core.potential_secret import PotentialSecret
    from detect_secrets.core.secrets_collection import SecretsCollection
    from detect_secrets.settings import default_settings

    collection = SecretsCollection(root=str(path.parent))
    for name, entries in results.items():
        for entry in entries:
            collection[name].add(PotentialSecret.load_secret_from_dict(entry))
    with default_settings():
        output = baseline.format_for_output(collection)
    output["results"] = results  # keep audit labels and order exactly as merged
    partial = path.with_name(f".{path.name}.tmp")
    try:  # written beside it, then renamed: a full disk never truncates the old baseline
        baseline.save_to_file(output, str(partial))
        partial.replace(path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise BuildRunnerError(f"cannot write baseline {path}: {exc.strerror or exc}") from None
    return True
