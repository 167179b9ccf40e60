"""Read what agent CLIs report: Claude Code's JSON result, Codex's JSON lines, aider's cost line.

Each parser takes the CLI's whole output and returns a `Report`; `parse_output(fmt, text)`
picks one by name, and `auto` tries them in turn.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from brgit.core.usage import TokenUsage


@dataclass
class Report:
    format: str
    is_error: bool = False
    error: str | None = None
    result: str = ""
    usages: list[TokenUsage] = field(default_factory=list)
    cost_usd: float | None = None
    num_turns: int | None = None


def _json_objects(text: str) -> list[dict[str, Any]]:
    objects = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
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
    report = Report(
        format="claude-json",
        is_error=is_error,
        error=(subtype if subtype != "success" else str(data.get("result", ""))[:200])
        if is_error
        else None,
        result=str(data.get("result", "")),
        cost_usd=_float(data.get("total_cost_usd")),
        num_turns=data.get("num_turns"),
    )
    report.usages = _claude_usages(data, model)
    return report


def _claude_usages(data: dict[str, Any], model: str) -> list[TokenUsage]:
    per_model = data.get("modelUsage")
    if isinstance(per_model, dict) and per_model:
        return [
            TokenUsage(
                model=str(name),
                input_tokens=int(u.get("inputTokens", 0) or 0),
                output_tokens=int(u.get("outputTokens", 0) or 0),
                cache_read_tokens=int(u.get("cacheReadInputTokens", 0) or 0),
                cache_write_5m_tokens=int(u.get("cacheCreationInputTokens", 0) or 0),
                reported_cost_usd=_float(u.get("costUSD")),
            )
            for name, u in per_model.items()
            if isinstance(u, dict)
        ]
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


def parse_codex_jsonl(text: str, model: str = "") -> Report | None:
    """`codex exec --json`: JSON lines; each `turn.completed` carries usage (no dollar cost)."""
    events = [o for o in _json_objects(text) if isinstance(o.get("type"), str)]
    turns = [e for e in events if e["type"] == "turn.completed"]
    failed = [e for e in events if e["type"] in ("turn.failed", "error")]
    if not turns and not failed:
        return None
    report = Report(format="codex-jsonl", num_turns=len(turns))
    for turn in turns:
        usage = turn.get("usage") or {}
        cached = int(usage.get("cached_input_tokens", 0) or 0)
        report.usages.append(
            TokenUsage(
                model=model if model and not model.startswith("claude") else "codex",
                provider="openai",
                input_tokens=max(int(usage.get("input_tokens", 0) or 0) - cached, 0),
                output_tokens=int(usage.get("output_tokens", 0) or 0),
                cache_read_tokens=cached,
            )
        )
    messages = [e for e in events if e["type"] == "item.completed"]
    if messages:
        item = messages[-1].get("item") or {}
        report.result = str(item.get("text", ""))
    if failed:
        report.is_error = True
        err = failed[-1].get("error") or failed[-1].get("message") or "turn failed"
        report.error = str(err.get("message", err) if isinstance(err, dict) else err)[:200]
    return report


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
    """Parse with the named format; `auto` tries each and falls back to plain."""
    if fmt == "auto":
        for name in AUTO_ORDER:
            found = PARSERS[name](text, model)
            if found is not None:
                return found
        return parse_plain(text, model)
    parser = PARSERS.get(fmt)
    if parser is None:
        from brgit.errors import ConfigError

        raise ConfigError(f"agent.output_format: unknown format {fmt!r}")
    return parser(text, model) or Report(format=fmt, result=text[-2000:])


def _count(number: str, suffix: str) -> int:
    value = float(number.replace(",", ""))
    return int(value * {"": 1, "k": 1_000, "m": 1_000_000}[suffix.lower()])


def _float(value: Any) -> float | None:
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
