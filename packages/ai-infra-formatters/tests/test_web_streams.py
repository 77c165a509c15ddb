"""sse_stream: a web response body that always ends the protocol's way."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from ai_infra_formatters import AgUiEncoder, VercelAiEncoder, sse_stream


async def frames_of(events: Any, encoder: Any) -> list[str]:
    return [frame async for frame in sse_stream(events, encoder)]


def test_plain_and_async_iterables_give_the_same_frames() -> None:
    events = [{"type": "token", "content": "hi"}, {"type": "done"}]

    async def produce() -> AsyncIterator[dict[str, Any]]:
        for event in events:
            yield event

    ids = iter(range(100))
    plain = asyncio.run(frames_of(events, VercelAiEncoder(new_id=lambda: str(next(ids)))))
    ids = iter(range(100))
    both = asyncio.run(frames_of(produce(), VercelAiEncoder(new_id=lambda: str(next(ids)))))
    assert plain == both
    assert plain[-1].endswith("data: [DONE]\n\n")


def test_a_producer_that_raises_ends_the_stream_with_the_protocol_error() -> None:
    async def produce() -> AsyncIterator[dict[str, Any]]:
        yield {"type": "token", "content": "partial"}
        raise RuntimeError("model went away")

    sent: list[str] = []

    async def consume() -> None:
        async for frame in sse_stream(produce(), AgUiEncoder()):
            sent.append(frame)

    with pytest.raises(RuntimeError, match="model went away"):
        asyncio.run(consume())
    assert '"type":"RUN_ERROR"' in sent[-1]
    assert "RuntimeError: model went away" in sent[-1]


def test_a_client_that_leaves_stops_the_run_at_once() -> None:
    closed: list[bool] = []

    async def produce() -> AsyncIterator[dict[str, Any]]:
        try:
            while True:
                yield {"type": "token", "content": "more"}
        finally:
            closed.append(True)

    async def leave_early() -> None:
        body = sse_stream(produce(), AgUiEncoder())
        await body.__anext__()
        await body.aclose()  # what a server does when the client disconnects
        assert closed == [True]  # now, not when the loop shuts down

    asyncio.run(leave_early())
