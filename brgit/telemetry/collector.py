"""EventCollector: append events to `.buildrunner/telemetry/` (minimal foundation version).

FOUNDATION CONTRACT (other packages rely on it):
    EventCollector(root: Path | None = None)   # root = main worktree; None: the current repo
    collector.collect_event({"event_type": "task_started", "task_id": ..., ...}) -> None
    Never raises; a storage error is counted and logged.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from pathlib import Path
from typing import Any

from brgit import paths

SCHEMA_VERSION = 1


class EventCollector:
    def __init__(self, root: Path | None = None) -> None:
        store = (root / paths.STORE_DIRNAME) if root else paths.store_dir()
        self.directory = store / "telemetry"
        self.errors = 0

    def collect_event(self, event: dict[str, Any]) -> None:
        record = {
            "schema_version": SCHEMA_VERSION,
            "event_id": uuid.uuid4().hex,
            "timestamp": dt.datetime.now(dt.UTC).isoformat(),
            **event,
        }
        record.setdefault("event_type", record.pop("type", "unknown"))
        line = (json.dumps(record, default=str) + "\n").encode()
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.directory / "events.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        except OSError:
            self.errors += 1
