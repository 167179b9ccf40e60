"""Per-model cooldown shared by every process of a repository.

A model that fails `FAILURES_BEFORE_COOLDOWN` times in a row (overloaded, timeouts, server
errors) is skipped for `routing.cooldown_seconds`. The state lives in
`.buildrunner/routing/cooldown.json`, updated under an exclusive lock so parallel workers see
each other's failures; a success clears the model's count.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from brgit import paths
from brgit.files import atomic_write, locked

FAILURES_BEFORE_COOLDOWN = 2


class Cooldowns:
    def __init__(
        self, root: Path | None, seconds: float, clock: Callable[[], float] = time.time
    ) -> None:
        store = (root / paths.STORE_DIRNAME) if root else paths.store_dir()
        self.file = store / "routing" / "cooldown.json"
        self.seconds = seconds
        self.clock = clock

    def cooling(self, model_id: str) -> float:
        """Seconds left in the model's cooldown (0 when it may be called)."""
        entry = self._read().get(model_id, {})
        return max(0.0, float(entry.get("until", 0)) - self.clock())

    def failed(self, model_id: str) -> bool:
        """Count a failure; True when it starts a cooldown."""
        with self._locked() as state:
            entry = state.setdefault(model_id, {"failures": 0, "until": 0})
            entry["failures"] = int(entry.get("failures", 0)) + 1
            if entry["failures"] >= FAILURES_BEFORE_COOLDOWN and self.seconds > 0:
                entry["until"] = self.clock() + self.seconds
                entry["failures"] = 0
                return True
            return False

    def succeeded(self, model_id: str) -> None:
        if model_id not in self._read():
            return
        with self._locked() as state:
            state.pop(model_id, None)

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # missing or corrupt: no model is cooling down
        return data if isinstance(data, dict) else {}

    @contextlib.contextmanager
    def _locked(self) -> Iterator[dict[str, Any]]:
        with contextlib.ExitStack() as stack:
            try:
                self.file.parent.mkdir(parents=True, exist_ok=True)
                stack.enter_context(locked(self.file.with_suffix(".lock")))
            except OSError:
                yield {}  # a read-only or full store must not stop a model call
                return
            state = self._read()
            yield state
            self._write(state)

    def _write(self, state: dict[str, Any]) -> None:
        with contextlib.suppress(OSError):  # a full store: the cooldown is simply not kept
            atomic_write(self.file, json.dumps(state, sort_keys=True), durable=False)
