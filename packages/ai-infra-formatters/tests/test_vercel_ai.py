"""VercelAiEncoder against the AI SDK's own parser: the npm ``ai`` package (6.x)
parses every stream with ``uiMessageChunkSchema`` and builds its message with
``readUIMessageStream``, in Node (issue 14): see ``web_validators``."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable
from importlib import resources
from typing import Any

import orjson
from web_validators import checked_ui_message_streams, needs_ai_sdk

from ai_infra_formatters.vercel_ai import VERCEL_AI_HEADERS, VercelAiEncoder

pytestmark = needs_ai_sdk
validated = checked_ui_message_streams


def encode(events: Iterable[dict[str, Any]], *, error: str | None = None) -> str:
    ids = itertools.count(1)
    enc = VercelAiEncoder(message_id="msg-1", new_id=lambda: f"id-{next(ids)}")
    return "".join(enc.format(e) for e in events) + enc.close(error)


def chunks(stream: str) -> list[dict[str, Any]]:
    frames = stream.split("\n\n")[:-1]
    assert frames[-1] == "data: [DONE]"
    return [orjson.loads(frame[len("data: ") :]) for frame in frames[:-1]]


def test_the_bundled_sample_run() -> None:
    log = resources.files("ai_infra_formatters") / "data" / "sample_run.ndjson"
    lines = [orjson.loads(line) for line in log.read_bytes().splitlines() if line.strip()]
    (report,) = validated(encode(lines))
    assert report["messageId"] == "msg-1"
    kinds = {part["type"] for part in report["parts"]}
    assert {"step-start", "text", "dynamic-tool", "data-ai-infra-task_start"} <= kinds


def test_a_run_maps_as_documented() -> None:
    stream = encode(
        [
            {"type": "run_start"},
            {"type": "node_start", "node_name": "plan"},
            {"type": "reasoning", "content": "Think"},
            {"type": "token", "content": "Hi", "node_name": "model"},
            {"type": "tool_start", "tool": "add", "tool_id": "c1", "arguments": {"a": 1}},
            {"type": "tool_end", "tool": "add", "tool_id": "c1", "result": 2},
            {"type": "progress", "data": {"completed": 1}},
            {"type": "node_end", "node_name": "plan"},
            {"type": "usage", "input_tokens": 3, "output_tokens": 4},
            {"type": "run_end", "data": {"completed": 1}},
        ]
    )
    (report,) = validated(stream)
    types = [c["type"] for c in chunks(stream)]
    assert types == [
        "start",
        "data-ai-infra-run_start",
        "data-ai-infra-node_start",
        "start-step",
        "reasoning-start",
        "reasoning-delta",
        "reasoning-end",
        "text-start",
        "text-delta",
        "text-end",
        "tool-input-start",
        "tool-input-delta",
        "tool-input-available",
        "tool-output-available",
        "data-ai-infra-progress",
        "data-ai-infra-node_end",
        "finish-step",
        "data-ai-infra-run_end",
        "finish",
    ]
    finish = chunks(stream)[-1]
    assert finish == {
        "type": "finish",
        "finishReason": "stop",
        "messageMetadata": {"usage": {"inputTokens": 3, "outputTokens": 4}},
    }
    # Transient parts (progress, nodes) are shown as they come, not kept.
    assert "data-ai-infra-progress" not in {p["type"] for p in report["parts"]}


def test_a_failed_run_ends_with_an_error_chunk() -> None:
    stream = encode(
        [
            {"type": "run_start"},
            {"type": "node_start", "node_name": "execute"},
            {"type": "node_error", "node_name": "execute", "error": "ValueError: boom"},
            {"type": "run_end"},
        ]
    )
    sent = chunks(stream)
    assert sent[-2:] == [
        {"type": "error", "errorText": "ValueError: boom"},
        {"type": "finish", "finishReason": "error"},
    ]
    (report,) = validated(stream)
    assert report["errors"] == ["ValueError: boom"]


def test_a_bare_agent_stream_and_tool_results_without_calls() -> None:
    stream = encode(
        [
            {"type": "token", "content": "a"},
            {"type": "tool_end", "tool": "read", "result": "text"},  # no call seen
            {"type": "tool_start", "tool": "add"},  # no id
            {"type": "tool_end", "tool": "add", "error": "Error invoking tool add"},
            {"type": "done"},
            {"type": "token", "content": "after the end"},  # nothing after finish
        ]
    )
    (report,) = validated(stream)
    assert [p["state"] for p in report["parts"] if p["type"] == "dynamic-tool"] == [
        "output-available",
        "output-error",
    ]
    assert "after the end" not in stream


def test_the_headers_say_it_is_a_ui_message_stream() -> None:
    assert VERCEL_AI_HEADERS["x-vercel-ai-ui-message-stream"] == "v1"
    assert VERCEL_AI_HEADERS["Content-Type"] == "text/event-stream"


HOSTILE = ["", "\x1b[31mred", "\u202eevil", "</script><img src=x>", "line\nbreak", "\u2028", "😀"]


def random_stream(rng: random.Random) -> list[dict[str, Any]]:
    def text() -> str:
        return rng.choice(HOSTILE) + rng.choice(["", "word", " more"])

    makers = [
        lambda: {"type": "token", "content": text(), "node_name": rng.choice(["a", "b", None])},
        lambda: {"type": "reasoning", "content": text()},
        lambda: {"type": "node_start", "node_name": text() or "n"},
        lambda: {"type": "node_end", "node_name": text() or "n"},
        lambda: {"type": "node_error", "node_name": "n", "error": text()},
        lambda: {"type": "tool_start", "tool": text(), "tool_id": rng.choice([None, "c1"])},
        lambda: {"type": "tool_end", "tool": text(), "tool_id": rng.choice([None, "c1"]),
                 "result": text(), "error": rng.choice([None, text()])},
        lambda: {"type": rng.choice(["task_start", "progress", "my \x1b custom"]), "m": text()},
        lambda: {"type": rng.choice(["done", "error", "run_end"]), "error": text()},
        lambda: {"type": "usage", "input_tokens": rng.randint(0, 9)},
    ]  # fmt: skip
    head = [{"type": "run_start"}] if rng.random() < 0.5 else []
    return head + [rng.choice(makers)() for _ in range(rng.randint(0, 25))]


def test_any_stream_is_a_valid_ui_message_stream() -> None:
    rng = random.Random(20261130)
    streams = [random_stream(rng) for _ in range(300)]
    reports = validated(*(encode(s) for s in streams))
    assert len(reports) == 300
