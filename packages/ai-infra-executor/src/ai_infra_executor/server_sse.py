"""`EventStream`: one watcher's Server-Sent Events response for one run of a :class:`RunLog`.

Every frame that carries a log event has ``id:`` set to that event's log id (with
``ag-ui`` and ``vercel-ai``, where one log event may give several frames, each of
them carries the id of the log event that produced it; they are sent in one write).
A client that reconnects with that id as ``Last-Event-ID`` resumes right after it.

Each connection has its own bounded buffer between the log and the socket: the log
is read by a pump task into at most *buffer* entries; a watcher that stops reading
fills it, and when it stays full for *stall* seconds the watcher is dropped (its tail
of the log is closed, what was buffered is still sent, the response ends without the
end marker, so the client reconnects by id). Nothing a watcher does waits on another,
nor on the run. A send that cannot complete for *stall* seconds drops the connection
at once.

The stream ends after the run's last event: with the ``json`` format, an ``end``
event (``event: end``, which ``EventSource.onmessage`` does not see) tells the client
not to reconnect; the web protocols end their own way (``RUN_FINISHED``, ``[DONE]``).
When the log is closed before the run ended (the server stops), the response just
ends: the client reconnects and resumes.

Imports Starlette (the ``server`` extra).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, Final, Protocol

from starlette.types import Message, Receive, Scope, Send

from ai_infra_executor.run_log import (
    RESET_EVENT_TYPE,
    BatchTail,
    LogEntry,
    RunLog,
    UnknownRunError,
)
from ai_infra_executor.sized_cache import SizedCache
from ai_infra_formatters.ag_ui import AgUiEncoder
from ai_infra_formatters.sse import SSE_HEADERS, sse_frame, wire_json
from ai_infra_formatters.vercel_ai import VercelAiEncoder

__all__ = [
    "FORMATS",
    "KEEPALIVE_FRAME",
    "EventStream",
    "FrameCache",
    "Framer",
    "parse_event_id",
]

_log = logging.getLogger(__name__)

#: A log event id as the run logs write it: ``<ms>-<seq>`` (Redis Streams ids).
_EVENT_ID: Final = re.compile(r"[0-9]{1,20}-[0-9]{1,20}")

#: The comment sent when nothing else was for a while: proxies keep the connection.
KEEPALIVE_FRAME: Final = b": keep-alive\n\n"

#: Sent first: the browser waits this long (ms) before reconnecting.
_OPENING: Final = b"retry: 1000\n\n"


def parse_event_id(value: str | None) -> str | None:
    """*value* (a ``Last-Event-ID`` or ``?after=``) checked; ``None`` or ``""``: none.

    Raises:
        ValueError: *value* is not a log event id (``<ms>-<seq>``).
    """
    if value is None or value == "":
        return None
    if _EVENT_ID.fullmatch(value) is None:
        raise ValueError("an event id is <milliseconds>-<sequence>, digits only")
    return value


class Framer(Protocol):
    """Turns one connection's log events into SSE data payloads (one format)."""

    def payloads(self, event: Mapping[str, Any]) -> list[Any]:
        """The payloads (JSON-able, or a one-line str) of one log event."""
        ...

    def finish(self) -> list[Any]:
        """The payloads that end the stream after the run's last event."""
        ...

    #: Whether the ``end`` SSE event follows :meth:`finish` (the format has no end of its own).
    end_event: bool
    #: Whether an event's frames are the same for every connection (no per-connection
    #: state): they are then made once and shared (see :class:`FrameCache`).
    stateless: bool


class _JsonFramer:
    """The project's JSON events, one ``data:`` each."""

    end_event = True
    stateless = True

    def __init__(self, run_id: str) -> None:
        del run_id  # the events name their run themselves, when they do

    def payloads(self, event: Mapping[str, Any]) -> list[Any]:
        return [event]

    def finish(self) -> list[Any]:
        return []


class _AgUiFramer:
    """AG-UI events, by one :class:`AgUiEncoder` (the connection's); the thread and the
    first run are named after the log's run, so a reconnected watcher keeps them."""

    end_event = False
    stateless = False

    def __init__(self, run_id: str) -> None:
        self._encoder = AgUiEncoder(thread_id=run_id, run_id=run_id)

    def payloads(self, event: Mapping[str, Any]) -> list[Any]:
        return list(self._encoder.encode(event))

    def finish(self) -> list[Any]:
        return list(self._encoder.finish())


class _VercelAiFramer:
    """AI SDK UI message stream chunks, by one :class:`VercelAiEncoder`, ``[DONE]`` last;
    the message is named after the log's run, so a reconnected watcher keeps it."""

    end_event = False
    stateless = False

    def __init__(self, run_id: str) -> None:
        self._encoder = VercelAiEncoder(message_id=run_id)

    def payloads(self, event: Mapping[str, Any]) -> list[Any]:
        return list(self._encoder.encode(event))

    def finish(self) -> list[Any]:
        return [*self._encoder.finish(), "[DONE]"]


#: The ``?format=`` values and what makes a connection's framer (given the run's id).
FORMATS: Final[Mapping[str, Callable[[str], Framer]]] = {
    "json": _JsonFramer,
    "ag-ui": _AgUiFramer,
    "vercel-ai": _VercelAiFramer,
}


class FrameCache:
    """The frames of recent log events in a stateless format, made once for all the
    watchers of a run rather than once each (bounded: the oldest are forgotten).

    A key is an event id, or a range of events (see :meth:`EventStream`'s batches):
    the frames of the events a run's watchers get together are joined once too.

    Args:
        size: how many keys are kept.
        max_bytes: about how many bytes of frames are kept.
    """

    def __init__(self, size: int = 4096, max_bytes: int = 32 << 20) -> None:
        self._frames: SizedCache[tuple[str, str], bytes] = SizedCache(
            len, max_items=size, max_size=max_bytes
        )

    def get(self, run_id: str, key: str) -> bytes | None:
        """The frames kept for that event (or range) of that run, if any."""
        return self._frames.get((run_id, key))

    def put(self, run_id: str, key: str, frames: bytes) -> None:
        """Keep *frames* for that event (or range) of that run."""
        self._frames.put((run_id, key), frames)


async def _close(tail: AsyncIterator[Any]) -> None:
    """Close *tail* if it can be closed (an async generator: its ``finally`` runs now)."""
    close = getattr(tail, "aclose", None)
    if close is not None:
        with contextlib.suppress(Exception):
            await close()


async def _one_by_one(tail: AsyncIterator[LogEntry]) -> AsyncIterator[Sequence[LogEntry]]:
    """A tail of single events as batches of one."""
    try:
        async for entry in tail:
            yield (entry,)
    finally:
        await _close(tail)


def _batches(log: RunLog, run_id: str, after: str | None) -> AsyncIterator[Sequence[LogEntry]]:
    """The tail of *run_id* after *after*, in batches (of one if the log has no batches)."""
    if isinstance(log, BatchTail):
        return log.tail_batches(run_id, after)
    return _one_by_one(log.tail(run_id, after))


# How the pump ended.
_ENDED, _DROPPED, _CLOSED = "ended", "dropped", "closed"


class EventStream:
    """The SSE response of one watcher of one run (an ASGI app, used once).

    Args:
        log: the run log to read.
        run_id: the run to stream (known to exist when the response is made).
        after: the id to resume after (``None``: from the start).
        framer: the connection's format (from :data:`FORMATS`).
        keepalive: seconds without a frame before a keep-alive comment.
        buffer: how many log events may wait for this watcher.
        stall: seconds a full buffer, or a blocked send, is tolerated before the
            watcher is dropped.
        cache: where the frames of a stateless format are shared between watchers
            (``None``: each connection makes its own).
    """

    def __init__(
        self,
        log: RunLog,
        run_id: str,
        after: str | None,
        framer: Framer,
        *,
        keepalive: float,
        buffer: int,
        stall: float,
        cache: FrameCache | None = None,
    ) -> None:
        self._log = log
        self._run_id = run_id
        self._after = after
        self._framer = framer
        self._keepalive = keepalive
        self._stall = stall
        self._cache = cache if framer.stateless else None
        self._buffer = max(1, buffer)
        # Batches of log events read but not yet sent, and how many events they hold.
        self._batches: deque[Sequence[LogEntry]] = deque()
        self._buffered = 0
        self._arrived = asyncio.Event()  # set when a batch is buffered
        self._room = asyncio.Event()  # set when the buffer is emptied
        self._room.set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in SSE_HEADERS.items()
        ]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        pump = asyncio.create_task(self._pump())
        gone = asyncio.create_task(_disconnected(receive))
        try:
            await self._write(send, pump, gone)
        finally:
            for task in (pump, gone):
                task.cancel()
            for task in (pump, gone):
                with contextlib.suppress(BaseException):
                    await task

    # -- the log side -----------------------------------------------------------

    async def _pump(self) -> str:
        """Read the run's tail into the buffer, a batch at a time; how it ended.

        A batch is taken while fewer than *buffer* events wait (so at most *buffer*
        plus one batch do); a buffer that stays full for the stall time drops the
        watcher.
        """
        tail = _batches(self._log, self._run_id, self._after)
        try:
            async for batch in tail:
                if self._buffered >= self._buffer:
                    self._room.clear()
                    try:
                        await asyncio.wait_for(self._room.wait(), self._stall)
                    except TimeoutError:
                        _log.info("run %s: a watcher fell too far behind, dropped", self._run_id)
                        return _DROPPED
                self._batches.append(batch)
                self._buffered += len(batch)
                self._arrived.set()
        except UnknownRunError:
            return _CLOSED
        finally:
            await _close(tail)
        try:
            info = await self._log.info(self._run_id)
        except Exception:  # the log was closed or dropped the run: let the client retry
            return _CLOSED
        return _ENDED if info.status == "ended" else _CLOSED

    # -- the socket side --------------------------------------------------------

    async def _write(self, send: Send, pump: asyncio.Task[str], gone: asyncio.Task[None]) -> None:
        if not await self._send(send, _OPENING):
            return
        while True:
            chunk = self._drain()
            if chunk:
                if not await self._send(send, chunk):
                    return
                continue
            if pump.done():
                outcome = _outcome(pump, self._run_id)
                if outcome == _ENDED:
                    await self._send(send, self._ending(), more=False)
                else:
                    await self._send(send, b"", more=False)
                return
            self._arrived.clear()
            arrived = asyncio.ensure_future(self._arrived.wait())
            try:
                done, _ = await asyncio.wait(
                    {arrived, pump, gone},
                    timeout=self._keepalive,
                    return_when=asyncio.FIRST_COMPLETED,
                )
            finally:
                if not arrived.done():
                    arrived.cancel()
            if gone in done:
                return
            if not done and not await self._send(send, KEEPALIVE_FRAME):
                return

    def _drain(self) -> bytes:
        """The frames of every buffered event, in order (``b""``: none)."""
        if not self._batches:
            return b""
        parts = [self._batch_frames(batch) for batch in self._batches]
        self._batches.clear()
        self._buffered = 0
        self._room.set()
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _batch_frames(self, batch: Sequence[LogEntry]) -> bytes:
        """The SSE frames of a batch of log events; with a cache, made once for every
        watcher that gets the same batch (the watchers of a run's feed do)."""
        if self._cache is None:
            return b"".join([self._make_frames(entry) for entry in batch])
        first = batch[0]
        if first.event.get("type") == RESET_EVENT_TYPE:
            # A reset entry has the id of the last event dropped, whose own frames
            # another watcher may have: it is never cached.
            rest = batch[1:]
            return self._make_frames(first) + (self._batch_frames(rest) if rest else b"")
        key = first.id if len(batch) == 1 else f"{first.id}..{batch[-1].id}"
        frames = self._cache.get(self._run_id, key)
        if frames is None:
            frames = b"".join([self._make_frames(entry) for entry in batch])
            self._cache.put(self._run_id, key, frames)
        return frames

    def _make_frames(self, entry: LogEntry) -> bytes:
        """The SSE frames of one log event, each with the event's id."""
        prefix = f"id: {entry.id}\n" if _EVENT_ID.fullmatch(entry.id) else ""
        payloads = self._framer.payloads(entry.event)
        if not payloads:  # no frame: still move the client's Last-Event-ID past it
            return f"{prefix}\n".encode() if prefix else b""
        return "".join(prefix + sse_frame(p) for p in payloads).encode("utf-8")

    def _ending(self) -> bytes:
        text = "".join(sse_frame(p) for p in self._framer.finish())
        if self._framer.end_event:
            text += f"event: end\ndata: {wire_json({'run': self._run_id, 'status': 'ended'})}\n\n"
        return text.encode("utf-8")

    async def _send(self, send: Send, body: bytes, *, more: bool = True) -> bool:
        """Send *body*; ``False`` when the client did not take it within the stall time."""
        message: Message = {"type": "http.response.body", "body": body, "more_body": more}
        try:
            await asyncio.wait_for(send(message), self._stall)
        except TimeoutError:
            _log.info("run %s: a watcher stopped reading, dropped", self._run_id)
            return False
        except OSError:  # the client went away (uvicorn's ClientDisconnected)
            return False
        return True


def _outcome(pump: asyncio.Task[str], run_id: str) -> str:
    """How the pump ended (a failure is logged, and the client left to retry)."""
    if pump.cancelled():
        return _CLOSED
    error = pump.exception()
    if error is not None:
        _log.warning("run %s: reading the log failed: %r", run_id, error)
        return _CLOSED
    return pump.result()


async def _disconnected(receive: Receive) -> None:
    """Return when the client has gone away."""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
