"""`estimate(use_ai=True)` and `br routing estimate --ai`: real SDK, local fake server, ledger."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from brgit.routing.ai_estimate import parse_estimate
from brgit.routing.complexity import ComplexityEstimator
from tests.fakes.anthropic_server import FakeAnthropic, error, message

KEY = "sk-ant-" + "test0123456789"
HAIKU = "claude-haiku-5-5"


@pytest.fixture(autouse=True)
def key_and_url(fake: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)


def ledger(root: Path) -> list[dict[str, Any]]:
    from brgit.telemetry.costs import CostTracker

    return list(CostTracker(root).records("all"))


def answer(score: int, *reasons: str) -> str:
    return "Here you go:\n" + json.dumps({"complexity_score": score, "reasoning": list(reasons)})


def test_model_estimate_is_used_and_priced(fake: FakeAnthropic, repo: Path) -> None:
    fake.script(
        message(
            answer(72, "touches auth", "many modules"),
            model=HAIKU,
            input_tokens=300,
            output_tokens=40,
        )
    )
    result = ComplexityEstimator(root=repo).estimate("Add JWT auth", use_ai=True)
    assert fake.models_requested == [HAIKU]  # the cheapest model
    assert "JSON" in fake.requests[0]["body"]["messages"][0]["content"]
    assert "tool_choice" not in fake.requests[0]["body"]
    assert (result.source, result.complexity_score, result.complexity_level) == (
        "ai",
        72,
        "complex",
    )
    assert result.reasoning[:2] == ["touches auth", "many modules"]
    [record] = ledger(repo)
    assert record["command_name"] == "routing estimate"
    assert (record["input_tokens"], record["output_tokens"]) == (300, 40)
    assert record["cost_usd"] == pytest.approx((300 * 0.10 + 40 * 0.50) / 1e6)


@pytest.mark.parametrize(
    "text",
    ["no json at all", '{"complexity_score": "high"}', '{"complexity_score": 140}', "{broken"],
)
def test_malformed_answer_falls_back_but_is_still_billed(
    fake: FakeAnthropic, repo: Path, text: str
) -> None:
    fake.script(message(text, model=HAIKU))
    result = ComplexityEstimator(root=repo).estimate("Add JWT auth", use_ai=True)
    heuristic = ComplexityEstimator(root=repo).estimate("Add JWT auth")
    assert result.source == "heuristic"
    assert result.complexity_score == heuristic.complexity_score
    assert "AI estimate unavailable" in result.reasoning[-1]
    assert len(ledger(repo)) == 1


def test_rate_limit_then_answer(fake: FakeAnthropic, repo: Path) -> None:
    fake.script(
        error(429, "rate_limit_error", "slow", headers={"retry-after-ms": "10"}),
        message(answer(10), model=HAIKU),
    )
    result = ComplexityEstimator(root=repo).estimate("Fix typo", use_ai=True)
    assert fake.models_requested == [HAIKU, HAIKU]
    assert result.source == "ai"


def test_auth_error_falls_back_without_leaking_the_key(fake: FakeAnthropic, repo: Path) -> None:
    fake.script(error(401, "authentication_error", f"invalid key {KEY}"))
    result = ComplexityEstimator(root=repo).estimate("Fix typo", use_ai=True)
    assert result.source == "heuristic"
    assert KEY not in " ".join(result.reasoning)
    assert ledger(repo) == []


def test_no_key_falls_back(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    result = ComplexityEstimator(root=repo).estimate("Fix typo", use_ai=True)
    assert result.source == "heuristic"
    assert "ANTHROPIC_API_KEY is not set" in result.reasoning[-1]


def test_cli_estimate_ai(fake: FakeAnthropic, repo: Path, br: Any) -> None:
    fake.script(message(answer(85, "production payments"), model=HAIKU))
    run = br("routing", "estimate", "Fix the payment outage", "--ai", "--format", "json", cwd=repo)
    assert run.code == 0, run.err
    data = json.loads(run.out)
    assert (data["complexity_level"], data["recommended_model"], data["source"]) == (
        "critical",
        "opus",
        "ai",
    )
    assert ledger(repo)[0]["command_name"] == "routing estimate"


def test_parse_estimate_accepts_fenced_json() -> None:
    assert parse_estimate('```json\n{"complexity_score": 41.6, "reasoning": "one"}\n```') == (
        42,
        ["one"],
    )
