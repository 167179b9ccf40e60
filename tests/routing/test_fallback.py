"""FallbackHandler against the real anthropic SDK and the local fake Messages API."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from brgit.config import Config, CostLimits, RoutingConfig
from brgit.errors import APIError
from brgit.llm.catalog import load_catalog
from brgit.llm.client import make_client
from brgit.routing.fallback import FallbackHandler
from tests.fakes.anthropic_server import FakeAnthropic, error, message

HAIKU, SONNET, OPUS = "claude-haiku-5-5", "claude-sonnet-5-5", "claude-opus-5-5"


def config(**routing: Any) -> Config:
    return Config(routing=RoutingConfig(cost_limits=CostLimits(), **routing))


def caller(fake: FakeAnthropic, timeout: float = 5.0) -> Callable[[str], Any]:
    client = make_client(api_key="sk-ant-test-key-000", base_url=fake.url, timeout=timeout)

    def call(model_id: str) -> Any:
        return client.messages.create(
            model=model_id, max_tokens=16, messages=[{"role": "user", "content": "hi"}]
        )

    return call


def handler(tmp_path: Path, waits: list[float], **routing: Any) -> FallbackHandler:
    return FallbackHandler(load_catalog(), config(**routing), root=tmp_path, sleep=waits.append)


def events(root: Path) -> list[dict[str, Any]]:
    from brgit.telemetry.collector import EventCollector

    return list(EventCollector(root).get_events())


def test_rate_limit_waits_retry_after_then_retries_same_model(
    fake: FakeAnthropic, tmp_path: Path
) -> None:
    fake.script(
        error(429, "rate_limit_error", "slow down", headers={"retry-after": "7"}),
        error(
            429,
            "rate_limit_error",
            "slow down",
            headers={"retry-after-ms": "1500", "retry-after": "9"},
        ),
        message("hello", model=HAIKU),
    )
    waits: list[float] = []
    result = handler(tmp_path, waits).run(caller(fake), "haiku", task_id="t1")
    assert fake.models_requested == [HAIKU, HAIKU, HAIKU]
    assert waits == [7.0, 1.5]
    assert result.model_id == HAIKU
    assert [a.outcome for a in result.attempts] == ["rate_limited", "rate_limited", "ok"]
    decisions = [e for e in events(tmp_path) if e["event_type"] == "routing_decision"]
    assert [d["data"]["wait_seconds"] for d in decisions] == [7.0, 1.5]
    assert all(d["task_id"] == "t1" for d in decisions)


def test_overloaded_moves_to_next_model(fake: FakeAnthropic, tmp_path: Path) -> None:
    fake.script(error(529, "overloaded_error", "Overloaded"), message("ok", model=OPUS))
    waits: list[float] = []
    result = handler(tmp_path, waits).run(caller(fake), "sonnet")
    assert fake.models_requested == [SONNET, OPUS]
    assert waits == []
    assert result.model_id == OPUS
    fallback = [e for e in events(tmp_path) if e["event_type"] == "fallback"]
    assert fallback[0]["data"]["from_model"] == SONNET
    assert fallback[0]["data"]["to_model"] == OPUS
    assert "overloaded" in fallback[0]["data"]["reason"]


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_prompt_too_long_goes_to_larger_context(fake: FakeAnthropic, tmp_path: Path) -> None:
    fake.script(
        error(400, "invalid_request_error", "prompt is too long: 250000 tokens > 200000 maximum"),
        message("ok", model=SONNET),
    )
    result = handler(tmp_path, []).run(caller(fake), "claude-sonnet-4-5")
    assert fake.models_requested == ["claude-sonnet-4-5", SONNET]  # same tier, 1M context
    assert result.attempts[0].outcome == "context_too_long"


def test_prompt_too_long_on_largest_model_stops(fake: FakeAnthropic, tmp_path: Path) -> None:
    fake.script(
        error(400, "invalid_request_error", "prompt is too long: 2000000 tokens > 1000000 maximum")
    )
    with pytest.raises(APIError, match="larger-context"):
        handler(tmp_path, []).run(caller(fake), "opus")
    assert fake.models_requested == [OPUS]


def test_timeout_goes_to_faster_model(fake: FakeAnthropic, tmp_path: Path) -> None:
    fake.script(message("late", model=OPUS, delay=1.0), message("ok", model=SONNET))
    result = handler(tmp_path, []).run(caller(fake, timeout=0.3), "opus")
    assert fake.models_requested == [OPUS, SONNET]
    assert [a.outcome for a in result.attempts] == ["timeout", "ok"]


@pytest.mark.parametrize(
    "reply",
    [
        error(401, "authentication_error", "invalid x-api-key"),
        error(403, "permission_error", "no access"),
        error(400, "invalid_request_error", "Your credit balance is too low"),
        error(
            429,
            "rate_limit_error",
            "spend limit",
            details={"error_code": "enforced_spend_limit_reached"},
        ),
    ],
)
def test_auth_billing_and_spend_limit_stop_at_once(
    fake: FakeAnthropic, tmp_path: Path, reply: Any
) -> None:
    fake.script(reply)
    waits: list[float] = []
    with pytest.raises(APIError) as info:
        handler(tmp_path, waits).run(caller(fake), "haiku")
    assert info.value.exit_code == 5
    assert fake.models_requested == [HAIKU]
    assert waits == []
    stop = [e for e in events(tmp_path) if e["event_type"] == "routing_decision"]
    assert stop[-1]["data"]["decision"] == "stop"


def test_attempts_are_bounded(fake: FakeAnthropic, tmp_path: Path) -> None:
    fake.script(*[error(500, "api_error", "boom") for _ in range(10)])
    waits: list[float] = []
    with pytest.raises(APIError, match="3 attempts"):
        handler(tmp_path, waits, max_attempts=3, cooldown_seconds=0).run(caller(fake), "haiku")
    assert len(fake.requests) == 3
    assert waits == [0.5, 1.0]


def test_model_that_keeps_failing_cools_down_across_handlers(
    fake: FakeAnthropic, tmp_path: Path
) -> None:
    fake.script(
        error(529, "overloaded_error", "Overloaded"),
        message("ok", model=OPUS),
        error(529, "overloaded_error", "Overloaded"),
        message("ok", model=OPUS),
        message("ok", model=OPUS),
    )
    now = [1000.0]
    make = lambda: FallbackHandler(  # noqa: E731
        load_catalog(),
        config(cooldown_seconds=300),
        root=tmp_path,
        sleep=lambda s: None,
        clock=lambda: now[0],
    )
    make().run(caller(fake), "sonnet")
    make().run(caller(fake), "sonnet")
    result = make().run(caller(fake), "sonnet")  # sonnet failed twice in a row: skipped
    assert fake.models_requested == [SONNET, OPUS, SONNET, OPUS, OPUS]
    assert result.model_id == OPUS
    now[0] += 301
    fake.script(message("ok", model=SONNET))
    assert make().run(caller(fake), "sonnet").model_id == SONNET


def test_malformed_response_body_is_retried(fake: FakeAnthropic, tmp_path: Path) -> None:
    from tests.fakes.anthropic_server import Reply

    fake.script(Reply(200, "{not json"), message("ok", model=HAIKU))
    result = handler(tmp_path, []).run(caller(fake), "haiku")
    assert fake.models_requested == [HAIKU, HAIKU]
    assert result.model_id == HAIKU


def test_non_sdk_errors_propagate_unchanged(tmp_path: Path) -> None:
    def call(model_id: str) -> str:
        raise KeyError(model_id)

    with pytest.raises(KeyError):
        handler(tmp_path, []).run(call, "haiku")


def test_secrets_in_errors_are_masked(fake: FakeAnthropic, tmp_path: Path) -> None:
    key = "sk-ant-api03-" + "A" * 40
    fake.script(error(401, "authentication_error", f"bad key {key}"))
    with pytest.raises(APIError) as info:
        handler(tmp_path, []).run(caller(fake), "haiku")
    assert key not in str(info.value)
    stored = json.dumps(events(tmp_path))
    assert "authentication_error" in stored
    assert key not in stored


def test_long_retry_after_goes_to_another_model(fake: FakeAnthropic, tmp_path: Path) -> None:
    fake.script(
        error(429, "rate_limit_error", "slow down", headers={"retry-after": "600"}),
        message("ok", model=SONNET),
    )
    waits: list[float] = []
    result = handler(tmp_path, waits).run(caller(fake), "haiku")
    assert fake.models_requested == [HAIKU, SONNET]
    assert waits == []
    assert result.attempts[0].next_model_id == SONNET


def test_retry_after_http_date() -> None:
    from brgit.llm.errors import retry_after_seconds

    headers = {"retry-after": "Sun, 22 Nov 2026 10:00:30 GMT"}
    now = 1795341600.0  # 2026-11-22 10:00:00 UTC
    assert retry_after_seconds(headers, now=now) == 30.0
    assert retry_after_seconds({"retry-after": "soon"}) is None


def test_corrupt_cooldown_file_is_ignored_and_rewritten(
    fake: FakeAnthropic, tmp_path: Path
) -> None:
    state = tmp_path / ".buildrunner" / "routing" / "cooldown.json"
    state.parent.mkdir(parents=True)
    state.write_text("{not json")
    fake.script(error(529, "overloaded_error", "Overloaded"), message("ok", model=OPUS))
    handler(tmp_path, []).run(caller(fake), "sonnet")
    assert json.loads(state.read_text())[SONNET]["failures"] == 1


def test_server_errors_retry_then_leave_a_cooling_model(
    fake: FakeAnthropic, tmp_path: Path
) -> None:
    fake.script(
        error(500, "api_error", "boom"),
        error(503, "api_error", "unavailable"),
        message("ok", model=SONNET),
    )
    waits: list[float] = []
    result = handler(tmp_path, waits).run(caller(fake), "haiku")
    assert result.model_id == SONNET
    assert fake.models_requested == [HAIKU, HAIKU, SONNET]
    assert waits == [0.5]
    [switch] = [e for e in events(tmp_path) if e["event_type"] == "fallback"]
    assert "cooling down" in switch["data"]["reason"]
