"""A local fake of OpenAI's Responses API (what Codex speaks), on the same server machinery.

    with FakeOpenAI(CodexScript([lambda c: [add_file("hello.py", "print('hi')\\n")]])) as fake:
        ...  # CODEX_HOME/config.toml points a provider at fake.url + "/v1" (codex_home())

A reply body is a Responses API `response` object; a streamed request gets it as
`response.created`, one `response.output_item.done` per output item, and
`response.completed` carrying `usage` (input tokens INCLUDE cached ones, OpenAI's way).
Codex edits with a `custom_tool_call` named `apply_patch`; its result comes back as a
`custom_tool_call_output` item in the next request's `input`.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fakes.anthropic_server import FakeAnthropic, Reply

_ids = itertools.count(1)
_CWD = re.compile(r"<cwd>([^<]+)</cwd>")


def response(
    items: list[dict[str, Any]], *, input_tokens: int = 100, cached: int = 0, output: int = 10
) -> Reply:
    body = {
        "id": f"resp_{next(_ids):05d}",
        "object": "response",
        "status": "completed",
        "output": items,
        "usage": {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": cached},
            "output_tokens": output,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": input_tokens + output,
        },
    }
    return Reply(200, body)


def text(words: str) -> dict[str, Any]:
    return {
        "type": "message",
        "id": f"msg_{next(_ids):05d}",
        "role": "assistant",
        "content": [{"type": "output_text", "text": words, "annotations": []}],
    }


def add_file(relative: str, content: str) -> dict[str, Any]:
    lines = "".join(f"+{line}\n" for line in content.splitlines())
    patch = f"*** Begin Patch\n*** Add File: {relative}\n{lines}*** End Patch\n"
    return {
        "type": "custom_tool_call",
        "id": f"ctc_{next(_ids):05d}",
        "call_id": f"call_{next(_ids):05d}",
        "name": "apply_patch",
        "input": patch,
        "status": "completed",
    }


@dataclass
class CodexTurn:
    request: dict[str, Any]

    @property
    def items(self) -> list[dict[str, Any]]:
        return list(self.request["body"].get("input") or [])

    @property
    def cwd(self) -> Path:
        found = _CWD.search(json.dumps(self.items))
        if not found:
            raise AssertionError("no <cwd> in the request")
        return Path(found.group(1))

    @property
    def prompt(self) -> str:
        users = [i for i in self.items if i.get("type") == "message" and i.get("role") == "user"]
        return str(users[-1]["content"][-1]["text"]) if users else ""

    @property
    def turn(self) -> int:
        return sum(1 for i in self.items if i.get("type") == "custom_tool_call_output")

    @property
    def outputs(self) -> list[str]:
        return [
            str(i.get("output"))
            for i in self.items
            if i.get("type") == "custom_tool_call_output"
        ]


CodexStep = Callable[[CodexTurn], list[dict[str, Any]]]


class CodexScript:
    """Plays `steps` (each gives the tool calls of one turn), then answers with `final`."""

    def __init__(self, steps: Sequence[CodexStep], *, final: str = "Done.") -> None:
        self.steps = list(steps)
        self.final = final
        self.seen: list[CodexTurn] = []

    def __call__(self, request: dict[str, Any]) -> Reply:
        turn = CodexTurn(request)
        self.seen.append(turn)
        calls = self.steps[turn.turn](turn) if turn.turn < len(self.steps) else []
        tokens = {"input_tokens": 1000 + 17 * turn.turn, "cached": 400 * turn.turn, "output": 31}
        return response(calls or [text(self.final)], **tokens)


class FakeOpenAI(FakeAnthropic):
    def stream_events(self, body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        created = {**body, "status": "in_progress", "output": [], "usage": None}
        events: list[tuple[str, dict[str, Any]]] = [
            ("response.created", {"type": "response.created", "response": created})
        ]
        for index, item in enumerate(body["output"]):
            done = {"type": "response.output_item.done", "output_index": index, "item": item}
            events.append(("response.output_item.done", done))
        events.append(("response.completed", {"type": "response.completed", "response": body}))
        return events

    def usage_served(self) -> dict[str, int]:
        total = dict.fromkeys(("input", "output", "cache_read", "cache_write"), 0)
        for reply in self.replies:
            usage = reply.body.get("usage") if isinstance(reply.body, dict) else None
            if reply.status == 200 and usage:
                total["input"] += usage["input_tokens"]
                total["output"] += usage["output_tokens"]
                total["cache_read"] += usage["input_tokens_details"]["cached_tokens"]
        return total


def codex_home(folder: Path, url: str, key_var: str = "FAKE_OPENAI_KEY") -> Path:
    """A CODEX_HOME whose config sends Codex to `url` and nowhere else."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text(
        'model = "gpt-5.5"\nmodel_provider = "fake"\n'
        "[model_providers.fake]\n"
        f'name = "fake"\nbase_url = "{url}/v1"\nenv_key = "{key_var}"\n'
        'wire_api = "responses"\nrequest_max_retries = 0\nstream_max_retries = 0\n'
        "[features]\nplugins = false\n"
    )
    return folder
