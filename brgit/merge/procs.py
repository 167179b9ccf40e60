"""Processes the train starts, found and stopped through /proc (Linux, like the rest of brgit)."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from brgit.process import wait_until


def stop_group(pgid: int, wait: float = 5.0) -> bool:
    """SIGKILL every process in group `pgid` and wait (at most `wait` seconds) until none is
    left running; True when none is. An empty or missing group is fine."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # not ours to stop: it will show up below
    return wait_until(lambda: not group_members(pgid), wait, step=0.01)


def group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes in process group `pgid`, from /proc."""
    members = []
    for entry in _proc_entries():
        fields = _stat_fields(entry)
        if fields is not None and fields[0] != "Z" and fields[2] == str(pgid):
            members.append(int(entry.name))
    return members


def users_of(folder: Path) -> list[int]:
    """Processes whose working directory is `folder` or inside it (a verify run's children
    that left its process group, say): removing the folder would pull it from under them."""
    target = os.path.realpath(folder)
    found = []
    for entry in _proc_entries():
        try:
            cwd = str((entry / "cwd").readlink())
        except OSError:
            continue
        inside = cwd == target or cwd.startswith(target + os.sep)
        if inside and entry.name != str(os.getpid()):
            fields = _stat_fields(entry)
            if fields is None or fields[0] != "Z":
                found.append(int(entry.name))
    return found


def _proc_entries() -> list[Path]:
    try:
        return [p for p in Path("/proc").iterdir() if p.name.isdigit()]
    except OSError:
        return []


def _stat_fields(entry: Path) -> list[str] | None:
    """/proc/PID/stat after the command name: state, ppid, pgrp, ..."""
    try:
        return (entry / "stat").read_text(encoding="utf-8").rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
