"""Baselines in detect-secrets' `.secrets.baseline` format.

Reading parses the JSON directly (fast, no detect-secrets import on the hook path); a known
secret is matched by file and SHA-1 hash, never by line, so moving lines changes nothing.
Writing goes through the detect-secrets library so `detect-secrets audit` keeps working; entries
already in the baseline are kept as they are (line numbers and audit labels included), and the
file is not rewritten when its findings did not change.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from brgit.errors import BuildRunnerError, ConfigError
from brgit.security.model import Finding


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


def merged_results(
    path: Path, findings: Iterable[Finding], type_of: Callable[[Finding], str]
) -> dict[str, list[dict[str, Any]]]:
    """Existing entries kept exactly; new ones typed by `type_of`; gone ones dropped."""
    old = {(name, e.get("hashed_secret")): e for name, es in load_entries(path).items() for e in es}
    results: dict[str, list[dict[str, Any]]] = {}
    for finding in findings:
        if finding.kind != "secret":
            continue
        key = (finding.file, finding.secret_hash)
        entry = old.get(key) or {"type": type_of(finding), "filename": finding.file,
                                 "hashed_secret": finding.secret_hash, "is_verified": False,
                                 "line_number": finding.line}
        bucket = results.setdefault(finding.file, [])
        if entry not in bucket:
            bucket.append(entry)
    return {name: sorted(es, key=lambda e: (e.get("line_number", 0), e["hashed_secret"]))
            for name, es in sorted(results.items())}


def write_baseline(path: Path, findings: Iterable[Finding]) -> bool:
    """Write (or update) the baseline; returns False when nothing changed."""
    findings = [f for f in findings if f.kind == "secret"]
    wanted = {(f.file, f.secret_hash) for f in findings}
    if path.is_file() and known_hashes(path) == wanted:
        return False
    from brgit.security.ds_types import TypeProbe

    results = merged_results(path, findings, TypeProbe(path.parent).type_of)
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
