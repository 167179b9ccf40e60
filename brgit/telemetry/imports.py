"""Import what agent CLIs spent outside brgit into the one cost ledger.

Claude Code logs every session as JSON lines under `~/.claude/projects/<project>/<id>.jsonl`
(or `$CLAUDE_CONFIG_DIR/projects`); each assistant entry carries `message.id`,
`message.usage`, `message.model` and `requestId`, and one message is logged once per content
block. Each (message id, request id) becomes one ledger record keyed by that pair, so a
message logged twice, or a second import of the same logs, adds nothing. Sessions that ran in
brgit's own worktrees (`skip_under`) are left out: brgit recorded their tokens when it ran them.
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
            for entry in json_lines(path, run.result):
                if entry.get("type") == "assistant":
                    _add_claude(run, entry)
    return run.result


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


def _add_claude(run: LedgerImport, entry: dict[str, Any]) -> None:
    message = entry.get("message")
    if not isinstance(message, dict) or not isinstance(message.get("usage"), dict):
        return
    if message.get("model") == SYNTHETIC_MODEL or not message.get("id"):
        return
    run.offer(
        usage_from_message(message, request_id=entry.get("requestId")),
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

    def offer(self, usage: TokenUsage, *, cwd: Any, **context: Any) -> None:
        """Record `usage` (keyed by its idempotency key) unless it is already counted."""
        key = str(usage.idempotency_key)
        if key in self.seen:
            return  # the same reply, logged again
        self.seen.add(key)
        self.result.messages += 1
        if self.skip and (str(cwd or "") + os.sep).startswith(self.skip):
            self.result.brgit_runs += 1
            return
        if key in self.stored:
            self.result.already += 1
            return
        self._record(usage, cwd=cwd, **context)

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
