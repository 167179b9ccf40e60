"""Token usage of one model call, as reported by the SDK or an agent CLI."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def new_call_id() -> str:
    """An id no other model call can have: 96 random bits."""
    return os.urandom(12).hex()


@dataclass
class TokenUsage:
    """Anthropic semantics: `input_tokens` EXCLUDES cached tokens (read or written)."""

    model: str
    provider: str = "anthropic"
    input_tokens: int = 0
    output_tokens: int = 0  # thinking tokens included, as billed
    cache_read_tokens: int = 0
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    thinking_tokens: int = 0  # informational part of output_tokens, when reported
    message_id: str | None = None
    request_id: str | None = None
    reported_cost_usd: float | None = None  # what an agent CLI itself reported, if anything
    # made once, when the call's usage is read: the same usage recorded twice (a retried
    # bookkeeping step) counts once, while two calls that a gateway gave the same message and
    # request ids count twice. Not part of equality: two readings of one reply compare equal.
    call_id: str = field(default_factory=new_call_id, compare=False)

    @property
    def total_input_tokens(self) -> int:
        """All prompt tokens, cached ones included (OpenTelemetry's gen_ai.usage.input_tokens)."""
        return (
            self.input_tokens
            + self.cache_read_tokens
            + self.cache_write_5m_tokens
            + self.cache_write_1h_tokens
        )

    @property
    def idempotency_key(self) -> str:
        """What the cost ledger de-duplicates on (docs/TELEMETRY.md, "De-duplication")."""
        return f"call:{self.call_id}"


def codex_usage(fields: Mapping[str, Any], model: str) -> TokenUsage:
    """Usage as Codex logs and prints it (OpenAI's Responses API counts, passed through):
    `input_tokens` counts every prompt token, cache reads (`cached_input_tokens`) and cache
    writes (`cache_write_input_tokens`) included; `output_tokens` includes
    `reasoning_output_tokens`. Turned into Anthropic's split, where input excludes both.
    A count that is not a whole number >= 0 raises ValueError."""
    read = _count(fields, "cached_input_tokens")
    written = _count(fields, "cache_write_input_tokens")
    return TokenUsage(
        model=model,
        provider="openai",
        input_tokens=max(_count(fields, "input_tokens") - read - written, 0),
        output_tokens=_count(fields, "output_tokens"),
        cache_read_tokens=read,
        cache_write_5m_tokens=written,
        thinking_tokens=_count(fields, "reasoning_output_tokens"),
    )


def _count(fields: Mapping[str, Any], name: str) -> int:
    """A token count; absent is 0, anything but a whole number >= 0 is a ValueError."""
    value = fields.get(name) or 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} is not a token count: {value!r}")
    return value
