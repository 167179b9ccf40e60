"""The claude agent: a tool-using loop over the anthropic SDK with turn and budget limits."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from brgit.agents.base import API_ERROR, AgentRequest, AgentResult
from brgit.agents.tools import TOOL_SPECS, Toolbox, ToolError
from brgit.core.usage import TokenUsage
from brgit.errors import APIError, BuildRunnerError

SYSTEM = (
    "You are a coding agent working alone in a git worktree. Use the tools to read, change and "
    "test files; paths are relative to the worktree. When the task is done, reply with a short "
    "summary and no tool call."
)
MAX_TOKENS = 8192


class ClaudeAgent:
    name = "claude"

    def run(self, request: AgentRequest) -> AgentResult:
        try:
            return _Loop(request).run()
        except APIError as exc:
            rate_limited = _is_rate_limit(exc)
            return AgentResult(
                False, error=str(exc), rate_limited=rate_limited, outcome=API_ERROR
            )


class _Loop:
    def __init__(self, request: AgentRequest) -> None:
        from brgit.routing.catalog import load_catalog
        from brgit.routing.keys import KeyManager

        self.request = request
        self.catalog = load_catalog(request.cfg.models)
        keys = KeyManager(request.cfg.root)  # the environment or the repository's .env, checked
        self.client = keys.client(timeout=request.cfg.routing.request_timeout_seconds)
        self.tools = Toolbox(request.worktree, request.env)
        self.usages: list[TokenUsage] = []
        self.spent = 0.0

    def run(self) -> AgentResult:
        messages: list[dict[str, Any]] = [{"role": "user", "content": self.request.prompt}]
        limits = self.request.cfg.agent
        for _turn in range(limits.max_turns):
            if self.request.cancel.is_set():
                return self._result(False, "", "stopped")
            reply = self._call(messages)
            content = [_block(b) for b in reply.content]
            text = "\n".join(b["text"] for b in content if b["type"] == "text")
            if self.spent > limits.max_budget_usd:
                return self._result(False, text, f"budget of ${limits.max_budget_usd:g} exceeded")
            uses = [b for b in content if b["type"] == "tool_use"]
            if not uses:
                ok = reply.stop_reason in ("end_turn", "stop_sequence")
                return self._result(ok, text, None if ok else f"stopped: {reply.stop_reason}")
            messages.append({"role": "assistant", "content": content})
            messages.append({"role": "user", "content": [self._use(u) for u in uses]})
        return self._result(False, "", f"turn limit of {limits.max_turns} reached")

    def _call(self, messages: list[dict[str, Any]]) -> Any:
        from brgit.llm.client import usage_from_message

        def call(model_id: str) -> Any:
            return self.client.messages.create(
                model=model_id,
                max_tokens=MAX_TOKENS,
                system=SYSTEM,
                tools=TOOL_SPECS,
                messages=messages,
            )

        reply = _with_fallback(call, self.request, self.catalog)
        usage = usage_from_message(reply)
        self.usages.append(usage)
        self.spent += self.catalog.cost(usage).usd
        return reply

    def _use(self, use: dict[str, Any]) -> dict[str, Any]:
        try:
            out = self.tools.call(use["name"], use.get("input") or {})
            return {"type": "tool_result", "tool_use_id": use["id"], "content": out}
        except ToolError as exc:
            return {
                "type": "tool_result",
                "tool_use_id": use["id"],
                "content": str(exc),
                "is_error": True,
            }

    def _result(self, ok: bool, text: str, error: str | None) -> AgentResult:
        return AgentResult(ok, output=text, error=error, usages=self.usages)


def _with_fallback(call: Callable[[str], Any], request: AgentRequest, catalog: Any) -> Any:
    try:  # the routing package's FallbackHandler owns retries and fallbacks when present
        fallback = importlib.import_module("brgit.routing.fallback")
    except ImportError:
        return _translate(lambda: call(request.model))
    handler = fallback.FallbackHandler(catalog, request.cfg, root=request.cfg.root)
    return _translate(lambda: handler.run(call, request.model, task_id=request.task.id).value)


def _translate(send: Callable[[], Any]) -> Any:
    """SDK errors that reach us -> APIError with the HTTP status in the message.

    anthropic is imported only under brgit/llm, so its errors are recognised by their shape.
    """
    try:
        return send()
    except BuildRunnerError:
        raise
    except Exception as exc:
        status = getattr(exc, "status_code", None)
        if isinstance(status, int):
            raise APIError(f"model call failed: HTTP {status}: {_message(exc)}") from exc
        if type(exc).__module__.startswith(("anthropic", "httpx")):
            raise APIError(f"model call failed: {type(exc).__name__}") from exc
        raise


def _message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])[:200]
    return str(exc).splitlines()[0][:200]


def _is_rate_limit(exc: BuildRunnerError) -> bool:
    text = str(exc)
    return "HTTP 429" in text or "HTTP 529" in text or "overloaded" in text.lower()


def _block(block: Any) -> dict[str, Any]:
    kind = getattr(block, "type", None)
    if kind == "tool_use":
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    return {"type": "text", "text": str(getattr(block, "text", ""))}
