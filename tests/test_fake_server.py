"""The fake Messages API server speaks what the real anthropic SDK expects."""

from __future__ import annotations

import anthropic
import pytest

from brgit.llm.client import make_client, usage_from_message
from tests.fakes.anthropic_server import FakeAnthropic, error, message


def test_real_sdk_against_fake_server() -> None:
    with FakeAnthropic() as fake:
        fake.script(
            message(
                "hi", model="claude-haiku-5-5", input_tokens=12, output_tokens=3, cache_read=40
            ),
            error(529, "overloaded_error", "Overloaded"),
        )
        client = make_client(api_key="sk-ant-api03-test", base_url=fake.url, timeout=5)
        reply = client.messages.create(
            model="claude-haiku-5-5", max_tokens=10, messages=[{"role": "user", "content": "x"}]
        )
        usage = usage_from_message(reply)
        assert usage.input_tokens == 12 and usage.cache_read_tokens == 40
        assert usage.message_id and usage.message_id.startswith("msg_")
        with pytest.raises(anthropic.APIStatusError) as info:
            client.messages.create(
                model="claude-opus-5-5", max_tokens=10, messages=[{"role": "user", "content": "x"}]
            )
        assert info.value.status_code == 529
        assert fake.models_requested == ["claude-haiku-5-5", "claude-opus-5-5"]
