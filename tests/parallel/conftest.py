"""Helpers for the parallel tests: configs, plans, and reading the telemetry a run wrote."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from brgit.config import Config, load_config
from brgit.core.plan import Plan, Task


@pytest.fixture(autouse=True)
def no_leftover_processes(tmp_path: Path) -> Iterator[None]:
    """A test that fails mid-session (a detached `br`, an agent waiting on a gate) must not
    leave its processes running: kill whatever still names this test's folder."""
    yield
    import os
    import signal

    mine = str(tmp_path).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            cwd = os.readlink(entry / "cwd").encode()
        except OSError:
            continue
        if mine in cmdline or cwd.startswith(mine):
            try:
                os.kill(int(entry.name), signal.SIGKILL)
            except OSError:
                pass


def make_cfg(repo: Path, *, agent: dict[str, Any] | None = None, **parallel: Any) -> Config:
    """The repo's config with `parallel` and `agent` settings replaced."""
    cfg = load_config(repo)
    par = dataclasses.replace(cfg.parallel, **{"copy_files": [], **parallel})
    ag = dataclasses.replace(cfg.agent, **(agent or {}))
    return dataclasses.replace(cfg, parallel=par, agent=ag)


def write_config(repo: Path, text: str) -> None:
    store = repo / ".buildrunner"
    store.mkdir(exist_ok=True)
    (store / "config.toml").write_text(text)


def plan(*tasks: Task, name: str = "p") -> Plan:
    return Plan(name=name, tasks=list(tasks))


def events(repo: Path) -> list[dict[str, Any]]:
    """Every telemetry event the run wrote (live segments of any layout, gz skipped)."""
    out: list[dict[str, Any]] = []
    for file in sorted((repo / ".buildrunner" / "telemetry").rglob("*.jsonl")):
        for line in file.read_text().splitlines():
            record = json.loads(line) if line.strip() else {}
            if "event_type" in record:
                out.append(record)
    return out


def ledger(repo: Path) -> list[dict[str, Any]]:
    """Every cost record written (wherever the telemetry package keeps its ledger)."""
    out: list[dict[str, Any]] = []
    for file in sorted((repo / ".buildrunner").rglob("*.jsonl")):
        for line in file.read_text().splitlines():
            record = json.loads(line) if line.strip() else {}
            if "cost_usd" in record and "event_type" not in record:
                out.append(record)
    return out


def write_plan(path: Path, body: str) -> Path:
    path.write_text(body)
    return path


@pytest.fixture
def cfg(repo: Path) -> Config:
    return make_cfg(repo)
