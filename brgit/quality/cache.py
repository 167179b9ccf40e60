"""Facts per file, cached by content: `.buildrunner/quality/facts.json`.

The key is a SHA-256 of the file's path and bytes, the facts version and the scanner's
fingerprint, so an unchanged file is never measured twice and a changed one (or a changed
whitelist) always is. Every worktree of a repository shares the main checkout's cache: a
branch's worktree reuses the facts of every file it did not touch. A missing, corrupt or
unwritable cache only costs a re-measure; it never fails a check.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from brgit.quality.facts import FACTS_VERSION

MAX_ENTRIES = 50_000  # several checkouts' worth; the least recently used go first


def cache_key(rel: str, data: bytes, fingerprint: str) -> str:
    digest = hashlib.sha256(f"{FACTS_VERSION}\0{fingerprint}\0{rel}\0".encode())
    digest.update(data)
    return digest.hexdigest()


class FactsCache:
    def __init__(self, file: Path | None, *, max_entries: int = MAX_ENTRIES) -> None:
        self.file = file
        self.max_entries = max_entries
        self.entries: dict[str, dict[str, Any]] = self._load()
        self.hits = 0
        self.misses = 0
        self._now = time.time()

    def _load(self) -> dict[str, dict[str, Any]]:
        if self.file is None:
            return {}
        try:
            data = json.loads(self.file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict) or data.get("version") != FACTS_VERSION:
            return {}
        entries = data.get("entries")
        return entries if isinstance(entries, dict) else {}

    def get(self, key: str) -> dict[str, Any] | None:
        entry = self.entries.get(key)
        if not isinstance(entry, dict) or not isinstance(entry.get("facts"), dict):
            self.misses += 1
            return None
        entry["used"] = self._now
        self.hits += 1
        return dict(entry["facts"])

    def put(self, key: str, facts: dict[str, Any]) -> None:
        self.entries[key] = {"used": self._now, "facts": facts}

    def save(self) -> None:
        if self.file is None or not self.misses:
            return
        from brgit.files import atomic_write

        keep = sorted(self.entries.items(), key=lambda kv: -float(kv[1].get("used", 0)))
        data = {"version": FACTS_VERSION, "entries": dict(keep[: self.max_entries])}
        try:
            atomic_write(self.file, json.dumps(data, separators=(",", ":")), durable=False)
        except OSError:
            pass  # a cache that cannot be written is re-measured next time
