"""`br gaps analyze --ai`: the real SDK against the local fake Messages API, through the
routing fallback, every call in the cost ledger."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from brgit.quality.ai import parse_verdict
from tests.fakes.anthropic_server import FakeAnthropic, error, message
from tests.quality.conftest import CLEAN, MakeProject

KEY = "sk-ant-" + "test0123456789"
HAIKU = "claude-haiku-5-5"
SPEC = CLEAN["PROJECT_SPEC.md"] + "\n# Feature: Receipt printing\nPrint a receipt.\n"


@pytest.fixture(scope="module")
def server() -> Iterator[FakeAnthropic]:
    with FakeAnthropic() as fake:
        yield fake


@pytest.fixture
def fake(server: FakeAnthropic, monkeypatch: pytest.MonkeyPatch) -> FakeAnthropic:
    server.reset()
    monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
    monkeypatch.setenv("ANTHROPIC_BASE_URL", server.url)
    return server


@pytest.fixture
def project(make_project: MakeProject) -> Path:
    return make_project({**CLEAN, "PROJECT_SPEC.md": SPEC})


def ledger(root: Path) -> list[dict[str, Any]]:
    from brgit.telemetry.costs import CostTracker

    return list(CostTracker(root).records("all"))


def verdict(status: str, *missing: str) -> str:
    return "Sure:\n" + json.dumps({"status": status, "missing": list(missing)})


def test_ai_verdicts_become_gaps_and_every_call_is_billed(
    fake: FakeAnthropic, project: Path, br: Any
) -> None:
    fake.script(
        message(verdict("implemented"), model=HAIKU, input_tokens=900, output_tokens=20),
        message(verdict("partial", "no printer output"), model=HAIKU, input_tokens=800,
                output_tokens=30),
    )
    result = br("gaps", "analyze", "--ai", "--format", "json", cwd=project)
    assert result.code == 0, result.err
    assert fake.models_requested == [HAIKU, HAIKU]  # the cheapest model, one call per feature
    prompts = [r["body"]["messages"][0]["content"] for r in fake.requests]
    assert "Feature: Cart totals" in prompts[0] and "def cart_total" in prompts[0]
    assert "Feature: Receipt printing" in prompts[1] and "JSON" in prompts[1]
    assert all("tool_choice" not in r["body"] for r in fake.requests)
    [gap] = [g for g in json.loads(result.out)["gaps"] if g["category"] == "spec-ai"]
    assert gap == {"severity": "medium", "category": "spec-ai", "file": "PROJECT_SPEC.md",
                   "line": 5, "message": "'Receipt printing' is partial in shop/cart.py: "
                   "no printer output"}
    records = ledger(project)
    assert [r["command_name"] for r in records] == ["gaps analyze", "gaps analyze"]
    assert records[0]["cost_usd"] == pytest.approx((900 * 0.10 + 20 * 0.50) / 1e6)


def test_rate_limit_is_retried_by_the_fallback(fake: FakeAnthropic, project: Path, br: Any) -> None:
    fake.script(
        error(429, "rate_limit_error", "slow", headers={"retry-after-ms": "10"}),
        message(verdict("missing", "nothing prints"), model=HAIKU),
        message(verdict("implemented"), model=HAIKU),
    )
    result = br("gaps", "analyze", "--ai", "--severity", "high", "--format", "json", cwd=project)
    assert result.code == 0, result.err
    assert fake.models_requested == [HAIKU, HAIKU, HAIKU]
    [gap] = json.loads(result.out)["gaps"]
    assert gap["severity"] == "high" and "is missing" in gap["message"]
    assert len(ledger(project)) == 2


def test_unusable_answer_is_a_note_and_still_billed(
    fake: FakeAnthropic, project: Path, br: Any
) -> None:
    fake.script(message("I think it is fine", model=HAIKU), message("{broken", model=HAIKU))
    result = br("gaps", "analyze", "--ai", "--format", "json", cwd=project)
    assert result.code == 0
    assert [g for g in json.loads(result.out)["gaps"] if g["category"] == "spec-ai"] == []
    assert "AI comparison of 'Cart totals' unusable: the reply holds no JSON" in result.err
    assert len(ledger(project)) == 2


def test_auth_error_is_exit_5_without_the_key(fake: FakeAnthropic, project: Path, br: Any) -> None:
    fake.script(error(401, "authentication_error", f"invalid x-api-key {KEY}"))
    result = br("gaps", "analyze", "--ai", cwd=project)
    assert result.code == 5
    assert KEY not in result.out + result.err
    assert ledger(project) == []


def test_no_key_is_exit_2_before_any_work(project: Path, br: Any) -> None:
    result = br("gaps", "analyze", "--ai", cwd=project)
    assert result.code == 2 and "ANTHROPIC_API_KEY is not set" in result.err


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('```json\n{"status": "partial", "missing": "one"}\n```', ("partial", ["one"])),
        ('{"status": "implemented"}', ("implemented", [])),
    ],
)
def test_parse_verdict(text: str, expected: tuple[str, list[str]]) -> None:
    assert parse_verdict(text) == expected


@pytest.mark.parametrize("text", ["", "{}", '{"status": "done"}', "[1, 2]"])
def test_parse_verdict_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_verdict(text)
