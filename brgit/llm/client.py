"""Build an Anthropic client and read usage and text from its responses.

The client's `max_retries` is always 0: `brgit.routing.fallback.FallbackHandler` owns the only
retry loop. Callers get the key through `brgit.llm.keys.KeyManager`, which checks it.
"""

from __future__ import annotations

import json
import os
from typing import Any

from brgit.core.usage import TokenUsage


def make_client(
    api_key: str | None = None, base_url: str | None = None, timeout: float = 120.0
) -> Any:
    from brgit.extras import require

    require("anthropic", "calling a Claude model needs the anthropic SDK")
    import anthropic

    return anthropic.Anthropic(
        api_key=api_key or os.environ.get("ANTHROPIC_API_KEY"),
        base_url=base_url or os.environ.get("ANTHROPIC_BASE_URL") or None,
        timeout=timeout,
        max_retries=0,
    )


def _get(obj: Any, name: str, default: Any = 0) -> Any:
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def usage_from_message(message: Any, request_id: str | None = None) -> TokenUsage:
    """TokenUsage from a Messages API response (SDK object or plain dict)."""
    usage = _get(message, "usage", None) or {}
    creation = _get(usage, "cache_creation", None)
    five = _get(creation, "ephemeral_5m_input_tokens", 0) if creation else 0
    hour = _get(creation, "ephemeral_1h_input_tokens", 0) if creation else 0
    total_creation = _get(usage, "cache_creation_input_tokens", 0) or 0
    if not creation:  # older responses only give the total: treat it as 5-minute writes
        five = total_creation
    return TokenUsage(
        model=str(_get(message, "model", "") or ""),
        input_tokens=int(_get(usage, "input_tokens", 0) or 0),
        output_tokens=int(_get(usage, "output_tokens", 0) or 0),
        cache_read_tokens=int(_get(usage, "cache_read_input_tokens", 0) or 0),
        cache_write_5m_tokens=int(five or 0),
        cache_write_1h_tokens=int(hour or 0),
        message_id=_get(message, "id", None),
        request_id=request_id or _get(message, "_request_id", None),
    )


def text_of(message: Any) -> str:
    """The text blocks of a Messages API response, joined."""
    blocks = getattr(message, "content", None) or []
    return "".join(getattr(b, "text", "") for b in blocks if getattr(b, "type", "") == "text")


def reply_json(text: str) -> Any:
    """The JSON object a model was asked to reply with, found in its reply (models wrap it in
    prose or code fences); ValueError, in words for a note, when there is none."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        raise ValueError("the reply holds no JSON object")
    try:
        return json.loads(text[start : end + 1])
    except json.JSONDecodeError as exc:
        raise ValueError(f"the reply is not valid JSON: {exc.msg}") from None
