"""Support for the server tests: a count of the tails a server holds open on a real
run log, a live uvicorn server in the test's event loop, and an SSE parser."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from ai_infra_executor.run_log import LogEntry, RunLog


class CountingTails:
    """A real run log (*log*: ``MemoryRunLog`` or ``RedisRunLog``) that counts the
    tails open on it (``open_tails``): to see that watchers are tailing a run, and
    that a dropped watcher's tail was closed. Everything else is *log*'s own."""

    def __init__(self, log: RunLog) -> None:
        self.log = log
        self.open_tails = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.log, name)

    def tail(self, run_id: str, after: str | None = None) -> AsyncIterator[LogEntry]:
        return self._counted(self.log.tail(run_id, after))

    def tail_batches(
        self, run_id: str, after: str | None = None
    ) -> AsyncIterator[Sequence[LogEntry]]:
        return self._counted(self.log.tail_batches(run_id, after))  # type: ignore[attr-defined]

    async def _counted(self, tail: AsyncIterator[Any]) -> AsyncIterator[Any]:
        self.open_tails += 1
        try:
            async with contextlib.aclosing(tail) as items:  # type: ignore[type-var]
                async for item in items:
                    yield item
        finally:
            self.open_tails -= 1


async def start_uvicorn(
    app: Any, port: int = 0, *, log_level: str = "warning", graceful: float = 1.0
) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    """Serve *app* with uvicorn on 127.0.0.1:*port* (0: a free one), in this event loop,
    once it listens: the server (``should_exit = True`` stops it) and its task.

    Args:
        graceful: seconds open connections are given when it stops.
    """
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level=log_level,
        lifespan="off",
        timeout_graceful_shutdown=graceful,
    )
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    return server, task


@contextlib.asynccontextmanager
async def live_server(app: Any) -> AsyncIterator[str]:
    """Serve *app* with uvicorn on a free port of 127.0.0.1, in this event loop; its URL."""
    server, task = await start_uvicorn(app)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


@dataclass
class Frame:
    """One SSE block: its fields (``id``, ``event``, the ``data`` lines joined) and comments."""

    id: str | None = None
    event: str | None = None
    data: str | None = None
    comments: list[str] = field(default_factory=list)

    def json(self) -> Any:
        assert self.data is not None
        return json.loads(self.data)


def parse_frames(text: str) -> list[Frame]:
    """The blocks of an SSE body (the complete ones)."""
    frames: list[Frame] = []
    for block in text.split("\n\n")[:-1]:
        frame = Frame()
        for line in block.split("\n"):
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                frame.comments.append(value)
            elif name == "data":
                frame.data = value if frame.data is None else frame.data + "\n" + value
            elif name == "id":
                frame.id = value
            elif name == "event":
                frame.event = value
        frames.append(frame)
    return frames


def data_frames(frames: list[Frame]) -> list[Frame]:
    """The frames that carry data and are plain messages (no ``event:``)."""
    return [f for f in frames if f.data is not None and f.event is None]
