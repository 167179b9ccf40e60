"""Token usage of one model call, as reported by the SDK or an agent CLI."""

from __future__ import annotations

from dataclasses import dataclass


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
    def idempotency_key(self) -> str | None:
        if not (self.message_id or self.request_id):
            return None
        return f"{self.message_id or ''}:{self.request_id or ''}"
