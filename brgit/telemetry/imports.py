"""Import what agent CLIs spent outside brgit into the one cost ledger.

Claude Code logs every session as JSON lines under `~/.claude/projects/<project>/<id>.jsonl`
(or `$CLAUDE_CONFIG_DIR/projects`); each assistant entry carries `message.id`,
`message.usage`, `message.model` and `requestId`, and one message is logged once per content
block. Each (message id, request id) becomes one ledger record keyed by that pair, so a
message logged twice, or a second import of the same logs, adds nothing. Sessions that ran in
brgit's own worktrees (`skip_under`) are left out: brgit recorded their tokens when it ran them.

    result = import_claude_code(tracker, Path("~/.claude/projects"), skip_under=worktree_root)
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brgit.core.usage import TokenUsage
from brgit.errors import NotFoundError
from brgit.llm.client import usage_from_message
from brgit.telemetry.costs import CostTracker

SYNTHETIC_MODEL = "<synthetic>"  # Claude Code's stand-in for a reply no model made (errors)


@dataclass
class ImportResult:
    source: str
    directory: str
    files: int = 0
    messages: int = 0  # distinct model replies with usage found in the logs
    imported: int = 0  # new ledger records
    already: int = 0  # replies the ledger already had (a previous import)
    brgit_runs: int = 0  # replies of sessions brgit ran itself in its worktrees (recorded then)
    corrupt_lines: int = 0
    tokens: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(("input", "output", "cache_read", "cache_write"), 0)
    )


def default_claude_dir(environ: dict[str, str] | None = None) -> Path:
    """`$CLAUDE_CONFIG_DIR/projects`, else `~/.claude/projects` (where Claude Code logs)."""
    env = os.environ if environ is None else environ
    base = env.get("CLAUDE_CONFIG_DIR") or str(Path("~/.claude").expanduser())
    return Path(base) / "projects"


def import_claude_code(
    tracker: CostTracker, folder: Path, *, skip_under: Path | None = None
) -> ImportResult:
    if not folder.is_dir():
        raise NotFoundError(f"no Claude Code logs at {folder} (a folder of <project>/*.jsonl)")
    run = _Import(tracker, ImportResult("claude-code", str(folder)), skip_under)
    for path in sorted(folder.rglob("*.jsonl")):
        run.result.files += 1
        for entry in _entries(path, run.result):
            run.add(entry)
    return run.result


def _entries(path: Path, result: ImportResult) -> Iterator[dict[str, Any]]:
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                result.corrupt_lines += 1
                continue
            if isinstance(entry, dict) and entry.get("type") == "assistant":
                yield entry


class _Import:
    def __init__(self, tracker: CostTracker, result: ImportResult, skip: Path | None) -> None:
        self.tracker = tracker
        self.result = result
        self.skip = str(skip.resolve()) + os.sep if skip else None
        records = tracker.records("all")
        self.stored = {str(r["idempotency_key"]) for r in records if r.get("idempotency_key")}
        self.seen: set[str] = set()

    def add(self, entry: dict[str, Any]) -> None:
        message = entry.get("message")
        if not isinstance(message, dict) or not isinstance(message.get("usage"), dict):
            return
        if message.get("model") == SYNTHETIC_MODEL or not message.get("id"):
            return
        usage = usage_from_message(message, request_id=entry.get("requestId"))
        key = str(usage.idempotency_key)
        if key in self.seen:
            return  # the same reply, logged once per content block
        self.seen.add(key)
        self.result.messages += 1
        if self.skip and (str(entry.get("cwd") or "") + os.sep).startswith(self.skip):
            self.result.brgit_runs += 1
            return
        if key in self.stored:
            self.result.already += 1
            return
        self.result.imported += 1
        _add_tokens(self.result, usage)
        self.tracker.track_usage(
            usage,
            finished_at=entry.get("timestamp"),
            session_id=entry.get("sessionId"),
            command_name="telemetry import",
            invocation_kind="claude-code",
            action="imported",
            cwd=entry.get("cwd"),
        )


def _add_tokens(res: ImportResult, usage: TokenUsage) -> None:
    res.tokens["input"] += usage.input_tokens
    res.tokens["output"] += usage.output_tokens
    res.tokens["cache_read"] += usage.cache_read_tokens
    res.tokens["cache_write"] += usage.cache_write_5m_tokens + usage.cache_write_1h_tokens
