"""How `br parallel start|resume` run: foreground, detached, or under the live dashboard."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

from brgit.config import Config
from brgit.context import Context
from brgit.core.plan import Plan
from brgit.core.session import SessionRecord, session_file, sessions_dir
from brgit.errors import ParallelError

DETACH_WAIT = 15.0


def detach(
    args: list[str],
    name: str,
    workers: int | None,
    agent: str | None,
    backend: str | None = None,
    cfg: Config | None = None,
) -> int:
    """Start `br parallel ARGS` as a background process (on the ray backend: as a Ray job, see
    `brgit.parallel.cluster.jobs`); return once its record exists."""
    from brgit import paths

    root = paths.locate().main_root
    extra = [
        *(["--workers", str(workers)] if workers else []),
        *(["--agent", agent] if agent else []),
        *(["--backend", backend] if backend else []),
    ]
    if backend == "ray" and cfg is not None:
        return _detach_job(cfg, root, [*args, *extra], name)
    log_dir = sessions_dir(root) / name
    log_dir.mkdir(parents=True, exist_ok=True)
    before = _mtime(session_file(name, root))
    with (log_dir / "run.log").open("ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "brgit", "parallel", *args, *extra],
            cwd=root,
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    deadline = time.monotonic() + DETACH_WAIT
    while time.monotonic() < deadline and _mtime(session_file(name, root)) == before:
        if proc.poll() is not None:
            raise ParallelError(f"session {name!r} failed to start; see {log_dir / 'run.log'}")
        time.sleep(0.05)
    sys.stdout.write(
        f"session {name} running in the background (pid {proc.pid}); "
        f"`br parallel status {name}` shows progress\n"
    )
    return 0


def _detach_job(cfg: Config, root: Path, args: list[str], name: str) -> int:
    from brgit.parallel.cluster.jobs import submit

    before = _mtime(session_file(name, root))
    job = submit(cfg, root, args, name, lambda: _mtime(session_file(name, root)) != before)
    sys.stdout.write(
        f"session {name} running as ray job {job}; `br parallel status {name}` shows progress, "
        f"`ray job logs {job}` its output\n"
    )
    return 0


def _mtime(file: Path) -> float:
    try:
        return file.stat().st_mtime_ns
    except OSError:
        return 0.0


def show(record: SessionRecord, fmt: str) -> int:
    """Print the final record; exit 0 only when every task completed, 5 when a model
    provider refused a task (auth, billing, quota, retries exhausted), else 1."""
    from brgit.errors import EXIT_API
    from brgit.parallel.views import session_data, session_view
    from brgit.ui.output import emit

    emit(session_data(record), session_view(record), fmt)
    if record.status == "completed":
        return 0
    return EXIT_API if record.api_failed else 1


def watch(
    plan: Plan,
    name: str,
    root: Path,
    ctx: Context,
    workers: int | None,
    agent: str | None,
    backend: str | None = None,
) -> int:
    """Run the session in a thread and show the dashboard until it ends."""
    cfg = ctx.config
    from brgit.parallel.live import SessionWatch
    from brgit.parallel.manager import SessionManager
    from brgit.parallel.orchestrator import run_plan
    from brgit.ui.dashboard import run_dashboard

    result: list[SessionRecord] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            record = run_plan(plan, root=root, cfg=cfg, session=name, workers=workers,
                              agent=agent, ctx=ctx, backend=backend)  # fmt: skip
            result.append(record)
        except BaseException as exc:  # re-raised in the main thread
            errors.append(exc)

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    while thread.is_alive() and not session_file(name, root).exists():
        time.sleep(0.05)
    if session_file(name, root).exists():
        seen = SessionWatch(SessionManager(root, cfg), name)
        run_dashboard(seen.frame, on_key=seen.key, ended=seen.ended, refresh=0.5,
                      until=lambda: not thread.is_alive())
    thread.join()
    if errors:
        raise errors[0]
    return show(result[0], "table")
