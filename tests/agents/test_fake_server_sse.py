"""The fake Messages API streams what the real anthropic SDK parses, and drops on demand."""

from __future__ import annotations

import anthropic
import pytest

from brgit.llm import errors as kinds
from brgit.llm.client import make_client, usage_from_message
from tests.fakes.anthropic_server import FakeAnthropic, drop, message


def test_a_streamed_reply_is_the_same_message_with_tool_input_and_usage() -> None:
    reply = message(
        "thinking aloud",
        model="claude-sonnet-4-5",
        input_tokens=21,
        output_tokens=8,
        cache_read=300,
        cache_write_5m=40,
        tool_uses=[{"name": "Write", "input": {"file_path": "/w/a.py", "content": "x = 1\n"}}],
    )
    with FakeAnthropic(reply) as fake:
        client = make_client(api_key="sk-ant-api03-test", base_url=fake.url, timeout=5)
        with client.messages.stream(
            model="claude-sonnet-4-5", max_tokens=50, messages=[{"role": "user", "content": "x"}]
        ) as stream:
            final = stream.get_final_message()
    assert [b.type for b in final.content] == ["text", "tool_use"]
    assert final.content[0].text == "thinking aloud"  # type: ignore[union-attr]
    assert final.content[1].input == {"file_path": "/w/a.py", "content": "x = 1\n"}  # type: ignore[union-attr]
    assert final.stop_reason == "tool_use"
    usage = usage_from_message(final)
    assert (usage.input_tokens, usage.output_tokens) == (21, 8)
    assert (usage.cache_read_tokens, usage.cache_write_5m_tokens) == (300, 40)
    assert fake.requests[0]["body"]["stream"] is True


def test_a_dropped_connection_is_a_connection_failure() -> None:
    with FakeAnthropic(drop()) as fake:
        client = make_client(api_key="sk-ant-api03-test", base_url=fake.url, timeout=5)
        with pytest.raises(anthropic.APIConnectionError) as info:
            client.messages.create(
                model="claude-haiku-5-5", max_tokens=5, messages=[{"role": "user", "content": "x"}]
            )
    failure = kinds.classify(info.value)
    assert failure is not None and failure.kind == kinds.CONNECTION
