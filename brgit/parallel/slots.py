"""The global concurrency cap (flock'd slot files under the store) and a shared backoff.

Every `br` process on the repository takes a slot before starting an agent, so at most
`parallel.max_concurrency` agents run at once across sessions. When an agent reports a rate
limit or overload, the worker writes a "not before" time to `backoff.json`; every worker waits
for it before starting its next agent, so they back off together.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from brgit.files import atomic_write, locked

POLL_SECONDS = 0.05
BACKOFF_BASE_SECONDS = 2.0
BACKOFF_CAP_SECONDS = 60.0


class Slots:
    def __init__(
        self, store: Path, limit: int, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.folder = store / "slots"
        self.limit = max(1, limit)
        self.sleep = sleep

    @contextmanager
    def hold(self, cancel: threading.Event | None = None) -> Iterator[int | None]:
        """Hold one slot while the block runs; yields its number (None if cancelled first)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        while True:
            for number in range(self.limit):
                with locked(self.folder / f"slot-{number}.lock", wait=False) as held:
                    if not held:
                        continue
                    yield number
                    return
            if cancel is not None and cancel.is_set():
                yield None
                return
            self.sleep(POLL_SECONDS)


class Backoff:
    """A shared "not before" time; delays double with each consecutive rate limit, up to `cap`."""

    def __init__(self, store: Path, base: float | None = None, cap: float | None = None) -> None:
        self.file = store / "backoff.json"
        self.base = BACKOFF_BASE_SECONDS if base is None else base
        self.cap = BACKOFF_CAP_SECONDS if cap is None else cap

    def _read(self) -> dict[str, float]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
            return {"until": float(data["until"]), "strikes": float(data["strikes"])}
        except (OSError, ValueError, KeyError, TypeError):
            return {"until": 0.0, "strikes": 0.0}

    def remaining(self) -> float:
        return max(0.0, self._read()["until"] - time.time())

    def strike(self) -> float:
        """Record a rate limit; returns the delay every worker now waits."""

        state = self._read()
        strikes = state["strikes"] + 1 if state["until"] > time.time() - self.cap else 1
        delay = min(self.cap, self.base * 2 ** (strikes - 1))
        until = max(state["until"], time.time() + delay)
        atomic_write(self.file, json.dumps({"until": until, "strikes": strikes}))
        return delay

    def clear(self) -> None:
        self.file.unlink(missing_ok=True)

    def wait(self, cancel: threading.Event, sleep: Callable[[float], None] = time.sleep) -> None:
        while not cancel.is_set():
            left = self.remaining()
            if left <= 0:
                return
            sleep(min(left, 0.25))
