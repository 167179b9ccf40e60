"""Processes: whether a recorded pid still runs, and leaving a `br` process quickly.

Liveness reads `/proc` (Linux; see the README's platform note).

Python's own shutdown tears down every imported module, which costs 10 to 15 ms for `br` and
about 10 ms for a hook (measured: 15 ms and 11 ms, against 2 ms without). Nothing brgit writes
needs that teardown: telemetry, session and train state are written with unbuffered writes,
there are no atexit handlers and no buffered log handlers. Only stdout and stderr are flushed.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from brgit.errors import EXIT_BROKEN_PIPE, EXIT_GENERAL


def leave(code: int) -> NoReturn:
    """Flush stdout and stderr, then end the process with `code` at once."""
    try:
        sys.stdout.flush()
    except (BrokenPipeError, ValueError):  # the reader left (`br ... | head`), or it is closed
        code = code or EXIT_BROKEN_PIPE
    except OSError as exc:  # e.g. a full disk under a redirected stdout
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.write(f"br: error: cannot write the output: {exc.strerror or exc}\n")
        code = code or EXIT_GENERAL
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.flush()
    os._exit(code)


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


def wait_until(done: Callable[[], bool], seconds: float, step: float = 0.05) -> bool:
    """Poll `done` every `step` seconds until it is true (True) or `seconds` have passed
    (False, after one last look)."""
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() >= deadline:
            return False
        time.sleep(step)
    return True
