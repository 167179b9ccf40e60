"""Talking to a running session: a control file (pause/stop) and process liveness."""

from __future__ import annotations

import os
from pathlib import Path

from brgit.core.session import sessions_dir

COMMANDS = ("run", "pause", "stop", "stop-force")


def control_file(name: str, root: Path) -> Path:
    return sessions_dir(root) / name / "control"


def request(name: str, root: Path, command: str) -> None:
    from brgit.config import atomic_write

    if command not in COMMANDS:
        raise ValueError(command)
    atomic_write(control_file(name, root), command + "\n")


def current(name: str, root: Path) -> str:
    try:
        text = control_file(name, root).read_text(encoding="utf-8").strip()
    except OSError:
        return "run"
    return text if text in COMMANDS else "run"


def process_start(pid: int) -> int | None:
    """When process `pid` started (clock ticks since boot, /proc/PID/stat field 22); None if
    unknown. With the pid it identifies a process: pids are reused, start times are not."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    return int(fields[19]) if len(fields) > 19 and fields[19].isdigit() else None


def pid_alive(pid: int | None, started: int | None = None) -> bool:
    """Is process `pid` running (zombies count as dead)? With `started` (from
    `process_start` when the pid was recorded), a process that merely reuses the pid is dead."""
    if not pid or pid <= 0:
        return False
    if started is not None:
        now = process_start(pid)
        if now is not None and now != started:
            return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"
