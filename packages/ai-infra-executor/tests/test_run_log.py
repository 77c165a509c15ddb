"""The run log's behaviour, the same for both backends: MemoryRunLog and RedisRunLog
(on a real redis-server started for the session)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import uuid
from collections.abc import AsyncIterator

import pytest
import run_log_support
from redis_support import RedisServer, needs_redis
from run_log_support import MakeLog

from ai_infra_executor.run_log import (
    RESET_EVENT_TYPE,
    LogEntry,
    RunLog,
    UnknownRunError,
    parse_event_id,
)
from ai_infra_executor.run_log_memory import MemoryRunLog

# The fixtures both run log test modules use.
redis_server = run_log_support.redis_server
make_log = run_log_support.make_log


def ev(i: int) -> dict[str, object]:
    return {"type": "progress", "message": f"event {i}", "data": {"i": i}}


def numbers(entries: list[LogEntry]) -> list[int]:
    return [e.event["data"]["i"] for e in entries]


async def collect(log: RunLog, run_id: str, after: str | None = None) -> list[LogEntry]:
    return [entry async for entry in log.tail(run_id, after)]


async def test_events_come_back_in_order_with_increasing_ids(make_log: MakeLog) -> None:
    log = make_log(10_000)
    ids = [await log.append("r", ev(0))]
    ids += await log.append_many("r", [ev(i) for i in range(1, 300)])
    ids.append(await log.append("r", ev(300)))
    entries = await log.read("r", limit=1000)
    assert numbers(entries) == list(range(301))
    assert [e.id for e in entries] == ids
    keys = [parse_event_id(i) for i in ids]
    assert all(a < b for a, b in itertools.pairwise(keys))


async def test_read_starts_exactly_after_the_given_id_and_honours_limit(make_log: MakeLog) -> None:
    log = make_log(10_000)
    ids = await log.append_many("r", [ev(i) for i in range(100)])
    for k in (0, 1, 50, 98):
        assert numbers(await log.read("r", after=ids[k])) == list(range(k + 1, 100))
    assert await log.read("r", after=ids[-1]) == []
    assert numbers(await log.read("r", after=ids[9], limit=5)) == [10, 11, 12, 13, 14]


async def test_a_reader_behind_the_bound_gets_the_reset_event_then_the_oldest_kept(
    make_log: MakeLog,
) -> None:
    log = make_log(100)
    ids = await log.append_many("r", [ev(i) for i in range(500)])
    ids += [await log.append("r", ev(i)) for i in range(500, 1000)]
    for after in (None, ids[0], ids[500]):
        entries = await log.read("r", after=after, limit=10_000)
        assert entries[0].event["type"] == RESET_EVENT_TYPE
        kept = numbers(entries[1:])
        assert kept == list(range(kept[0], 1000))  # the newest, in order, no gap
        assert 100 <= len(kept) < 1000
        # Resuming after the reset entry's id gives the oldest kept, without a reset.
        again = await log.read("r", after=entries[0].id, limit=10_000)
        assert numbers(again) == kept
    # The event just before the oldest kept: nothing after it was dropped.
    oldest = kept[0]
    assert numbers(await log.read("r", after=ids[oldest - 1], limit=10_000)) == kept


async def test_a_tail_ends_after_the_runs_end(make_log: MakeLog) -> None:
    log = make_log(10_000)
    await log.append("r", ev(0))
    tail = asyncio.create_task(collect(log, "r"))
    for i in range(1, 20):
        await log.append("r", ev(i))
        await asyncio.sleep(0)
    await log.end("r")
    assert numbers(await asyncio.wait_for(tail, 10)) == list(range(20))
    # On an ended run, a tail gives what is left and ends at once.
    ids = [e.id for e in await log.read("r")]
    assert numbers(await collect(log, "r", after=ids[14])) == [15, 16, 17, 18, 19]
    assert await collect(log, "r", after=ids[-1]) == []
    await log.end("r")  # twice is harmless


async def test_a_tail_that_falls_behind_the_bound_gets_the_reset_event(make_log: MakeLog) -> None:
    log = make_log(100)
    await log.append("r", ev(0))
    tail = log.tail("r")
    assert numbers([await anext(tail)]) == [0]
    await log.append_many("r", [ev(i) for i in range(1, 1000)])
    await log.end("r")
    rest = [entry async for entry in tail]
    assert rest[0].event["type"] == RESET_EVENT_TYPE
    kept = numbers(rest[1:])
    assert kept == list(range(kept[0], 1000))


async def test_200_tails_of_a_10000_event_run_each_get_every_event_once_in_order(
    make_log: MakeLog,
) -> None:
    log = make_log(20_000)
    await log.append("r", ev(0))
    tails = [asyncio.create_task(collect(log, "r")) for _ in range(100)]
    await asyncio.sleep(0.01)
    for start in range(1, 10_000, 500):
        await log.append_many("r", [ev(i) for i in range(start, min(start + 500, 10_000))])
        if start == 5001:  # the other half join mid-run
            tails += [asyncio.create_task(collect(log, "r")) for _ in range(100)]
        await asyncio.sleep(0)
    await log.end("r")
    results = await asyncio.wait_for(asyncio.gather(*tails), 60)
    expected = await log.read("r", limit=20_000)
    assert len(expected) == 10_000
    for got in results:
        assert got == expected


async def test_200_tails_replaying_an_ended_10000_event_run_each_get_every_event_once(
    make_log: MakeLog,
) -> None:
    # Watchers joining (or reconnecting to) a run that has ended: all read from the log.
    log = make_log(20_000)
    for start in range(0, 10_000, 1000):
        await log.append_many("r", [ev(i) for i in range(start, start + 1000)])
    await log.end("r")
    results = await asyncio.wait_for(asyncio.gather(*(collect(log, "r") for _ in range(200))), 60)
    expected = await log.read("r", limit=20_000)
    assert numbers(expected) == list(range(10_000))
    for got in results:
        assert got == expected


async def test_unknown_runs_and_malformed_ids_raise_clear_errors(make_log: MakeLog) -> None:
    log = make_log(100)
    for call in (log.read("nope"), log.info("nope"), log.end("nope"), anext(log.tail("nope"))):
        with pytest.raises(UnknownRunError):
            await call
    await log.append("r", ev(0))
    # Ids that look like another run's keys name no run.
    for hostile in ("r:events", "r:", "*", "", "runs", "../r", "r\r\nPING"):
        with pytest.raises(UnknownRunError):
            await log.read(hostile)
        with pytest.raises(UnknownRunError):
            await log.info(hostile)
    for bad in ("", "12", "a-b", "1-2-3", "-1-0", "1-", "\u0661-\u0662", "9" * 30 + "-0"):
        with pytest.raises(ValueError, match="event id"):
            await log.read("r", after=bad)
        with pytest.raises(ValueError, match="event id"):
            await anext(log.tail("r", after=bad))


async def test_appending_to_an_ended_run_raises(make_log: MakeLog) -> None:
    log = make_log(100)
    await log.append("r", ev(0))
    await log.end("r")
    with pytest.raises(ValueError, match="ended"):
        await log.append("r", ev(1))
    assert numbers(await log.read("r")) == [0]


async def test_runs_and_info(make_log: MakeLog) -> None:
    log = make_log(100)
    assert await log.runs() == []
    await log.append_many("first", [ev(0), ev(1)])
    await asyncio.sleep(0.01)
    await log.append("second", ev(0))
    await log.end("first")
    runs = await log.runs()
    assert [(r.id, r.status, r.events) for r in runs] == [
        ("second", "running", 1),
        ("first", "ended", 2),
    ]
    assert runs[0].started >= runs[1].started
    assert await log.info("first") == runs[1]


async def _until_gone(tail: AsyncIterator[LogEntry]) -> list[LogEntry]:
    """What is left of *tail*: to its end, or until it says its run is gone."""
    got: list[LogEntry] = []
    with contextlib.suppress(UnknownRunError):
        async for entry in tail:
            got.append(entry)
    return got


async def test_the_log_keeps_max_runs_dropping_the_oldest_ended_runs_first(
    make_log: MakeLog,
) -> None:
    log = make_log(100, max_runs=3)
    for name in ("a", "b", "c"):
        await log.append(name, ev(0))
    await log.end("b")
    await log.append("d", ev(0))  # b goes: the oldest ended run
    assert [r.id for r in await log.runs()] == ["d", "c", "a"]
    tail = log.tail("a")
    assert numbers([await anext(tail)]) == [0]
    rest = asyncio.create_task(_until_gone(tail))
    await asyncio.sleep(0.05)  # the tail waits for a's next event (not a timing check)
    await log.append("e", ev(0))  # nothing ended: a, the oldest, goes; its tail stops
    assert await asyncio.wait_for(rest, 10) == []
    assert [r.id for r in await log.runs()] == ["e", "d", "c"]
    for call in (log.info("a"), log.read("a"), log.info("b"), log.read("b")):
        with pytest.raises(UnknownRunError):
            await call
    # A dropped run's id names a new run when appended to again: it holds only its own.
    await log.append("a", ev(7))
    assert numbers(await log.read("a")) == [7]
    assert [r.id for r in await log.runs()] == ["a", "e", "d"]


@needs_redis
async def test_on_redis_the_runs_and_their_keys_stay_within_max_runs(
    redis_server: RedisServer,
) -> None:
    import redis.asyncio as redis

    from ai_infra_executor.run_log_redis import RedisRunLog

    prefix = f"bounded-{uuid.uuid4().hex}:"
    log = RedisRunLog(redis_server.url, max_runs=5, prefix=prefix)
    reference = MemoryRunLog(max_runs=5)
    client = redis.Redis.from_url(redis_server.url)
    try:
        for i in range(40):
            for each in (log, reference):
                await each.append_many(f"run{i:02}", [ev(0), ev(1)])
                if i % 3 == 0:
                    await each.end(f"run{i:02}")
        kept = await log.runs()
        assert [(r.id, r.status) for r in kept] == [
            (r.id, r.status) for r in await reference.runs()
        ]
        assert len(kept) == 5
        assert await client.zcard(f"{prefix}runs") == 5
        assert await client.zcard(f"{prefix}ended") == sum(r.status == "ended" for r in kept)
        hashes = [k async for k in client.scan_iter(match=f"{prefix}run:*")]
        assert len(hashes) == 5
        # A dropped running run's stream lingers for its tails, then expires.
        streams = [k async for k in client.scan_iter(match=f"{prefix}events:*")]
        assert len(streams) > 5
        kept_ids = {r.id for r in kept}
        for key in streams:
            if key.decode().removeprefix(f"{prefix}events:") not in kept_ids:
                assert 0 < await client.ttl(key) <= 60
    finally:
        await log.close()
        await client.aclose()


async def test_numbered_appends_skip_the_events_the_run_already_holds(make_log: MakeLog) -> None:
    log = make_log(10_000)
    first = await log.append_many("r", [ev(0), ev(1), ev(2)], first_seq=1)
    assert len(first) == 3
    # The same append again (retried: the first try was applied, its reply lost).
    assert await log.append_many("r", [ev(0), ev(1), ev(2)], first_seq=1) == []
    # A retry that took more events since: only the new ones are added.
    added = await log.append_many("r", [ev(1), ev(2), ev(3), ev(4)], first_seq=2)
    entries = await log.read("r")
    assert numbers(entries) == [0, 1, 2, 3, 4]
    assert [e.id for e in entries] == first + added
    # Unnumbered events are always added; numbering is per run.
    await log.append("r", ev(5))
    assert len(await log.append_many("r", [ev(6)], first_seq=6)) == 1
    assert len(await log.append_many("other", [ev(0)], first_seq=1)) == 1
    assert numbers(await log.read("r")) == [0, 1, 2, 3, 4, 5, 6]
    with pytest.raises(ValueError, match="first_seq"):
        await log.append_many("r", [ev(9)], first_seq=0)
    assert (await log.info("r")).events == 7


async def test_closing_the_log_ends_its_tails(make_log: MakeLog) -> None:
    log = make_log(100)
    await log.append("r", ev(0))
    tail = asyncio.create_task(collect(log, "r"))
    await asyncio.sleep(0.05)
    await log.close()
    assert numbers(await asyncio.wait_for(tail, 5)) == [0]


@needs_redis
async def test_a_redis_tail_follows_a_run_appended_by_another_client(
    redis_server: RedisServer,
) -> None:
    # The publisher and the server are two processes: two clients of one Redis.
    from ai_infra_executor.run_log_redis import RedisRunLog

    prefix = "two-clients:"
    writer = RedisRunLog(redis_server.url, prefix=prefix)
    reader = RedisRunLog(redis_server.url, prefix=prefix)
    try:
        await writer.append("r", ev(0))
        tails = [asyncio.create_task(collect(reader, "r")) for _ in range(3)]
        for i in range(1, 300):
            await writer.append("r", ev(i))
        await writer.end("r")
        for tail in tails:
            assert numbers(await asyncio.wait_for(tail, 10)) == list(range(300))
        assert (await reader.info("r")).status == "ended"
    finally:
        await writer.close()
        await reader.close()


@needs_redis
async def test_a_redis_feed_stopped_before_it_ran_still_wakes_its_tails(
    redis_server: RedisServer,
) -> None:
    # Closing the log just after a tail began to wait on a new feed (whose task had not
    # run yet) left the tail waiting for ever: the cancelled task never ran its finally.
    import redis.asyncio as redis

    from ai_infra_executor.run_log_redis import _Feed

    client = redis.Redis.from_url(redis_server.url)
    try:
        feed = _Feed(client, f"never-{uuid.uuid4().hex}", "1-0", 10)
        feed.attach()
        changed = feed.changed
        await feed.stop()  # before the feed's task ever ran
        assert feed.done
        assert changed.is_set()
        assert not feed.covers("1-0")
    finally:
        await client.aclose()
