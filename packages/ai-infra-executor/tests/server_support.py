"""Support for the server tests: a small in-memory run log, a live uvicorn server in
the test's event loop, and an SSE parser.

``ListRunLog`` is a test double of the :class:`RunLog` interface, just enough to
drive the server (the real one is ``MemoryRunLog``): ids ``<ms>-<seq>``, an optional
bound per run (older events dropped, a reset event for a reader who asked for them),
and a count of the tails open (to see a dropped watcher's tail closed).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import json
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from ai_infra_executor.run_log import RESET_EVENT_TYPE, LogEntry, RunInfo, UnknownRunError


def _key(event_id: str) -> tuple[int, int]:
    ms, _, seq = event_id.partition("-")
    return int(ms), int(seq)


@dataclass
class _Run:
    started: float
    entries: list[LogEntry] = field(default_factory=list)
    keys: list[tuple[int, int]] = field(default_factory=list)  # the entries' ids, parsed
    dropped: str | None = None  # the id of the newest event dropped
    appended: int = 0
    ended: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)


class ListRunLog:
    """A run log in lists (tests only); *keep*: how many events a run keeps; *ms*: the
    millisecond part of every id (default: the time of the append)."""

    def __init__(self, keep: int | None = None, ms: int | None = None) -> None:
        self._keep = keep
        self._ms = ms
        self._runs: dict[str, _Run] = {}
        self._seq = 0
        self._closed = False
        self.open_tails = 0

    async def append(self, run_id: str, event: Mapping[str, Any]) -> str:
        run = self._runs.setdefault(run_id, _Run(started=time.time()))
        self._seq += 1
        ms = int(time.time() * 1000) if self._ms is None else self._ms
        entry = LogEntry(f"{ms}-{self._seq}", dict(event))
        run.entries.append(entry)
        run.keys.append(_key(entry.id))
        run.appended += 1
        if self._keep is not None and len(run.entries) > self._keep:
            run.dropped = run.entries.pop(0).id
            run.keys.pop(0)
        self._wake(run)
        return entry.id

    async def end(self, run_id: str) -> None:
        run = self._run(run_id)
        run.ended = True
        self._wake(run)

    async def read(
        self, run_id: str, after: str | None = None, limit: int = 1000
    ) -> list[LogEntry]:
        run = self._run(run_id)
        out: list[LogEntry] = []
        if run.dropped is not None and (after is None or _key(after) < _key(run.dropped)):
            if after is not None:
                out.append(LogEntry(run.dropped, {"type": RESET_EVENT_TYPE, "after": after}))
            after = run.dropped
        start = 0 if after is None else bisect.bisect_right(run.keys, _key(after))
        out.extend(run.entries[start : start + limit])
        return out[:limit]

    async def tail(self, run_id: str, after: str | None = None) -> AsyncIterator[LogEntry]:
        run = self._run(run_id)
        self.open_tails += 1
        try:
            while True:
                waiter = run.changed
                batch = await self.read(run_id, after)
                for entry in batch:
                    yield entry
                    after = entry.id
                if batch:
                    continue
                if run.ended or self._closed:
                    return
                await waiter.wait()
        finally:
            self.open_tails -= 1

    async def runs(self) -> list[RunInfo]:
        return [await self.info(r) for r in reversed(self._runs)]

    async def info(self, run_id: str) -> RunInfo:
        run = self._run(run_id)
        status = "ended" if run.ended else "running"
        return RunInfo(run_id, status, run.started, len(run.entries))

    async def close(self) -> None:
        self._closed = True
        for run in self._runs.values():
            self._wake(run)

    def _run(self, run_id: str) -> _Run:
        try:
            return self._runs[run_id]
        except KeyError:
            raise UnknownRunError(run_id) from None

    @staticmethod
    def _wake(run: _Run) -> None:
        run.changed.set()
        run.changed = asyncio.Event()


@contextlib.asynccontextmanager
async def live_server(app: Any) -> AsyncIterator[str]:
    """Serve *app* with uvicorn on a free port of 127.0.0.1, in this event loop; its URL."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="off",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
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
