"""Read what agent CLIs report: Claude Code's JSON result, Codex's JSON lines, aider's cost line.

Each parser takes the CLI's whole output and returns a `Report` (None when the output holds no
report of its kind); `parse_output(fmt, text)` picks one by name, and `auto` tries them in
turn. JSON is found wherever a line starts a JSON value, so one-line, pretty-printed and
JSON-lines output all parse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from brgit.core.usage import TokenUsage, codex_usage


@dataclass
class Report:
    format: str
    is_error: bool = False
    error: str | None = None
    result: str = ""
    usages: list[TokenUsage] = field(default_factory=list)
    cost_usd: float | None = None
    num_turns: int | None = None
    found: bool = True  # False: the output held no report of this format (no usage known)
    denials: list[str] = field(default_factory=list)  # tools the agent was refused
    api_status: int | None = None  # the HTTP status of a failed model call, when reported
    api_failed: bool = False  # the run ended on a model-call failure (status or not)


def _json_objects(text: str) -> list[dict[str, Any]]:
    """Every JSON object that starts a line, whether it spans one line or many."""
    decoder = json.JSONDecoder()
    objects: list[dict[str, Any]] = []
    pos = done = 0
    for line in text.splitlines(keepends=True):
        start = pos + len(line) - len(line.lstrip())
        pos += len(line)
        if start < done or start >= pos or text[start] != "{":
            continue  # inside an object already read, blank, or not JSON
        try:
            value, done = decoder.raw_decode(text, start)
        except ValueError:
            continue
        if isinstance(value, dict):
            objects.append(value)
    return objects


def parse_claude_json(text: str, model: str = "") -> Report | None:
    """`claude -p ... --output-format json`: one result object (or stream-json's last one)."""
    results = [o for o in _json_objects(text) if o.get("type") == "result"]
    if not results:
        return None
    data = results[-1]
    subtype = str(data.get("subtype", ""))
    is_error = bool(data.get("is_error")) or subtype.startswith("error")
    status = data.get("api_error_status")
    report = Report(
        format="claude-json",
        is_error=is_error,
        error=(subtype if subtype != "success" else str(data.get("result", ""))[:200])
        if is_error
        else None,
        result=str(data.get("result", "")),
        cost_usd=_float(data.get("total_cost_usd")),
        num_turns=data.get("num_turns"),
        denials=[_denial(d) for d in data.get("permission_denials") or [] if isinstance(d, dict)],
        api_status=status if isinstance(status, int) else None,
        api_failed=is_error and data.get("terminal_reason") == "api_error",
    )
    report.usages = _claude_usages(data, model)
    return report


def _denial(denied: dict[str, Any]) -> str:
    """`Write /abs/path` or `Bash python3 x.py`: the tool and what it was asked to touch."""
    args = denied.get("tool_input") if isinstance(denied.get("tool_input"), dict) else {}
    target = (args or {}).get("file_path") or (args or {}).get("command") or ""
    return f"{denied.get('tool_name', 'tool')} {str(target)[:120]}".strip()


def _claude_usages(data: dict[str, Any], model: str) -> list[TokenUsage]:
    per_model = data.get("modelUsage")
    if isinstance(per_model, dict) and per_model:
        return [_model_usage(str(name), u) for name, u in per_model.items() if isinstance(u, dict)]
    usage = data.get("usage") or {}
    return [
        TokenUsage(
            model=model,
            input_tokens=int(usage.get("input_tokens", 0) or 0),
            output_tokens=int(usage.get("output_tokens", 0) or 0),
            cache_read_tokens=int(usage.get("cache_read_input_tokens", 0) or 0),
            cache_write_5m_tokens=int(usage.get("cache_creation_input_tokens", 0) or 0),
            reported_cost_usd=_float(data.get("total_cost_usd")),
        )
    ]


def _model_usage(name: str, u: dict[str, Any]) -> TokenUsage:
    """One `modelUsage` entry; cache writes split by lifetime when Claude Code says so."""
    hour = int(u.get("cacheCreationEphemeral1hInputTokens", 0) or 0)
    five = u.get("cacheCreationEphemeral5mInputTokens")
    if five is None:  # older versions give only the total: count it as 5-minute writes
        five = int(u.get("cacheCreationInputTokens", 0) or 0) - hour
    return TokenUsage(
        model=name,
        input_tokens=int(u.get("inputTokens", 0) or 0),
        output_tokens=int(u.get("outputTokens", 0) or 0),
        cache_read_tokens=int(u.get("cacheReadInputTokens", 0) or 0),
        cache_write_5m_tokens=int(five or 0),
        cache_write_1h_tokens=hour,
        reported_cost_usd=_float(u.get("costUSD")),
    )


def parse_codex_jsonl(text: str, model: str = "") -> Report | None:
    """`codex exec --json`: JSON lines; each `turn.completed` carries usage (no dollar cost)."""
    events = [o for o in _json_objects(text) if isinstance(o.get("type"), str)]
    turns = [e for e in events if e["type"] == "turn.completed"]
    failed = [e for e in events if e["type"] in ("turn.failed", "error")]
    if not turns and not failed:
        return None
    report = Report(format="codex-jsonl", num_turns=len(turns))
    name = model if model and not model.startswith("claude") else "codex"
    for turn in turns:
        usage = turn.get("usage")
        report.usages.append(codex_usage(usage if isinstance(usage, dict) else {}, name))
    messages = [e for e in events if e["type"] == "item.completed"]
    if messages:
        item = messages[-1].get("item") or {}
        report.result = str(item.get("text", ""))
    if failed:
        report.is_error = True
        err = failed[-1].get("error") or failed[-1].get("message") or "turn failed"
        report.error = str(err.get("message", err) if isinstance(err, dict) else err)[:200]
        status = _CODEX_STATUS.search(report.error)
        report.api_status = int(status.group(1)) if status else None
        report.api_failed = bool(status) or bool(_CODEX_UNREACHABLE.search(report.error))
    return report


# Codex's words for a model call that failed: `unexpected status 401 Unauthorized: ...`, or
# for one that never got an answer (`error sending request`, `stream disconnected`).
_CODEX_STATUS = re.compile(r"unexpected status (\d{3})")
_CODEX_UNREACHABLE = re.compile(r"error sending request|stream disconnected|connection", re.I)


_AIDER_TOKENS = re.compile(
    r"Tokens:\s*([\d.,]+)([km]?)\s*sent,\s*([\d.,]+)([km]?)\s*received\.?\s*"
    r"Cost:\s*\$([\d.]+)\s*message,\s*\$([\d.]+)\s*session",
    re.IGNORECASE,
)


def parse_aider(text: str, model: str = "") -> Report | None:
    """aider prints `Tokens: 2.1k sent, 345 received. Cost: $0.01 message, $0.03 session.`"""
    matches = list(_AIDER_TOKENS.finditer(text))
    if not matches:
        return None
    report = Report(format="aider")
    for m in matches:
        report.usages.append(
            TokenUsage(
                model=model,
                input_tokens=_count(m.group(1), m.group(2)),
                output_tokens=_count(m.group(3), m.group(4)),
                reported_cost_usd=float(m.group(5)),
            )
        )
    report.cost_usd = float(matches[-1].group(6))
    return report


def parse_aider_log(text: str, model: str = "") -> list[TokenUsage]:
    """aider's `--analytics-log` JSON lines: each `message_send` has exact token counts."""
    usages = []
    for event in _json_objects(text):
        props = event.get("properties")
        if event.get("event") != "message_send" or not isinstance(props, dict):
            continue
        usages.append(
            TokenUsage(
                model=str(props.get("main_model") or model),
                input_tokens=int(props.get("prompt_tokens", 0) or 0),
                output_tokens=int(props.get("completion_tokens", 0) or 0),
                reported_cost_usd=_float(props.get("cost")),
            )
        )
    return usages


def parse_plain(text: str, model: str = "") -> Report:
    return Report(format="plain", result=text[-2000:])


PARSERS: dict[str, Callable[[str, str], Report | None]] = {
    "claude-json": parse_claude_json,
    "codex-jsonl": parse_codex_jsonl,
    "aider": parse_aider,
    "plain": parse_plain,
}


AUTO_ORDER = ("claude-json", "codex-jsonl", "aider")  # what `auto` tries, before plain


def parse_output(fmt: str, text: str, model: str = "") -> Report:
    """Parse with the named format; `auto` tries each and falls back to plain.

    A format whose report is missing gives a Report with `found=False`, so the caller can say
    that no usage was read instead of recording 0 tokens as if it had been.
    """
    if fmt == "auto":
        for name in AUTO_ORDER:
            found = PARSERS[name](text, model)
            if found is not None:
                return found
        return Report(format="auto", result=text[-2000:], found=False)
    parser = PARSERS.get(fmt)
    if parser is None:
        from brgit.errors import ConfigError

        raise ConfigError(f"agent.output_format: unknown format {fmt!r}")
    return parser(text, model) or Report(format=fmt, result=text[-2000:], found=False)


def _count(number: str, suffix: str) -> int:
    value = float(number.replace(",", ""))
    return int(value * {"": 1, "k": 1_000, "m": 1_000_000}[suffix.lower()])


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
