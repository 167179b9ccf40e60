"""Scripted agent conversations for the fake Messages API, as Claude Code holds them.

Claude Code sends the whole conversation on every call: the working directory is stated once
(`Primary working directory: <path>`), the task prompt is the first user turn's last
text block, and after a `tool_use` the next call's last user turn carries the `tool_result`s.
A `ClaudeCodeScript` answers from that alone (no state between calls), so several Claude Code
processes can share one fake server:

    fake.default = ClaudeCodeScript([lambda c: [write(c, "hello.py", "print('hi')\\n")]])

Turn N (counted by the assistant turns already in the conversation) plays step N; once the
steps are used up, or a step gives no tool use, it answers with `final` text and `end_turn`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.fakes.anthropic_server import Reply, message

_CWD = re.compile(r"Primary working directory: ([^\n\\]+)")


@dataclass
class Conversation:
    request: dict[str, Any]

    @property
    def body(self) -> dict[str, Any]:
        return dict(self.request["body"])

    @property
    def cwd(self) -> Path:
        # in the first user turn, a later system turn or the system prompt, by version and repo
        found = _CWD.search(json.dumps([self.body["messages"], self.body.get("system")]))
        if not found:
            raise AssertionError("no 'Primary working directory:' in the request")
        return Path(found.group(1).strip())

    @property
    def prompt(self) -> str:
        content = self.body["messages"][0]["content"]
        if isinstance(content, str):
            return content
        texts = [b["text"] for b in content if b.get("type") == "text"]
        plain = [t for t in texts if not t.lstrip().startswith("<system-reminder>")]
        return (plain or texts)[-1]

    @property
    def turn(self) -> int:
        return sum(1 for m in self.body["messages"] if m["role"] == "assistant")

    @property
    def tool_results(self) -> list[dict[str, Any]]:
        last = [m for m in self.body["messages"] if m["role"] == "user"][-1]
        content = last["content"] if isinstance(last["content"], list) else []
        return [c for c in content if isinstance(c, dict) and c.get("type") == "tool_result"]


Step = Callable[[Conversation], list[dict[str, Any]]]


def write(conv: Conversation, relative: str, content: str) -> dict[str, Any]:
    return {"name": "Write", "input": {"file_path": str(conv.cwd / relative), "content": content}}


def edit(conv: Conversation, relative: str, old: str, new: str) -> dict[str, Any]:
    path = str(conv.cwd / relative)
    return {"name": "Edit", "input": {"file_path": path, "old_string": old, "new_string": new}}


def read(conv: Conversation, relative: str) -> dict[str, Any]:
    return {"name": "Read", "input": {"file_path": str(conv.cwd / relative)}}


def bash(command: str) -> dict[str, Any]:
    return {"name": "Bash", "input": {"command": command, "description": "run a command"}}


class ClaudeCodeScript:
    """A responder playing `steps` (each gives the tool uses of one turn), then `final`."""

    def __init__(
        self,
        steps: Sequence[Step],
        *,
        final: str = "Done.",
        model: str | None = None,
        usage: Callable[[int], dict[str, int]] | None = None,
    ) -> None:
        self.steps = list(steps)
        self.final = final
        self.model = model
        self.usage = usage or turn_usage
        self.seen: list[Conversation] = []

    def __call__(self, request: dict[str, Any]) -> Reply:
        conv = Conversation(request)
        self.seen.append(conv)
        turn = conv.turn
        model = self.model or str(conv.body.get("model", "claude-sonnet-4-5"))
        tokens = self.usage(turn)
        uses = self.steps[turn](conv) if turn < len(self.steps) else []
        if uses:
            return message("", model=model, tool_uses=uses, **tokens)
        return message(self.final, model=model, **tokens)


def turn_usage(turn: int) -> dict[str, int]:
    """Distinct, non-round token counts per turn, so sums that drop a field show it."""
    return {
        "input_tokens": 101 + 7 * turn,
        "output_tokens": 23 + 3 * turn,
        "cache_read": 1009 * turn,
        "cache_write_5m": 211 if turn == 0 else 13,
    }
