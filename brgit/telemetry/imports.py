"""Import what agent CLIs spent outside brgit into the one cost ledger.

Claude Code logs every session as JSON lines under `~/.claude/projects/<project>/<id>.jsonl`
(or `$CLAUDE_CONFIG_DIR/projects`); each assistant entry carries `uuid`, `parentUuid`,
`message.id`, `message.usage`, `message.model` and `requestId`, and one reply is logged once
per content block, each block's entry the child of the previous one. So a reply is a chain of
entries with the same (message id, request id); an entry with those ids whose parent is not
part of the reply is a new reply (a gateway that repeats ids). Each reply becomes one ledger
record keyed `claude-code:<message id>:<request id>:<n>` (n counts the earlier replies of the
session file with the same ids): a second import adds nothing, and a transcript Claude Code
copied into another session counts once. Without a request id (gateways often send none)
the key is scoped to the session: `claude-code:<session>:<message id>::<n>`. Keys of
imports by earlier versions (`<message id>:<request id>`) are recognised, so re-importing
after an upgrade counts nothing twice. Sessions that ran in brgit's own worktrees
(`skip_under`) are left out: brgit recorded their tokens when it ran them.

Codex's logs are read by `brgit.telemetry.codex_logs` through the same `LedgerImport`.

    result = import_claude_code(tracker, Path("~/.claude/projects"), skip_under=worktree_root)
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from brgit.core.usage import TokenUsage
from brgit.errors import NotFoundError, TelemetryError
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
    unpriced: dict[str, int] = field(default_factory=dict)  # model -> imported, not in catalog
    totals_only_files: int = 0  # Codex logs with running totals but no per-reply records
    not_stored: int = 0  # new records the ledger failed to write (a full disk): not imported


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
    with LedgerImport(tracker, ImportResult("claude-code", str(folder)), skip_under) as run:
        for path in sorted(folder.rglob("*.jsonl")):
            run.result.files += 1
            replies = _Replies()
            for entry in json_lines(path, run.result):
                if entry.get("type") == "assistant":
                    _add_claude(run, entry, replies)
    return run.result


class _Replies:
    """The replies of one session file: which entry belongs to which, and their keys."""

    def __init__(self) -> None:
        self.reply_of: dict[str, tuple[tuple[str, str], str]] = {}  # entry uuid -> ids, key
        self.counts: dict[tuple[str, str], int] = {}  # replies so far per (message, request)
        self.last: tuple[tuple[str, str], str] | None = None  # the previous entry's ids, key

    def key(self, entry: dict[str, Any], ids: tuple[str, str]) -> tuple[str, bool]:
        """The entry's reply key, and whether the entry starts that reply."""
        parent = entry.get("parentUuid")
        # a block continues the reply its parent is part of; in a log without uuids,
        # consecutive entries with the same ids are one reply
        has_parent = isinstance(parent, str) and bool(parent)
        before = self.reply_of.get(str(parent)) if has_parent else self.last
        starts = before is None or before[0] != ids
        if before is not None and not starts:
            key = before[1]
        else:
            n = self.counts.get(ids, 0)
            self.counts[ids] = n + 1
            message, request = ids
            scope = message if request else f"{entry.get('sessionId') or ''}:{message}"
            key = f"claude-code:{scope}:{request}:{n}"
        uuid = entry.get("uuid")
        if isinstance(uuid, str) and uuid:
            self.reply_of[uuid] = (ids, key)
        self.last = (ids, key)
        return key, starts


def json_lines(path: Path, result: ImportResult) -> Iterator[dict[str, Any]]:
    """Each JSON object line of `path`; a line that is not one is counted as corrupt."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                entry = None
            if isinstance(entry, dict):
                yield entry
            else:
                result.corrupt_lines += 1


def _add_claude(run: LedgerImport, entry: dict[str, Any], replies: _Replies) -> None:
    message = entry.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("usage"), dict):
        return
    if message.get("model") == SYNTHETIC_MODEL or not message.get("id"):
        return
    request = entry.get("requestId")
    ids = (str(message["id"]), str(request) if request else "")
    key, starts = replies.key(entry, ids)
    if not starts:
        return  # the same reply, logged once per content block
    run.offer(
        usage_from_message(message, request_id=request),
        key=key,
        legacy=f"{ids[0]}:{ids[1]}" if key.endswith(":0") else None,
        cwd=entry.get("cwd"),
        finished_at=entry.get("timestamp"),
        session_id=entry.get("sessionId"),
    )


class LedgerImport:
    """One import run: each reply once, brgit's own runs and earlier imports left out.

    Used as a context manager: while it runs, the ledger's per-record "unknown model" log
    line is held back, since the result counts them per model (`unpriced`) for one warning.
    """

    def __init__(self, tracker: CostTracker, result: ImportResult, skip: Path | None) -> None:
        if not tracker.telemetry.enabled:
            raise TelemetryError(
                "telemetry is off ([telemetry] enabled = false): the cost ledger takes no "
                "records, so there is nothing to import into"
            )
        self.tracker = tracker
        self.result = result
        self.skip = str(skip.resolve()) + os.sep if skip else None
        records = tracker.records("all")
        self.stored = {str(r["idempotency_key"]) for r in records if r.get("idempotency_key")}
        self.seen: set[str] = set()
        self._quiet = _UnpricedFilter()

    def __enter__(self) -> LedgerImport:
        logging.getLogger("brgit.telemetry").addFilter(self._quiet)
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        logging.getLogger("brgit.telemetry").removeFilter(self._quiet)

    def offer(
        self, usage: TokenUsage, *, key: str, cwd: Any, legacy: str | None = None, **context: Any
    ) -> None:
        """Record `usage` under `key` (stable across imports of the same logs) unless it, or
        `legacy` (the key an earlier version stored for it), is already counted."""
        if key in self.seen:
            return  # the same reply, logged again (or copied into another session)
        self.seen.add(key)
        self.result.messages += 1
        if self.skip and (str(cwd or "") + os.sep).startswith(self.skip):
            self.result.brgit_runs += 1
            return
        if key in self.stored or legacy in self.stored:
            self.result.already += 1
            return
        self._record(usage, idempotency_key=key, cwd=cwd, **context)

    def _record(self, usage: TokenUsage, **context: Any) -> None:
        failed = self.tracker.errors
        record = self.tracker.track_usage(
            usage,
            command_name="telemetry import",
            invocation_kind=self.result.source,
            action="imported",
            **context,
        )
        if self.tracker.errors > failed:
            self.result.not_stored += 1
            return
        self.result.imported += 1
        _add_tokens(self.result, usage)
        if record.get("unknown_model"):
            self.result.unpriced[usage.model] = self.result.unpriced.get(usage.model, 0) + 1


class _UnpricedFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("telemetry: unknown model")


def _add_tokens(res: ImportResult, usage: TokenUsage) -> None:
    res.tokens["input"] += usage.input_tokens
    res.tokens["output"] += usage.output_tokens
    res.tokens["cache_read"] += usage.cache_read_tokens
    res.tokens["cache_write"] += usage.cache_write_5m_tokens + usage.cache_write_1h_tokens
