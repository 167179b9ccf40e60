"""The `local` executor: attempts on threads of the supervising process."""

from __future__ import annotations

import concurrent.futures as cf
import threading

from brgit.parallel.executor import AttemptHost, AttemptResult, AttemptSpec
from brgit.parallel.worker import run_attempt


class LocalExecutor:
    """At most `workers` attempts at once, each on its own thread, reporting straight to
    `host` (the orchestrator)."""

    def __init__(self, host: AttemptHost, workers: int) -> None:
        self.host = host
        self.pool = cf.ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="br")
        self.specs: dict[cf.Future[AttemptResult], AttemptSpec] = {}
        self.by_key: dict[str, tuple[cf.Future[AttemptResult], threading.Event]] = {}

    def submit(self, spec: AttemptSpec) -> str:
        flag = threading.Event()
        future = self.pool.submit(run_attempt, spec, self.host, flag)
        self.specs[future] = spec
        self.by_key[spec.key] = (future, flag)
        return spec.key

    def wait(self, timeout: float) -> list[tuple[AttemptSpec, AttemptResult]]:
        if not self.specs:
            return []
        done, _ = cf.wait(list(self.specs), timeout=timeout, return_when=cf.FIRST_COMPLETED)
        finished = []
        for future in done:
            spec = self.specs.pop(future)
            self.by_key.pop(spec.key, None)
            finished.append((spec, _result(future)))
        return finished

    def cancel(self, key: str, *, force: bool) -> None:
        found = self.by_key.get(key)
        if found is None:
            return
        future, flag = found
        if not future.cancel() and force:
            flag.set()

    def running(self) -> int:
        return len(self.specs)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True)


def _result(future: cf.Future[AttemptResult]) -> AttemptResult:
    if future.cancelled():
        return AttemptResult("stopped", "stopped before it started")
    try:
        return future.result()
    except Exception as exc:  # run_attempt catches its own errors: this is a bug, one line
        return AttemptResult("failed", f"{type(exc).__name__}: {exc}".splitlines()[0])
