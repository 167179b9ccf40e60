"""Codex session logs ("rollouts") written by hand, in the shape Codex 0.171.0 writes them.

The shape was read from logs the real CLI wrote against tests/fakes/openai_server.py (see
docs/INTEGRATION.md, "Importing what agents did outside brgit"): a `session_meta` line, a
`turn_context` per turn, and per model response a `token_usage_record` (its own usage, keyed
by `response_id`, with running turn and thread totals) followed by an `event_msg` of type
`token_count` that repeats the running totals.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

FIELDS = ("input_tokens", "cached_input_tokens", "cache_write_input_tokens", "output_tokens",
          "reasoning_output_tokens")


def usage(
    input_tokens: int, cached: int = 0, written: int = 0, output: int = 0, reasoning: int = 0
) -> dict[str, int]:
    counts = dict(zip(FIELDS, (input_tokens, cached, written, output, reasoning), strict=True))
    return {**counts, "total_tokens": input_tokens + output}


def _plus(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {k: a.get(k, 0) + b.get(k, 0) for k in (*FIELDS, "total_tokens")}


class Rollout:
    def __init__(
        self, session: str, cwd: Path, *, parent: Rollout | None = None, day: str = ""
    ) -> None:
        self.session, self.cwd = session, str(cwd)
        self.day = day or dt.datetime.now(dt.UTC).date().isoformat()
        self.lines: list[dict[str, Any]] = []
        self.ordinal = parent.ordinal if parent else 0  # a fork numbers on from its parent
        self.thread = dict(parent.thread) if parent else usage(0)  # and its totals start there
        self.turn_id = ""
        self.turn_total = usage(0)
        meta: dict[str, Any] = {"id": session, "session_id": session, "cwd": self.cwd,
                                "cli_version": "0.171.0", "model_provider": "openai"}
        if parent:
            meta["forked_from_id"] = parent.session
        self.add("session_meta", meta)

    def add(self, kind: str, payload: dict[str, Any]) -> None:
        stamp = f"{self.day}T10:{len(self.lines) // 60:02d}:{len(self.lines) % 60:02d}.000Z"
        self.lines.append(
            {"timestamp": stamp, "ordinal": self.ordinal, "type": kind, "payload": payload}
        )
        self.ordinal += 1

    def turn(self, turn_id: str, model: str = "gpt-5.5", cwd: Path | None = None) -> Rollout:
        self.turn_id, self.turn_total = turn_id, usage(0)
        self.add("event_msg", {"type": "task_started", "turn_id": turn_id})
        self.add("turn_context", {"turn_id": turn_id, "root_turn_id": turn_id, "model": model,
                                  "cwd": str(cwd) if cwd else self.cwd})
        return self

    def reply(self, response_id: str | None, counts: dict[str, int]) -> Rollout:
        self.turn_total = _plus(self.turn_total, counts)
        self.thread = _plus(self.thread, counts)
        record: dict[str, Any] = {
            "thread_id": self.session, "turn_id": self.turn_id, "session_id": self.session,
            "root_turn_id": self.turn_id, "response_id": response_id, "usage": counts,
            "turn_token_usage": self.turn_total, "thread_token_usage": self.thread,
        }
        if response_id is None:
            del record["response_id"]
        self.add("token_usage_record", record)
        return self.totals(counts)

    def totals(self, last: dict[str, int]) -> Rollout:
        """The `token_count` event: running totals only (what older Codex logs hold)."""
        info = {"total_token_usage": self.thread, "last_token_usage": last,
                "model_context_window": 258400}
        self.add("event_msg", {"type": "token_count", "info": info, "rate_limits": None})
        return self

    def write(self, sessions: Path, *, extra: str = "") -> Path:
        folder = sessions / self.day.replace("-", "/")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"rollout-{self.day}T10-00-00-{self.session}.jsonl"
        path.write_text("".join(json.dumps(line) + "\n" for line in self.lines) + extra)
        return path
