"""Run the verify command in a scratch worktree; its output goes to a log file.

The command runs in its own process group. Everything in that group is stopped when the
command ends, times out or is cancelled, so nothing it started outlives the run and goes on
using a scratch worktree that the train is about to reuse or remove.
"""

from __future__ import annotations

import os
import select
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from brgit.errors import MergeError
from brgit.merge.procs import stop_group

_CLEAN_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")
SLOT_VAR = "BR_VERIFY_SLOT"  # which scratch worktree (0, 1, ...): separate ports or databases
TAIL_LINES = 5  # whole lines kept as an ejection's detail
TAIL_CHARS = 1500  # ... at most this much of them (the oldest lines go first)


@dataclass(frozen=True)
class VerifyOutcome:
    ok: bool
    exit_code: int | None  # None: timed out
    duration_ms: int
    tail: str  # the last whole lines of output, masked (for the ejection detail)
    log: Path | None = None  # the file holding the whole output


def run_verify(
    command: str,
    cwd: Path,
    log: Path,
    timeout: float,
    *,
    slot: int = 0,
    on_spawn: Callable[[int], None] | None = None,
    cancel: threading.Event | None = None,
) -> VerifyOutcome:
    """Run `command` in `cwd` (through sh when it uses shell syntax); exit 0 passes.

    `on_spawn` is told the process group's id as soon as it exists (the train records it so
    `br merge --abort` can stop it after a crash). Setting `cancel` stops the run (it fails).
    """
    env = {k: v for k, v in os.environ.items() if k not in _CLEAN_ENV}
    env[SLOT_VAR] = str(slot)
    started = time.monotonic()
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a+b") as out:
            start = out.tell()
            out.write(f"$ {command}  (in {cwd})\n".encode())
            header = out.tell() - start
            out.flush()
            code = _run(command, cwd, env, out, timeout, (on_spawn, cancel))
            tail = _mask_since(out, start, header)
    except OSError as exc:  # a full disk, a read-only store: stop, the target stays verified
        raise MergeError(f"cannot write the verify log {log}: {exc.strerror or exc}") from None
    elapsed = int((time.monotonic() - started) * 1000)
    return VerifyOutcome(code == 0, code, elapsed, tail, log)


def _run(
    command: str,
    cwd: Path,
    env: dict[str, str],
    out: IO[bytes],
    timeout: float,
    hooks: tuple[Callable[[int], None] | None, threading.Event | None],
) -> int | None:
    on_spawn, cancel = hooks
    try:
        proc = subprocess.Popen(
            _argv(command),
            shell=_needs_shell(command),
            cwd=cwd,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:  # no such program (run without a shell)
        out.write(f"{exc}\n".encode())
        return 127
    exited = False
    try:
        if on_spawn is not None:
            on_spawn(proc.pid)
        exited = _exited(proc, timeout, cancel or threading.Event())
    finally:
        stop_group(proc.pid)  # before reaping: until then the group id cannot be reused
        code = proc.wait()
    if cancel is not None and cancel.is_set() and not exited:
        out.write(b"\n(stopped: the train no longer needs this run)\n")
        return None
    if not exited:
        out.write(f"\n(timed out after {timeout:g}s)\n".encode())
        return None
    return code


def _exited(proc: subprocess.Popen[bytes], timeout: float, cancel: threading.Event) -> bool:
    """Wait at most `timeout` seconds for `proc` to exit, or until `cancel` is set, without
    reaping it (its pid, the group's id, stays ours while the rest of the group is stopped).

    A pidfd becomes readable the moment the process exits (Linux 5.3+); elsewhere a short
    poll with `waitid(WNOWAIT)`. `cancel` is looked at every tenth of a second.
    """
    deadline = time.monotonic() + timeout
    try:
        fd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        fd = -1
    try:
        while not cancel.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if _wait_once(proc.pid, fd, min(left, 0.1)):
                return True
        return False
    finally:
        if fd >= 0:
            os.close(fd)


def _wait_once(pid: int, fd: int, seconds: float) -> bool:
    if fd >= 0:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(max(1, int(seconds * 1000))))
    flags = os.WEXITED | os.WNOHANG | os.WNOWAIT
    if os.waitid(os.P_PID, pid, flags) is not None:
        return True
    time.sleep(min(seconds, 0.01))
    return False


_SHELL_CHARS = frozenset("|&;<>()$`\\\"'*?[]#~=%{}!\n")


def _needs_shell(command: str) -> bool:
    """A plain `prog arg ...` line runs without a shell (one process fewer per verify)."""
    return any(c in _SHELL_CHARS for c in command)


def _argv(command: str) -> str | list[str]:
    return command if _needs_shell(command) else command.split()


def _mask_since(handle: IO[bytes], start: int, header: int) -> str:
    """Mask credentials in what this run wrote to the log (a test suite may print a key);
    return the last whole lines of its output, the header line not included."""
    from brgit.redact import redact

    handle.seek(start)
    raw = handle.read()
    head = raw[:header].decode("utf-8", "surrogateescape")
    body = raw[header:].decode("utf-8", "surrogateescape")
    masked_head, masked = redact(head), redact(body)
    if (masked_head, masked) != (head, body):
        handle.truncate(start)  # append mode: the masked text goes back at the end
        handle.write((masked_head + masked).encode("utf-8", "surrogateescape"))
    return tail(masked.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))


def tail(text: str, lines: int = TAIL_LINES, limit: int = TAIL_CHARS) -> str:
    """The last `lines` lines that say something, joined by " | ", never cut inside a line:
    older lines are dropped whole to stay within `limit` (the newest line is always kept)."""
    kept = [line.strip() for line in text.splitlines() if any(c.isalnum() for c in line)]
    chosen: list[str] = []
    for line in reversed(kept[-lines:]):
        if chosen and sum(len(c) + 3 for c in chosen) + len(line) > limit:
            break
        chosen.insert(0, line)
    return " | ".join(chosen)
