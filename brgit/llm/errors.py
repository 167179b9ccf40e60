"""Sort an SDK exception into what the fallback loop should do about it.

This is the only place that knows the anthropic SDK's exception classes and error bodies;
routing works with the `Failure` values it returns.
"""

from __future__ import annotations

import email.utils
import json
import time
from dataclasses import dataclass
from typing import Any

from brgit.redact import redact

# What a failure means for the retry loop.
RATE_LIMITED = "rate_limited"  # wait, then the same model
OVERLOADED = "overloaded"  # another model
CONTEXT_TOO_LONG = "context_too_long"  # a model with a larger context window
TIMEOUT = "timeout"  # a faster model
TRANSIENT = "transient"  # 5xx or a malformed reply: the same model after a short wait
CONNECTION = "connection"  # DNS, refused, reset, TLS: the same model with backoff, never another
NOT_FOUND = "not_found"  # this model id is not served: another model
FATAL = "fatal"  # auth, billing, spend limit, bad request: stop at once

_FATAL_TYPES = {"authentication_error", "permission_error", "billing_error"}
_FATAL_CODES = {"enforced_spend_limit_reached", "credit_balance_too_low", "billing_error"}


@dataclass(frozen=True)
class Failure:
    kind: str
    status: int | None
    message: str  # redacted, one line
    retry_after: float | None = None  # seconds the server asked us to wait


def _body_error(exc: Any) -> dict[str, Any]:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        return inner if isinstance(inner, dict) else {}
    return {}


def _one_line(text: str) -> str:
    return redact(" ".join(str(text).split()))[:300]


def retry_after_seconds(headers: Any, now: float | None = None) -> float | None:
    """`retry-after-ms`, else `retry-after` (seconds or an HTTP date), as seconds."""
    if headers is None:
        return None
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def classify(exc: BaseException) -> Failure | None:
    """The Failure an SDK exception stands for; None for anything that is not the SDK's.

    A JSONDecodeError counts as a malformed API response, so callers parse the model's own
    text outside the call they hand to the FallbackHandler.
    """
    import anthropic

    if isinstance(exc, json.JSONDecodeError):  # the SDK lets a non-JSON body through as is
        return Failure(TRANSIENT, None, f"malformed response body: {_one_line(str(exc))}")
    if not isinstance(exc, anthropic.APIError):
        return None
    message = _one_line(str(exc) or type(exc).__name__)
    if isinstance(exc, anthropic.APITimeoutError):
        return Failure(TIMEOUT, None, message or "request timed out")
    if isinstance(exc, anthropic.APIConnectionError):
        return Failure(CONNECTION, None, _connection_message(exc, message))
    if not isinstance(exc, anthropic.APIStatusError):  # e.g. a response that is not JSON
        return Failure(TRANSIENT, None, message)
    return _classify_status(exc.status_code, _body_error(exc), exc.response.headers, message)


def _connection_message(exc: BaseException, message: str) -> str:
    """The SDK says "Connection error."; the cause (refused, DNS, TLS) is what helps."""
    cause = exc.__cause__ or exc.__context__
    while cause is not None and (cause.__cause__ or cause.__context__) is not None:
        cause = cause.__cause__ or cause.__context__
    detail = _one_line(f"{type(cause).__name__}: {cause}") if cause is not None else ""
    return f"{message} ({detail})"[:300] if detail else message


def classify_reported(status: int | None, text: str) -> Failure:
    """The Failure an agent CLI reported in words (and an HTTP status, when it gives one)."""
    if status is not None:
        return _classify_status(status, {"message": text}, None, _one_line(text))
    lowered = text.lower()
    if "credit balance" in lowered or "billing" in lowered:
        return Failure(FATAL, None, _one_line(text))
    if "rate limit" in lowered or "rate_limit" in lowered:
        return Failure(RATE_LIMITED, None, _one_line(text))
    if "overloaded" in lowered:
        return Failure(OVERLOADED, None, _one_line(text))
    return Failure(CONNECTION, None, _one_line(text))


def _classify_status(status: int, err: dict[str, Any], headers: Any, message: str) -> Failure:
    kind_name = str(err.get("type", ""))
    text = str(err.get("message", "")) or message
    details = err.get("details") if isinstance(err.get("details"), dict) else {}
    code = str((details or {}).get("error_code", ""))
    line = _one_line(f"{status} {kind_name}: {text}" if kind_name else f"{status}: {text}")
    if status in (401, 403) or kind_name in _FATAL_TYPES or code in _FATAL_CODES:
        return Failure(FATAL, status, line)
    if status == 402 or "credit balance" in text.lower():
        return Failure(FATAL, status, line)
    if status == 429:
        return Failure(RATE_LIMITED, status, line, retry_after_seconds(headers))
    if status == 529 or kind_name == "overloaded_error":
        return Failure(OVERLOADED, status, line, retry_after_seconds(headers))
    if status in (400, 413) and "prompt is too long" in text.lower():
        return Failure(CONTEXT_TOO_LONG, status, line)
    if status == 404:
        return Failure(NOT_FOUND, status, line)
    if status in (408, 504):
        return Failure(TIMEOUT, status, line)
    if status >= 500:
        return Failure(TRANSIENT, status, line, retry_after_seconds(headers))
    return Failure(FATAL, status, line)
