"""Import Codex's own session logs (`$CODEX_HOME/sessions`) into the cost ledger.

Codex (checked with 0.171.0) writes one "rollout" per session,
`sessions/YYYY/MM/DD/rollout-<time>-<session id>.jsonl`, each line `{timestamp, ordinal,
type, payload}`. What this reads:

- `session_meta`: the session's `id` and `cwd`;
- `turn_context`: per turn (`turn_id`), the `model` and `cwd`;
- `token_usage_record`: one per model response, with `response_id` (the Responses API's
  `resp_...`), `turn_id`, `session_id` and that response's own `usage` (beside running
  `turn_token_usage` and `thread_token_usage` totals, which are not read).

Each record becomes one ledger record keyed by its response id, so a second import adds
nothing. `codex exec resume` appends to the same file; `codex exec fork` starts a new file
that does not copy the parent's records (its running totals start from the parent's, so
they are never summed). `event_msg` lines of type `token_count` carry only running totals;
a file that has them but no `token_usage_record` is counted, not imported.

    result = import_codex(tracker, default_codex_dir(), skip_under=worktree_root)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from brgit.core.usage import codex_usage
from brgit.errors import NotFoundError
from brgit.telemetry.costs import CostTracker
from brgit.telemetry.imports import ImportResult, LedgerImport, json_lines

UNKNOWN_MODEL = "codex"  # no turn_context named the model (as brgit's own Codex runs record)


def default_codex_dir(environ: dict[str, str] | None = None) -> Path:
    """`$CODEX_HOME/sessions`, else `~/.codex/sessions` (where Codex logs)."""
    env = os.environ if environ is None else environ
    base = env.get("CODEX_HOME") or str(Path("~/.codex").expanduser())
    return Path(base) / "sessions"


def import_codex(
    tracker: CostTracker, folder: Path, *, skip_under: Path | None = None
) -> ImportResult:
    if not folder.is_dir():
        raise NotFoundError(
            f"no Codex logs at {folder} (a folder of YYYY/MM/DD/rollout-*.jsonl)"
        )
    with LedgerImport(tracker, ImportResult("codex", str(folder)), skip_under) as run:
        for path in sorted(folder.rglob("rollout-*.jsonl")):
            run.result.files += 1
            _Rollout(run).read(path)
    return run.result


@dataclass
class _Turn:
    model: str
    cwd: str | None


@dataclass
class _Rollout:
    """One session file: the turns seen so far, then each usage record offered."""

    run: LedgerImport
    session: str | None = None
    cwd: str | None = None
    turns: dict[str, _Turn] = field(default_factory=dict)
    last: _Turn | None = None
    records: int = 0
    totals: int = 0

    def read(self, path: Path) -> None:
        for entry in json_lines(path, self.run.result):
            payload = entry.get("payload")
            if isinstance(payload, dict):
                self.take(entry, payload)
        if self.totals and not self.records:
            self.run.result.totals_only_files += 1

    def take(self, entry: dict[str, Any], payload: dict[str, Any]) -> None:
        kind = entry.get("type")
        if kind == "session_meta":
            self.session = _text(payload.get("id")) or self.session
            self.cwd = _text(payload.get("cwd")) or self.cwd
        elif kind == "turn_context":
            turn = _Turn(_text(payload.get("model")) or UNKNOWN_MODEL, _text(payload.get("cwd")))
            self.turns[str(payload.get("turn_id"))] = self.last = turn
        elif kind == "token_usage_record":
            self.records += 1
            self.offer(entry, payload)
        elif kind == "event_msg" and payload.get("type") == "token_count":
            self.totals += 1

    def offer(self, entry: dict[str, Any], payload: dict[str, Any]) -> None:
        turn = self.turns.get(str(payload.get("turn_id"))) or self.last
        session = _text(payload.get("session_id")) or self.session
        key = _text(payload.get("response_id"))
        if not key and session and isinstance(entry.get("ordinal"), int):
            key = f"{session}#{entry['ordinal']}"  # a provider that names no response
        usage = payload.get("usage")
        try:
            if not key or not isinstance(usage, dict):
                raise ValueError("a usage record with no usage or no id")
            tokens = codex_usage(usage, turn.model if turn else UNKNOWN_MODEL)
        except ValueError:
            self.run.result.corrupt_lines += 1
            return
        tokens.message_id = key
        self.run.offer(
            tokens,
            key=f"codex:{key}",
            legacy=f"{key}:",  # what imports keyed on (message id, request id) stored
            cwd=(turn.cwd if turn else None) or self.cwd,
            finished_at=entry.get("timestamp"),
            session_id=session,
        )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
