"""CostTracker: the token and cost ledger (minimal foundation version).

FOUNDATION CONTRACT (other packages rely on it):
    CostTracker(root: Path | None = None)
    tracker.track_usage(usage: TokenUsage, **context) -> dict   # context: task_id, session_id,
        agent_id, role, command_name, action, invocation_kind, started_at, finished_at,
        duration_ms ... ; returns the stored record; never raises.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from brgit import paths
from brgit.core.usage import TokenUsage


class CostTracker:
    def __init__(self, root: Path | None = None) -> None:
        store = (root / paths.STORE_DIRNAME) if root else paths.store_dir()
        self.directory = store / "costs"
        self.errors = 0

    def track_usage(self, usage: TokenUsage, **context: Any) -> dict[str, Any]:
        from brgit.routing.catalog import load_catalog

        cost = load_catalog().cost(usage)
        record = {
            "timestamp": dt.datetime.now(dt.UTC).isoformat(),
            **dataclasses.asdict(usage),
            "cost_usd": cost.usd,
            "price_version": cost.price_version,
            **context,
        }
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.directory / "ledger.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            try:
                os.write(fd, (json.dumps(record, default=str) + "\n").encode())
            finally:
                os.close(fd)
        except OSError:
            self.errors += 1
        return record
