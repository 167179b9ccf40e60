"""Token usage of one model call, as reported by the SDK or an agent CLI."""

from __future__ import annotations

import os
from dataclasses import dataclass, field


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
