"""An append whose reply is lost after the log applied it (Redis wrote the batch, then
the connection dropped) is retried without repeating its events: the publisher numbers
them and the log skips the numbers it holds."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
import run_log_support
from redis_support import RedisServer, needs_redis
from test_publish import numbered, stored, until

from ai_infra_executor.publish import Publisher
from ai_infra_executor.run_log import RunLog
from ai_infra_executor.run_log_memory import MemoryRunLog

redis_server = run_log_support.redis_server


class ReplyLosingProxy:
    """A TCP proxy in front of a redis-server that can lose one reply.

    After :meth:`lose_reply_to`, the next command whose bytes hold *marker* is passed
    to Redis, which runs it; when Redis answers (not with an error), the client's
    connection is closed instead of getting the answer.
    """

    def __init__(self, redis_port: int) -> None:
        self._redis_port = redis_port
        self._marker: bytes | None = None
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        #: How many replies were lost.
        self.lost = 0

    async def start(self) -> str:
        """Start listening; the URL to give a Redis client."""
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"redis://127.0.0.1:{port}/0"

    def lose_reply_to(self, marker: bytes) -> None:
        self._marker = marker

    async def _serve(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        redis_in, redis_out = await asyncio.open_connection("127.0.0.1", self._redis_port)
        trap = False  # the command in flight is the one whose reply is to be lost

        async def upstream() -> None:
            nonlocal trap
            while data := await client_in.read(1 << 16):
                trap = self._marker is not None and self._marker in data
                redis_out.write(data)
                await redis_out.drain()

        async def downstream() -> None:
            while data := await redis_in.read(1 << 16):
                if trap and not data.startswith(b"-"):  # applied: lose the reply
                    self._marker = None
                    self.lost += 1
                    return
                client_out.write(data)
                await client_out.drain()

        tasks = [asyncio.create_task(upstream()), asyncio.create_task(downstream())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            for writer in (client_out, redis_out):
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()


@needs_redis
async def test_an_append_applied_by_redis_whose_reply_is_lost_is_not_repeated(
    redis_server: RedisServer,
) -> None:
    from ai_infra_executor.run_log_redis import RedisRunLog

    proxy = ReplyLosingProxy(redis_server.port)
    prefix = f"lost-reply-{uuid.uuid4().hex}:"
    log = RedisRunLog(await proxy.start(), prefix=prefix)
    reader = RedisRunLog(redis_server.url, prefix=prefix)
    publisher = Publisher(log, max_retry_delay=0.02)
    try:
        for i in range(10):
            publisher.put(numbered(i))
        await until(lambda: _holds(reader, publisher.run_id, 10))
        proxy.lose_reply_to(b'"event 10"')
        for i in range(10, 20):
            publisher.put(numbered(i))
        await publisher.aclose()
        assert proxy.lost == 1
        assert stored(await reader.read(publisher.run_id, limit=1000)) == list(range(20))
        assert (await reader.info(publisher.run_id)).status == "ended"
    finally:
        await log.close()
        await reader.close()
        await proxy.close()


class ReplyLosingLog(MemoryRunLog):
    """A memory log whose next append, once armed, is applied and then raises as if
    its reply had been lost."""

    def __init__(self) -> None:
        super().__init__()
        self.armed = False

    async def append_many(
        self, run_id: str, events: Sequence[Mapping[str, Any]], *, first_seq: int | None = None
    ) -> list[str]:
        ids = await super().append_many(run_id, events, first_seq=first_seq)
        if self.armed:
            self.armed = False
            raise ConnectionError("connection lost before the reply")
        return ids


async def test_a_memory_append_whose_reply_is_lost_is_not_repeated() -> None:
    log = ReplyLosingLog()
    publisher = Publisher(log, max_retry_delay=0.02)
    log.armed = True
    for i in range(10):
        publisher.put(numbered(i))
    await publisher.aclose()
    assert not log.armed
    assert stored(await log.read(publisher.run_id)) == list(range(10))


async def _holds(log: RunLog, run_id: str, n: int) -> bool:
    try:
        return len(await log.read(run_id, limit=10_000)) >= n
    except Exception:
        return False


async def test_a_second_publisher_on_a_run_is_not_skipped_silently(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Its numbers start at 1 too: the run skips them, and the publisher says so.
    log = MemoryRunLog()
    async with Publisher(log) as first:
        first.put(numbered(0))
        await until(lambda: _holds(log, first.run_id, 1))
        with caplog.at_level(logging.WARNING, logger="ai_infra_executor.publish"):
            second = Publisher(log, first.run_id)
            second.put(numbered(1))
            await until(lambda: _warned(caplog))
            second.put(numbered(2))  # beyond the first's numbers: appended
            await second.aclose()
    assert stored(await log.read(first.run_id)) == [0, 2]
    (record,) = caplog.records
    assert "not appended" in record.getMessage()


async def _warned(caplog: pytest.LogCaptureFixture) -> bool:
    return bool(caplog.records)
