"""A detached session on Ray: its driver (the scheduler) submitted as a Ray job.

A Ray task dies within seconds of the driver that submitted it, so a session that must outlive
the command that started it runs its driver as a job: Ray's job supervisor keeps it alive on
the head node, `ray job logs ID` shows its output, `ray job stop ID` ends it. The job runs
`br parallel ...` in the repository's folder on the head node, so the head must see the
repository at the same path (the CLI runs on the head node, or the folder is shared): the
session's record, control file and telemetry are that folder's, and `br parallel status|stop`
work as for any session. Nothing is passed in the job's runtime_env: the entrypoint, the
metadata and the runtime_env are what the dashboard and `ray job list` show.
"""

from __future__ import annotations

import os
import shlex
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from brgit.config import Config
from brgit.errors import ParallelError
from brgit.redact import redact

DASHBOARD_PORT = 8265
ENDED = ("FAILED", "STOPPED", "SUCCEEDED")


def dashboard_url(cfg: Config) -> str:
    """`cluster.dashboard`, else RAY_API_SERVER_ADDRESS, else port 8265 on the address's host."""
    given = cfg.cluster.dashboard or os.environ.get("RAY_API_SERVER_ADDRESS", "")
    if given:
        return given if "://" in given else f"http://{given}"
    address = cfg.cluster.address or os.environ.get("RAY_ADDRESS", "") or "127.0.0.1"
    host = urlsplit(address if "://" in address else f"//{address}").hostname or "127.0.0.1"
    return f"http://{host}:{DASHBOARD_PORT}"


def entrypoint(root: Path, args: list[str]) -> str:
    """The job's command: this Python's `br parallel ARGS`, in the repository's folder."""
    command = shlex.join([sys.executable, "-m", "brgit", "parallel", *args])
    return f"cd {shlex.quote(str(root))} && exec {command}"


def submit(cfg: Config, root: Path, args: list[str], name: str, started: Callable[[], bool],
           wait: float = 60.0) -> str:  # fmt: skip
    """Submit `br parallel ARGS` as a job; return its id once `started()` (the session's
    record is written), or raise ParallelError with the end of the job's log if it ended."""
    from ray.job_submission import JobSubmissionClient

    url = dashboard_url(cfg)
    try:
        client = JobSubmissionClient(url)
        job = client.submit_job(
            entrypoint=entrypoint(root, args),
            submission_id=f"br-{name}-{uuid.uuid4().hex[:8]}",
            entrypoint_num_cpus=0,
            metadata={"brgit_session": name},
        )
    except (ConnectionError, RuntimeError, ValueError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ParallelError(f"cannot submit a Ray job at {url}: {first}") from None
    deadline = time.monotonic() + wait
    while not started():
        status = str(client.get_job_status(job))
        if status.split(".")[-1] in ENDED or time.monotonic() > deadline:
            tail = redact(client.get_job_logs(job)).strip().splitlines()[-1:] or ["no output"]
            raise ParallelError(f"Ray job {job} for session {name!r} {status.lower()}: {tail[0]}")
        time.sleep(0.2)
    return str(job)
