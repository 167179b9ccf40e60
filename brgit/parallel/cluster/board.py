"""The cancellation board: how a stop reaches an attempt that runs on another node.

`ray.cancel` does not interrupt a task blocked waiting for its agent, and `force=True` kills
the Ray worker but not the agent's process group (started in a session of its own). So each
task asks the board whether it was cancelled, twice a second, and kills its agent's group
itself; a task that was dropped before it started returns at once.
"""

from __future__ import annotations


class Board:
    """One per session's driver, as a Ray actor (no CPU)."""

    def __init__(self) -> None:
        self.dropped_keys: set[str] = set()  # do not start
        self.stopped_keys: set[str] = set()  # stop now: kill the agent
        self.where: dict[str, str] = {}  # attempt key -> node id, once it started

    def cancel(self, key: str, force: bool) -> None:
        self.dropped_keys.add(key)
        if force:
            self.stopped_keys.add(key)

    def start(self, key: str, node: str) -> bool:
        """An attempt starts on `node`; False when it was dropped before it could."""
        if key in self.dropped_keys:
            return False
        self.where[key] = node
        return True

    def cancelled(self, key: str) -> bool:
        return key in self.stopped_keys

    def nodes(self) -> dict[str, str]:
        return dict(self.where)
