"""Replaying ended runs from Redis: watchers who join one after another do not each read
it from Redis again (an ended run cannot change), and what a reader is given is its own.
A real redis-server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from redis_support import RedisServer, needs_redis

from ai_infra_executor.run_log_redis import RedisRunLog

pytestmark = needs_redis


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[RedisRunLog]:
    server = RedisServer(tmp_path)
    server.start()
    log = RedisRunLog(server.url)
    try:
        yield log
    finally:
        await log.close()
        server.stop()


def _count_reads(log: RedisRunLog) -> list[int]:
    """Count the log's read scripts run on Redis (one per chunk read)."""
    calls = [0]
    script = log._read

    async def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return await script(*args, **kwargs)

    log._read = counted  # type: ignore[assignment]
    return calls


async def _whole(log: RedisRunLog, run_id: str) -> list[Any]:
    return [(e.id, e.event) async for e in log.tail(run_id)]


async def test_tails_replaying_an_ended_run_one_after_another_read_redis_once(log):
    await log.append_many("r", [{"type": "token", "content": f"t{n}"} for n in range(3000)])
    await log.end("r")
    reads = _count_reads(log)
    first = await _whole(log, "r")
    once = reads[0]
    second = await _whole(log, "r")
    assert [event["content"] for _, event in first] == [f"t{n}" for n in range(3000)]
    assert second == first
    assert once >= 1
    assert reads[0] == once  # the second replay came from what the first read


async def test_a_running_run_is_read_again_and_shows_what_was_appended_since(log):
    await log.append("r", {"type": "token", "content": "a"})
    assert [e.event["content"] for e in await log.read("r")] == ["a"]
    await log.append("r", {"type": "token", "content": "b"})
    assert [e.event["content"] for e in await log.read("r")] == ["a", "b"]
    await log.end("r")
    assert [e.event["content"] for e in await log.read("r")] == ["a", "b"]


async def test_what_read_gives_is_the_readers_own(log):
    await log.append_many("r", [{"type": "token", "content": "a"}, {"type": "token"}])
    await log.end("r")
    entries = await log.read("r")
    entries.clear()
    assert len(await log.read("r")) == 2
