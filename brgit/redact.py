"""Masking of credentials in text that goes to logs, crash reports and telemetry.

This is the cheap, always-on safety net (a handful of high-signal patterns). The full rule set
for scanning code lives in `brgit.security`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

# Credentials configured in the environment: their literal values are masked wherever they
# appear, whatever their shape (a gateway's key echoed back in a 401 matches no pattern).
KEY_VARS = (
    "ANTHROPIC_API_KEY",
    "ANTHROPIC_AUTH_TOKEN",
    "OPENAI_API_KEY",
    "CODEX_API_KEY",
    "OPENROUTER_API_KEY",
)
_MIN_LITERAL = 8  # shorter values would mask ordinary words

_PATTERNS = [
    re.compile(r"sk-ant-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"sk-(?:proj|svcacct|admin|or-v1)-[A-Za-z0-9_\-]{8,}"),
    re.compile(r"\bsk-[A-Za-z0-9]{20,}"),
    re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})"),
    re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b"),
    re.compile(r"\bxox[baprs]-[A-Za-z0-9-]{10,}"),
    re.compile(r"\bhf_[A-Za-z0-9]{20,}"),
    re.compile(r"\bAIza[0-9A-Za-z_\-]{35}"),
    re.compile(r"(?i)(?<=bearer )[A-Za-z0-9._\-]{16,}"),
    re.compile(r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"),
]


def mask(secret: str) -> str:
    """Show at most the first four and last four characters: `sk-a...f456`."""
    if len(secret) <= 8:
        return "*" * len(secret)
    if len(secret) < 16:
        return f"{secret[:2]}...{secret[-2:]}"
    return f"{secret[:4]}...{secret[-4:]}"


def configured_secrets(environ: dict[str, str] | None = None) -> list[str]:
    """The values of KEY_VARS set in the environment (long enough to mask safely)."""
    env = os.environ if environ is None else environ
    values = {env.get(var, "").strip() for var in KEY_VARS}
    return sorted((v for v in values if len(v) >= _MIN_LITERAL), key=len, reverse=True)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """Replace anything that looks like a credential in `text` with its masked form.

    The literal values of the configured keys (KEY_VARS) and of `secrets` are masked too.
    """
    for literal in [*secrets, *configured_secrets()]:
        if len(literal) >= _MIN_LITERAL and literal in text:
            text = text.replace(literal, mask(literal))
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: mask(m.group(0)), text)
    return text
