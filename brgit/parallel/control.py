"""Talking to a running session: its control file (run, pause, stop)."""

from __future__ import annotations

from pathlib import Path

from brgit.core.session import sessions_dir
from brgit.files import atomic_write

COMMANDS = ("run", "pause", "stop", "stop-force")


def control_file(name: str, root: Path) -> Path:
    return sessions_dir(root) / name / "control"


def request(name: str, root: Path, command: str) -> None:
    if command not in COMMANDS:
        raise ValueError(command)
    atomic_write(control_file(name, root), command + "\n")


def current(name: str, root: Path) -> str:
    try:
        text = control_file(name, root).read_text(encoding="utf-8").strip()
    except OSError:
        return "run"
    return text if text in COMMANDS else "run"
