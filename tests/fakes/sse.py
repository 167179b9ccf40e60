"""A Messages API response as the server-sent events of a streamed reply.

The order and shapes are the API's: `message_start` (the message with empty content and the
input-side usage), per block `content_block_start` / `content_block_delta` (`text_delta`, or
`input_json_delta` carrying the tool input as JSON text) / `content_block_stop`, then
`message_delta` (`stop_reason` and the cumulative `usage.output_tokens`) and `message_stop`.
"""

from __future__ import annotations

import json
from typing import Any


def message_events(body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    usage = dict(body["usage"])
    start = {**body, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 1}}
    events: list[tuple[str, dict[str, Any]]] = [
        ("message_start", {"type": "message_start", "message": start})
    ]
    for index, block in enumerate(body["content"]):
        events.extend(_block_events(index, block))
    delta = {
        "type": "message_delta",
        "delta": {"stop_reason": body["stop_reason"], "stop_sequence": None},
        "usage": {"output_tokens": usage["output_tokens"]},
    }
    events.append(("message_delta", delta))
    events.append(("message_stop", {"type": "message_stop"}))
    return events


def _block_events(index: int, block: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    if block["type"] == "tool_use":
        opening = {**block, "input": {}}
        delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
    else:
        opening = {"type": "text", "text": ""}
        delta = {"type": "text_delta", "text": block["text"]}
    return [
        ("content_block_start", {"type": "content_block_start", "index": index,
                                 "content_block": opening}),
        ("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}),
        ("content_block_stop", {"type": "content_block_stop", "index": index}),
    ]


def sse_bytes(events: list[tuple[str, dict[str, Any]]]) -> bytes:
    return "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events).encode()
