"""A local fake of the Anthropic Messages API on 127.0.0.1, for the real SDK and real agent CLIs.

    with FakeAnthropic() as fake:
        fake.script(
            error(429, "rate_limit_error", "slow down", headers={"retry-after": "1"}),
            message("hello", model="claude-haiku-5-5"),
        )
        client = anthropic.Anthropic(base_url=fake.url, api_key="sk-ant-test", max_retries=0)
        ...
        fake.requests  # what was sent: [{"path", "headers", "body", "at"}]

Replies are served in order; once the script is used up, `default` (a text message) is
served. A reply may be a callable `(request) -> Reply` for conversations that depend on
what was sent (tool-use loops; `tests.fakes.agent_script` builds them for Claude Code).
Both `x-api-key` and `Authorization: Bearer` are accepted. A request with `"stream": true`
gets the same message as server-sent events (what Claude Code asks for); `drop()` closes
the connection without an answer.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.sse import message_events, sse_bytes

_ids = itertools.count(1)


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # dict -> JSON; str -> sent as is (malformed JSON tests)
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (timeout tests)
    dropped: bool = False  # close the connection without answering


Responder = Reply | Callable[[dict[str, Any]], Reply]


def message(
    text: str = "ok",
    *,
    model: str = "claude-haiku-5-5",
    input_tokens: int = 10,
    output_tokens: int = 5,
    cache_read: int = 0,
    cache_write_5m: int = 0,
    cache_write_1h: int = 0,
    tool_uses: list[dict[str, Any]] | None = None,
    stop_reason: str | None = None,
    delay: float = 0.0,
) -> Reply:
    """A successful Messages API response."""
    content: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    for use in tool_uses or []:
        content.append(
            {
                "type": "tool_use",
                "id": use.get("id", f"toolu_{next(_ids):04d}"),
                "name": use["name"],
                "input": use.get("input", {}),
            }
        )
    body = {
        "id": f"msg_{next(_ids):06d}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": stop_reason or ("tool_use" if tool_uses else "end_turn"),
        "stop_sequence": None,
        "usage": {
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cache_read_input_tokens": cache_read,
            "cache_creation_input_tokens": cache_write_5m + cache_write_1h,
            "cache_creation": {
                "ephemeral_5m_input_tokens": cache_write_5m,
                "ephemeral_1h_input_tokens": cache_write_1h,
            },
        },
    }
    return Reply(200, body, {"request-id": f"req_{next(_ids):06d}"}, delay)


def error(
    status: int,
    kind: str,
    text: str,
    *,
    headers: dict[str, str] | None = None,
    details: dict[str, Any] | None = None,
) -> Reply:
    """An API error in Anthropic's shape, e.g. error(529, "overloaded_error", "Overloaded")."""
    err: dict[str, Any] = {"type": kind, "message": text}
    if details:
        err["details"] = details
    request_id = f"req_{next(_ids):06d}"
    body = {"type": "error", "error": err, "request_id": request_id}
    return Reply(status, body, {"request-id": request_id, **(headers or {})})


def drop() -> Reply:
    """Close the connection without a response (what a crashed gateway looks like)."""
    return Reply(dropped=True)


class FakeAnthropic:
    def __init__(self, default: Responder | None = None) -> None:
        self.default: Responder = default or message()
        self.requests: list[dict[str, Any]] = []
        self.replies: list[Reply] = []  # what was answered, in order (usage checks)
        self._script: list[Responder] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.block_on_close = False  # a client may leave a connection open
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def script(self, *replies: Responder) -> None:
        with self._lock:
            self._script.extend(replies)

    def reset(self, default: Responder | None = None) -> None:
        """Forget the script and the recorded requests (to share one server across tests)."""
        with self._lock:
            self._script.clear()
            self.requests.clear()
            self.replies.clear()
            self.default = default or message()

    @property
    def models_requested(self) -> list[str]:
        return [str(r["body"].get("model")) for r in self.requests if isinstance(r["body"], dict)]

    @property
    def message_requests(self) -> list[dict[str, Any]]:
        """Requests to the Messages API itself (not token counting or other side endpoints)."""
        return [r for r in self.requests if r["path"].split("?")[0] == "/v1/messages"]

    def usage_served(self) -> dict[str, int]:
        """Tokens of every successful message answered, summed (what a client should report)."""
        total = dict.fromkeys(("input", "output", "cache_read", "cache_write"), 0)
        for reply in self.replies:
            usage = reply.body.get("usage") if isinstance(reply.body, dict) else None
            if reply.status != 200 or not usage:
                continue
            total["input"] += usage["input_tokens"]
            total["output"] += usage["output_tokens"]
            total["cache_read"] += usage["cache_read_input_tokens"]
            total["cache_write"] += usage["cache_creation_input_tokens"]
        return total

    def stream_events(self, body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """A reply body as the events of a streamed answer (the OpenAI fake overrides it)."""
        return message_events(body)

    def _next(self, request: dict[str, Any]) -> Reply:
        with self._lock:
            self.requests.append(request)
            responder = self._script.pop(0) if self._script else self.default
        reply = responder(request) if callable(responder) else responder
        with self._lock:
            self.replies.append(reply)
        return reply

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_HEAD(self) -> None:  # connectivity probes
                self._send(Reply(200, {}))

            def do_GET(self) -> None:
                self._send(error(404, "not_found_error", f"no route {self.path}"))

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                raw = self.rfile.read(length)
                try:
                    body: Any = json.loads(raw)
                except ValueError:
                    body = raw.decode(errors="replace")
                headers = {k.lower(): v for k, v in self.headers.items()}
                if not (headers.get("x-api-key") or headers.get("authorization")):
                    self._send(error(401, "authentication_error", "missing key"))
                    return
                request = {"path": self.path, "headers": headers, "body": body, "at": time.time()}
                if self.path.split("?")[0] == "/v1/messages/count_tokens":
                    self._send(Reply(200, {"input_tokens": 100}))
                    return
                try:
                    reply = fake._next(request)
                except Exception as exc:  # a broken script: fail the call fast, say why
                    reply = error(400, "invalid_request_error", f"fake server: {exc!r}")
                streaming = isinstance(body, dict) and body.get("stream") is True
                self._send(reply, streaming=streaming)

            def _send(self, reply: Reply, *, streaming: bool = False) -> None:
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.dropped:
                    self.close_connection = True
                    return
                sse = streaming and reply.status == 200 and isinstance(reply.body, dict)
                if sse:
                    payload = sse_bytes(fake.stream_events(reply.body))
                    kind = "text/event-stream"
                else:
                    data = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
                    payload, kind = data.encode(), "application/json"
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", kind)
                    self.send_header("content-length", str(len(payload)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(payload)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout tests)

        return Handler

    def __enter__(self) -> FakeAnthropic:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
