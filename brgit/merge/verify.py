"""Run the verify command in the scratch worktree; its output goes to a log file."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from brgit.errors import MergeError

_CLEAN_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE")


@dataclass(frozen=True)
class VerifyOutcome:
    ok: bool
    exit_code: int | None  # None: timed out
    duration_ms: int
    tail: str  # last lines of output (for the ejection detail)


def run_verify(command: str, cwd: Path, log: Path, timeout: float) -> VerifyOutcome:
    """Run `command` in `cwd` (through sh when it uses shell syntax); exit 0 passes.

    It runs in its own process group, so a timeout or Ctrl-C stops everything it started.
    """
    env = {k: v for k, v in os.environ.items() if k not in _CLEAN_ENV}
    started = time.monotonic()
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a+b") as out:
            start = out.tell()
            out.write(f"$ {command}  (in {cwd})\n".encode())
            out.flush()
            code = _run(command, cwd, env, out, timeout)
            tail = _mask_since(out, start)
    except OSError as exc:  # a full disk, a read-only store: stop, the target stays verified
        raise MergeError(f"cannot write the verify log {log}: {exc.strerror or exc}") from None
    elapsed = int((time.monotonic() - started) * 1000)
    return VerifyOutcome(code == 0, code, elapsed, tail)


def _run(
    command: str, cwd: Path, env: dict[str, str], out: IO[bytes], timeout: float
) -> int | None:
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
    try:
        return _wait(proc, timeout)
    except subprocess.TimeoutExpired:
        out.write(f"\n(timed out after {timeout:g}s)\n".encode())
        return None
    finally:
        if proc.poll() is None:
            _kill_group(proc)


def _wait(proc: subprocess.Popen[bytes], timeout: float) -> int:
    """Wait for `proc` at most `timeout` seconds, waking the moment it exits.

    `Popen.wait(timeout=...)` polls with growing sleeps (a 1 ms `true` costs about 2 ms); a
    pidfd becomes readable when the process exits (Linux 5.3+), else that polling it is.
    """
    try:
        fd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        return proc.wait(timeout=timeout)
    try:
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        if not poller.poll(max(0, int(timeout * 1000))):
            raise subprocess.TimeoutExpired(proc.args, timeout)
    finally:
        os.close(fd)
    return proc.wait()


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        proc.kill()
    proc.wait()


_SHELL_CHARS = frozenset("|&;<>()$`\\\"'*?[]#~=%{}!\n")


def _needs_shell(command: str) -> bool:
    """A plain `prog arg ...` line runs without a shell (one process fewer per verify)."""
    return any(c in _SHELL_CHARS for c in command)


def _argv(command: str) -> str | list[str]:
    return command if _needs_shell(command) else command.split()


def _mask_since(handle: IO[bytes], start: int) -> str:
    """Mask credentials in what this run wrote to the log (a test suite may print a key);
    return the last lines of it (for the ejection detail)."""
    from brgit.redact import redact

    handle.seek(start)
    text = handle.read().decode("utf-8", "surrogateescape")
    masked = redact(text)
    if masked != text:
        handle.truncate(start)  # append mode: the masked text goes back at the end
        handle.write(masked.encode("utf-8", "surrogateescape"))
    shown = masked[-2000:].encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return _tail(shown)


def _tail(text: str, lines: int = 3) -> str:
    kept = [line.strip() for line in text.splitlines() if any(c.isalnum() for c in line)]
    return " | ".join(kept[-lines:])[:300]
