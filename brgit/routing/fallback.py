"""FallbackHandler: the one retry loop around model calls (the SDK's own retries are off).

    handler = FallbackHandler(catalog, cfg, root=repo)
    result = handler.run(lambda model_id: client.messages.create(model=model_id, ...), "haiku")
    result.value, result.model_id, result.attempts

Rate limit -> wait `retry-after-ms`/`retry-after`, then the same model; overloaded (529) ->
the next model; "prompt is too long" -> a model with a larger context window; timeout -> a
faster model; 5xx -> the same model after a short backoff; a connection failure (refused,
DNS, TLS) -> the same model with backoff, never another (it says nothing about the model);
auth, billing or spend-limit errors -> APIError (exit 5) at once. At most
`routing.max_attempts` calls; a model that keeps failing is cooled down for
`routing.cooldown_seconds` across processes. Every decision becomes a telemetry event.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from brgit.errors import APIError
from brgit.llm import errors as kinds
from brgit.routing.cooldown import Cooldowns

if TYPE_CHECKING:
    from brgit.config import Config
    from brgit.llm.errors import Failure
    from brgit.routing.catalog import Catalog, ModelInfo

T = TypeVar("T")
MAX_RATE_LIMIT_WAIT = 60.0  # a longer retry-after sends us to another model instead
_COUNTS_TOWARD_COOLDOWN = {kinds.OVERLOADED, kinds.TIMEOUT, kinds.TRANSIENT}


@dataclass
class Attempt:
    model_id: str
    outcome: str  # "ok" or a failure kind from brgit.llm.errors
    status: int | None = None
    error: str | None = None
    wait_seconds: float = 0.0  # slept after this attempt
    next_model_id: str | None = None  # the model tried next (None: stop, or the same model)
    duration_ms: int = 0


@dataclass
class FallbackResult(Generic[T]):
    value: T
    model_id: str
    attempts: list[Attempt] = field(default_factory=list)


@dataclass
class _Decision:
    model: ModelInfo | None  # None: stop
    wait: float
    reason: str


def backoff(retry: int) -> float:
    """0.5 s doubling per retry of the same model, at most 8 s (the SDK's own schedule)."""
    return float(min(8.0, 0.5 * 2**retry))


class FallbackHandler:
    def __init__(
        self,
        catalog: Catalog,
        cfg: Config,
        *,
        root: Path | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.catalog = catalog
        self.cfg = cfg
        self.root = root
        self.sleep = sleep
        self.max_attempts = max(1, cfg.routing.max_attempts)
        self.cooldowns = Cooldowns(root, cfg.routing.cooldown_seconds, clock)

    def run(
        self, call: Callable[[str], T], model: str, *, task_id: str | None = None
    ) -> FallbackResult[T]:
        current = self._start_model(self.catalog.resolve(model), task_id)
        attempts: list[Attempt] = []
        tried: list[str] = []
        while True:
            tried.append(current.id)
            started = time.monotonic()
            try:
                value = call(current.id)
            except Exception as exc:
                failure = kinds.classify(exc)
                if failure is None:
                    raise
                attempt = Attempt(current.id, failure.kind, failure.status, failure.message)
                attempt.duration_ms = int((time.monotonic() - started) * 1000)
                attempts.append(attempt)
                current = self._after_failure(current, failure, attempts, tried, task_id)
                continue
            duration = int((time.monotonic() - started) * 1000)
            attempts.append(Attempt(current.id, "ok", duration_ms=duration))
            self.cooldowns.succeeded(current.id)
            return FallbackResult(value, current.id, attempts)

    def _after_failure(
        self,
        current: ModelInfo,
        failure: Failure,
        attempts: list[Attempt],
        tried: list[str],
        task_id: str | None,
    ) -> ModelInfo:
        attempt = attempts[-1]
        if failure.kind in _COUNTS_TOWARD_COOLDOWN:
            self.cooldowns.failed(current.id)
        decision = self._decide(current, failure, attempts, tried)
        if decision.model is None or len(attempts) >= self.max_attempts:
            self._record_stop(current, failure, len(attempts), task_id, decision.reason)
            raise APIError(self._stop_message(failure, attempts, decision))
        attempt.wait_seconds = decision.wait
        attempt.next_model_id = decision.model.id if decision.model.id != current.id else None
        self._record_decision(current, decision, failure, len(attempts), task_id)
        if decision.wait > 0:
            self.sleep(decision.wait)
        return decision.model

    def _decide(
        self, current: ModelInfo, failure: Failure, attempts: list[Attempt], tried: list[str]
    ) -> _Decision:
        same_retries = sum(1 for a in attempts if a.model_id == current.id) - 1
        if failure.kind == kinds.FATAL:
            return _Decision(None, 0.0, "not retryable")
        if failure.kind == kinds.CONNECTION:  # the network, not the model: never a dearer one
            return _Decision(current, backoff(same_retries), "connection failed: retry")
        if failure.kind == kinds.RATE_LIMITED:
            wait = failure.retry_after if failure.retry_after is not None else backoff(same_retries)
            if wait <= MAX_RATE_LIMIT_WAIT:
                return _Decision(current, wait, "rate limited: retry after the server's wait")
            other = self._pick(self._stronger_first(current), tried)
            if other is not None:
                return _Decision(other, 0.0, f"rate limited for {wait:.0f}s: another model")
            return _Decision(current, MAX_RATE_LIMIT_WAIT, "rate limited: waiting the maximum")
        if failure.kind == kinds.CONTEXT_TOO_LONG:
            larger = self._pick(self._larger_context(current), tried)
            return _Decision(larger, 0.0, "prompt too long: a larger-context model")
        if failure.kind == kinds.TIMEOUT:
            faster = self._pick(self._faster(current), tried)
            if faster is not None:
                return _Decision(faster, 0.0, "timed out: a faster model")
            return _Decision(current, backoff(same_retries), "timed out: no faster model, retry")
        if failure.kind in (kinds.OVERLOADED, kinds.NOT_FOUND):
            other = self._pick(self._stronger_first(current), tried)
            if other is not None:
                return _Decision(other, 0.0, f"{failure.kind.replace('_', ' ')}: the next model")
            if failure.kind == kinds.NOT_FOUND:
                return _Decision(None, 0.0, "model not found and no other model left")
        if self.cooldowns.cooling(current.id) > 0:  # it just failed once too often
            other = self._pick(self._stronger_first(current), tried)
            if other is not None:
                return _Decision(other, 0.0, f"{failure.kind}: cooling down, the next model")
        wait = failure.retry_after if failure.retry_after is not None else backoff(same_retries)
        return _Decision(current, min(wait, MAX_RATE_LIMIT_WAIT), f"{failure.kind}: retry")

    # candidate lists -------------------------------------------------------------------

    def _stronger_first(self, current: ModelInfo) -> list[ModelInfo]:
        pool = [m for m in self.catalog.by_tier() if m.id != current.id]
        return sorted(pool, key=lambda m: (m.tier < current.tier, abs(m.tier - current.tier)))

    def _larger_context(self, current: ModelInfo) -> list[ModelInfo]:
        pool = [
            m for m in self.catalog.models.values() if m.context_window > current.context_window
        ]
        return sorted(pool, key=lambda m: (m.context_window, m.tier < current.tier, m.input))

    def _faster(self, current: ModelInfo) -> list[ModelInfo]:
        latency = current.typical_latency_ms
        pool = [m for m in self.catalog.by_tier() if m.typical_latency_ms < latency]
        return sorted(pool, key=lambda m: -m.typical_latency_ms)

    def _pick(self, candidates: list[ModelInfo], tried: list[str]) -> ModelInfo | None:
        fresh = [m for m in candidates if m.id not in tried]
        warm = [m for m in fresh if self.cooldowns.cooling(m.id) == 0]
        choices = warm or fresh
        return choices[0] if choices else None

    def _start_model(self, requested: ModelInfo, task_id: str | None) -> ModelInfo:
        left = self.cooldowns.cooling(requested.id)
        if left == 0:
            return requested
        other = self._pick(self._stronger_first(requested), [requested.id])
        if other is None:
            return requested
        reason = f"cooling down for {left:.0f}s"
        self._emit(
            "fallback",
            requested,
            task_id,
            0,
            from_model=requested.id,
            to_model=other.id,
            reason=reason,
        )
        return other

    # reporting ---------------------------------------------------------------------------

    def _stop_message(self, failure: Failure, attempts: list[Attempt], d: _Decision) -> str:
        names = ", ".join(dict.fromkeys(a.model_id for a in attempts))
        if failure.kind == kinds.FATAL:
            return f"model provider refused the request ({failure.message}); not retried"
        why = (
            d.reason if d.model is None else f"{len(attempts)} attempts used (routing.max_attempts)"
        )
        return f"model call failed: {why}; tried {names}; last error: {failure.message}"

    def _record_decision(
        self, current: ModelInfo, d: _Decision, failure: Failure, number: int, task_id: str | None
    ) -> None:
        assert d.model is not None
        if d.model.id != current.id:
            self._emit(
                "fallback",
                current,
                task_id,
                number,
                error=failure.message,
                from_model=current.id,
                to_model=d.model.id,
                reason=d.reason,
            )
            return
        self._decision(current, failure, number, task_id, "retry", d.reason, wait_seconds=d.wait)

    def _record_stop(
        self, current: ModelInfo, failure: Failure, number: int, task_id: str | None, why: str
    ) -> None:
        self._decision(current, failure, number, task_id, "stop", why, status=failure.status)

    def _decision(
        self,
        current: ModelInfo,
        failure: Failure,
        number: int,
        task_id: str | None,
        decision: str,
        reason: str,
        **extra: Any,
    ) -> None:
        data = {"source": "fallback", "decision": decision, "reason": reason, **extra}
        self._emit("routing_decision", current, task_id, number, error=failure.message, **data)

    def _emit(
        self,
        kind: str,
        model: ModelInfo,
        task_id: str | None,
        attempt: int,
        error: str | None = None,
        **data: Any,
    ) -> None:
        if not self.cfg.telemetry.enabled:
            return
        from brgit.telemetry.collector import EventCollector

        event: dict[str, Any] = {
            "event_type": kind,
            "task_id": task_id,
            "model": model.id,
            "attempt": attempt,
            "data": data,
        }
        if error:
            event["error"] = error
        EventCollector(self.root).collect_event(event)
