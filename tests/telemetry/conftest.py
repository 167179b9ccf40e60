"""Fixtures for telemetry tests: a repository whose store rotates after a few records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from brgit.config import Config, load_config


def write_config(repo: Path, text: str) -> Config:
    store = repo / ".buildrunner"
    store.mkdir(exist_ok=True)
    (store / "config.toml").write_text(text)
    return load_config(repo)


@pytest.fixture
def small(repo: Path) -> Config:
    """Config of `repo` whose segments rotate every ~2 KB."""
    return write_config(repo, "[telemetry]\nmax_file_bytes = 2000\n")


def events_dir(repo: Path) -> Path:
    return repo / ".buildrunner" / "telemetry" / "events"


# Every command that reads the store, as `br` arguments; each also gets `--format json`.
READERS = [
    ("telemetry", "summary"),
    ("telemetry", "summary", "--hours", "100000"),
    ("telemetry", "events"),
    ("telemetry", "events", "--last", "5"),
    ("telemetry", "events", "--type", "task_completed", "--hours", "100000"),
    ("telemetry", "performance"),
    ("telemetry", "alerts"),
    ("telemetry", "tokens"),
    ("routing", "costs"),
    ("routing", "costs", "--period", "month"),
    ("db", "status"),
]
EXPORTS = ("metrics", "events", "costs", "otlp")


def _no_constants(name: str) -> None:
    raise AssertionError(f"not JSON: {name}")


def strict_json(text: str) -> Any:
    """`text` parsed as standard JSON (NaN and Infinity are not JSON)."""
    return json.loads(text, parse_constant=_no_constants)


def read_everything(br: Any, repo: Path, out_dir: Path) -> dict[tuple[str, ...], Any]:
    """Run every reading command on `repo`: each must exit 0 with standard JSON, and each
    export must write its file. Returns the JSON of each command."""
    results: dict[tuple[str, ...], Any] = {}
    for args in READERS:
        result = br(*args, "--format", "json", cwd=repo)
        assert result.code == 0, (args, result.err)
        assert "Traceback" not in result.err and "unexpected" not in result.err, result.err
        results[args] = strict_json(result.out)
    for kind in EXPORTS:
        target = out_dir / f"export.{kind}"
        result = br("telemetry", "export", str(target), "--type", kind, "--hours", "100000",
                    cwd=repo)  # fmt: skip
        assert result.code == 0, (kind, result.err)
        if kind == "otlp":
            for line in target.read_text().splitlines():
                strict_json(line)
    return results
