"""Publishing runs to a run log: the JSON format's wire dicts, in order, the run ended
whatever happens, and a log that goes away (Redis restarted mid-run) neither holds
up the run nor loses events silently."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest
import run_log_support
from redis_support import RedisServer, needs_redis
from run_log_support import MakeLog

from ai_infra_executor import ExecutorStreamEvent, create_task_start_event
from ai_infra_executor.publish import Publisher, publish
from ai_infra_executor.run_log import LogEntry, RunLog, new_run_id
from ai_infra_executor.run_log_memory import MemoryRunLog
from ai_infra_formatters import JsonFormatter

redis_server = run_log_support.redis_server
make_log = run_log_support.make_log


def run_events() -> list[Any]:
    """Events of several kinds, hostile text and values JSON has no type for."""
    return [
        create_task_start_event({"id": "1", "title": "Evil \x1b[31mred\x1b[0m \u202etxt"}, 1, 2),
        ExecutorStreamEvent("llm_token", content="tok\x7fen\u2028"),
        ExecutorStreamEvent(
            "progress", message="p", data={"when": datetime(2026, 1, 2, tzinfo=timezone.utc)}
        ),
        {"type": "node_start", "node_name": "plan"},
    ]


def wire(event: Any) -> Any:
    """What the JSON format writes for *event*."""
    return orjson.loads(JsonFormatter().format(event))


def numbered(i: int) -> ExecutorStreamEvent:
    return ExecutorStreamEvent("progress", message=f"event {i}", data={"i": i})


def stored(entries: list[LogEntry]) -> list[Any]:
    """The ``i`` of each numbered event, and ``("lost", n)`` for an error event."""
    out: list[Any] = []
    for entry in entries:
        event = entry.event
        if event["type"] == "error":
            out.append(("lost", event["data"]["lost"]))
        else:
            out.append(event["data"]["i"])
    return out


async def until(condition: Callable[[], Any], timeout: float = 20) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.01)


async def test_publish_stores_what_the_json_format_writes_and_ends_the_run(
    make_log: MakeLog,
) -> None:
    log = make_log(10_000)
    run_id = new_run_id()
    events = run_events()
    assert await publish(events, log, run_id) == run_id
    entries = await log.read(run_id)
    assert [e.event for e in entries] == [wire(e) for e in events]
    assert (await log.info(run_id)).status == "ended"


async def test_publish_makes_an_unguessable_run_id_and_takes_async_iterables(
    make_log: MakeLog,
) -> None:
    log = make_log(10_000)

    async def events() -> AsyncIterator[Any]:
        for i in range(2000):
            yield numbered(i)

    run_id = await publish(events(), log)
    assert len(run_id) >= 20
    assert stored(await log.read(run_id, limit=5000)) == list(range(2000))


async def test_when_the_events_raise_what_came_is_kept_and_the_run_ends(
    make_log: MakeLog,
) -> None:
    log = make_log(10_000)

    async def events() -> AsyncIterator[Any]:
        for i in range(3):
            yield numbered(i)
        raise RuntimeError("the run failed")

    run_id = new_run_id()
    with pytest.raises(RuntimeError, match="the run failed"):
        await publish(events(), log, run_id)
    assert stored(await log.read(run_id)) == [0, 1, 2]
    assert (await log.info(run_id)).status == "ended"


async def test_a_cancelled_run_is_ended_with_the_events_it_had(make_log: MakeLog) -> None:
    log = make_log(10_000)
    third = asyncio.Event()

    async def events() -> AsyncIterator[Any]:
        for i in range(3):
            yield numbered(i)
        third.set()
        await asyncio.Event().wait()  # the run hangs until cancelled
        yield numbered(3)

    run_id = new_run_id()
    task = asyncio.create_task(publish(events(), log, run_id))
    await third.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert stored(await log.read(run_id)) == [0, 1, 2]
    assert (await log.info(run_id)).status == "ended"


class FlakyLog(MemoryRunLog):
    """A memory log that can be taken down: appends then raise ConnectionError."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.failures = 0

    async def append_many(
        self, run_id: str, events: Sequence[Mapping[str, Any]], *, first_seq: int | None = None
    ) -> list[str]:
        if self.down:
            self.failures += 1
            raise ConnectionError("the log is down")
        return await super().append_many(run_id, events, first_seq=first_seq)


async def test_while_the_log_is_down_events_wait_and_go_in_order_once_it_is_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = FlakyLog()
    publisher = Publisher(log, buffer=1000, max_retry_delay=0.02)
    for i in range(10):
        publisher.put(numbered(i))
    await until(lambda: _count(log, publisher.run_id, 10))
    log.down = True
    for i in range(10, 500):  # the run goes on: put never waits for the log
        publisher.put(numbered(i))
        await asyncio.sleep(0)
    assert log.failures > 0
    assert stored(await log.read(publisher.run_id)) == list(range(10))
    log.down = False
    with caplog.at_level(logging.WARNING, logger="ai_infra_executor.publish"):
        await publisher.aclose()
    assert stored(await log.read(publisher.run_id, limit=1000)) == list(range(500))
    assert publisher.lost == 0
    assert (publisher.put_count, publisher.published, publisher.unpublished) == (500, 500, 0)
    assert caplog.records == []


async def test_past_the_buffer_events_are_dropped_and_an_error_event_says_how_many(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = FlakyLog()
    publisher = Publisher(log, buffer=50, max_retry_delay=0.02)
    log.down = True
    with caplog.at_level(logging.WARNING, logger="ai_infra_executor.publish"):
        for i in range(200):
            publisher.put(numbered(i))
            await asyncio.sleep(0)
        log.down = False
        await until(lambda: _count(log, publisher.run_id, 51))
        for i in range(200, 210):
            publisher.put(numbered(i))
        await publisher.aclose()
    entries = await log.read(publisher.run_id, limit=1000)
    assert stored(entries) == [*range(50), ("lost", 150), *range(200, 210)]
    assert "150 events of this run were lost" in entries[50].event["error"]
    assert publisher.lost == 150
    assert (publisher.put_count, publisher.unpublished) == (210, 150)  # the note not counted
    (record,) = caplog.records
    assert "dropping events" in record.getMessage()


async def test_what_closing_gives_up_on_is_counted_unpublished(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = FlakyLog()
    publisher = Publisher(log, buffer=1000, max_retry_delay=0.02, close_timeout=0.2)
    publisher.put(numbered(0))
    await until(lambda: _count(log, publisher.run_id, 1))
    log.down = True
    for i in range(1, 31):
        publisher.put(numbered(i))
    with caplog.at_level(logging.WARNING, logger="ai_infra_executor.publish"):
        await publisher.aclose()
    assert publisher.lost == 0  # none dropped for room...
    assert (publisher.put_count, publisher.published, publisher.unpublished) == (31, 1, 30)
    assert any("30 buffered events were not published" in r.getMessage() for r in caplog.records)


async def _count(log: RunLog, run_id: str, n: int) -> bool:
    try:
        return len(await log.read(run_id, limit=10_000)) >= n
    except Exception:  # not there yet, or a connection Redis closed when restarting
        return False


@pytest.fixture
def persistent_redis(tmp_path: Path) -> Any:
    server = RedisServer(tmp_path, persistent=True)
    server.start()
    yield server
    server.stop()


@needs_redis
@pytest.mark.parametrize("buffer", [1000, 50])
async def test_redis_restarted_mid_run_neither_holds_up_the_run_nor_loses_events_silently(
    persistent_redis: RedisServer, buffer: int, caplog: pytest.LogCaptureFixture
) -> None:
    from ai_infra_executor.run_log_redis import RedisRunLog

    log = RedisRunLog(persistent_redis.url)
    publisher = Publisher(log, buffer=buffer, max_retry_delay=0.05)
    try:
        with caplog.at_level(logging.WARNING, logger="ai_infra_executor.publish"):
            for i in range(100):  # Redis is up: wait for room rather than drop
                await publisher.put_wait(numbered(i))
            await until(lambda: _count(log, publisher.run_id, 100))
            persistent_redis.stop()
            for i in range(100, 300):  # Redis is down: the run goes on
                publisher.put(numbered(i))
                await asyncio.sleep(0)
            persistent_redis.start()
            # What waited is appended once Redis is back (and the error event).
            waited = min(buffer, 200) + (1 if buffer < 200 else 0)
            await until(lambda: _count(log, publisher.run_id, 100 + waited))
            for i in range(300, 350):
                publisher.put(numbered(i))
            await publisher.aclose()
        got = stored(await log.read(publisher.run_id, limit=10_000))
    finally:
        await log.close()
    if buffer >= 250:
        assert got == list(range(350))
        assert caplog.records == []
    else:
        lost = 200 - buffer
        assert got == [*range(100 + buffer), ("lost", lost), *range(300, 350)]
        (record,) = caplog.records
        assert "dropping events" in record.getMessage()
