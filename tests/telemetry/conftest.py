"""Fixtures for telemetry tests: a repository whose store rotates after a few records."""

from __future__ import annotations

from pathlib import Path

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
