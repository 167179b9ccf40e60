"""`--ai`: ask the cheapest model for a complexity estimate as JSON.

The 5.5 models reject a forced `tool_choice`, so the prompt asks for one JSON object and the
answer is parsed here. The call goes through the FallbackHandler; its tokens and cost go to
the ledger (command "routing estimate") even when the answer is unusable. Any failure (no key,
API error, malformed JSON, a score out of range) returns the heuristic estimate with a note.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from brgit.llm.client import reply_json
from brgit.redact import redact

if TYPE_CHECKING:
    from brgit.routing.complexity import ComplexityEstimator, ComplexityResult

MAX_TOKENS = 400
PROMPT = """Estimate how hard this software task is for an AI coding agent working in a git \
repository. Reply with exactly one JSON object and nothing else, in this shape:
{{"complexity_score": <integer 0-100>, "reasoning": ["<short reason>", "..."]}}
Scale: 0-29 simple, 30-54 moderate, 55-79 complex, 80-100 critical.

Task: {task}
Heuristic notes: {notes}"""


def ask_model(estimator: ComplexityEstimator, heuristic: ComplexityResult) -> ComplexityResult:
    """The model's estimate, or `heuristic` with the reason the model could not be used."""
    try:
        return _ask(estimator, heuristic)
    except Exception as exc:  # the estimate must never fail because the model did
        reason = redact(" ".join(str(exc).split()))[:200] or type(exc).__name__
        heuristic.reasoning.append(f"AI estimate unavailable ({reason}); heuristic used")
        return heuristic


def _ask(estimator: ComplexityEstimator, heuristic: ComplexityResult) -> ComplexityResult:
    from brgit.config import Config
    from brgit.context import context_for
    from brgit.llm.client import text_of, usage_from_message
    from brgit.routing.fallback import FallbackHandler

    cfg = estimator.cfg or Config()
    ctx = context_for(cfg, estimator.root, estimator.ctx)
    client = ctx.keys.client(timeout=cfg.routing.request_timeout_seconds)
    cheapest = estimator.catalog.by_tier()[0]
    prompt = PROMPT.format(task=heuristic.task_description, notes="; ".join(heuristic.reasoning))

    def call(model_id: str) -> Any:
        return client.messages.create(
            model=model_id, max_tokens=MAX_TOKENS, messages=[{"role": "user", "content": prompt}]
        )

    started = time.monotonic()
    handler = FallbackHandler(estimator.catalog, cfg, root=estimator.root, events=ctx.events)
    result = handler.run(call, cheapest.id)
    ctx.costs.track_usage(
        usage_from_message(result.value),
        command_name="routing estimate",
        action="estimate",
        invocation_kind="sdk",
        duration_ms=int((time.monotonic() - started) * 1000),
    )
    score, reasons = parse_estimate(text_of(result.value))
    return _combine(estimator, heuristic, score, reasons, result.model_id)


def parse_estimate(text: str) -> tuple[int, list[str]]:
    """(score, reasons) from the model's reply; ValueError when it is not the asked-for JSON."""
    data = reply_json(text)
    score = data.get("complexity_score") if isinstance(data, dict) else None
    if isinstance(score, bool) or not isinstance(score, int | float) or not 0 <= score <= 100:
        raise ValueError("the model's reply has no complexity_score between 0 and 100")
    raw = data.get("reasoning", [])
    reasons = [str(r)[:200] for r in raw[:6]] if isinstance(raw, list) else [str(raw)[:200]]
    return round(score), reasons


def _combine(
    estimator: ComplexityEstimator,
    heuristic: ComplexityResult,
    score: int,
    reasons: list[str],
    model_id: str,
) -> ComplexityResult:
    from brgit.routing.complexity import ComplexityFactor

    name = estimator.catalog.models[model_id].name
    factor = ComplexityFactor("ai_estimate", score, f"{name} scored the task {score}/100")
    result = estimator.result(heuristic.task_description, score, [factor], source="ai")
    result.reasoning = [
        *reasons,
        f"{name} scored it {score}/100; the heuristic scored {heuristic.complexity_score}/100",
    ]
    return result
