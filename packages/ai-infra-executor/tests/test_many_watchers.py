"""200 concurrent SSE watchers of one run of 10,000 events, over HTTP (issue 15).

A real redis-server, a real ``ai-infra-executor serve --redis`` process, and the
watchers in a process of their own (sse_watchers.py: 200 connections at once). The
run is appended by this process, with a Publisher, while they watch. Every watcher
must get every event exactly once, in order, as the log holds it (read back from
Redis), then the ``end`` event.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from redis_support import RedisServer, free_port, needs_redis
from serve_support import start_serve

from ai_infra_executor.publish import Publisher
from ai_infra_executor.run_log import LogEntry, UnknownRunError
from ai_infra_executor.run_log_redis import RedisRunLog

pytestmark = needs_redis

WATCHERS = 200
EVENTS = 10_000
WATCHERS_SCRIPT = Path(__file__).with_name("sse_watchers.py")

#: Text an SSE stream must carry as data, never as its own lines or fields.
_HOSTILE = ("\n\nid: 9-9\ndata: forged\n\n", "event: end\r\n", "\u2028\u2029\x1b[2J\x00", "ok")


def run_events(count: int) -> list[dict[str, Any]]:
    """A run's events: tokens (some hostile), tool calls, progress."""
    events: list[dict[str, Any]] = [{"type": "run_start", "data": {"tasks": count}}]
    for n in range(1, count):
        if n % 50 == 0:
            events.append({"type": "tool_start", "tool": "read_file", "arguments": {"n": n}})
        elif n % 7 == 0:
            events.append({"type": "progress", "data": {"n": n}})
        else:
            events.append({"type": "token", "content": f"{n} {_HOSTILE[n % len(_HOSTILE)]}"})
    return events


async def _logged(log: RedisRunLog, run_id: str) -> list[LogEntry]:
    """The whole run as the log holds it."""
    entries: list[LogEntry] = []
    after: str | None = None
    while batch := await log.read(run_id, after, limit=1000):
        entries += batch
        after = batch[-1].id
    return entries


async def _until_in_the_log(log: RedisRunLog, run_id: str) -> None:
    for _ in range(1000):
        try:
            await log.info(run_id)
        except UnknownRunError:
            await asyncio.sleep(0.01)
        else:
            return
    raise AssertionError("the run's first event never reached the log")


async def test_200_watchers_each_get_every_event_of_a_live_run_once_in_order(
    tmp_path: Path,
) -> None:
    redis = RedisServer(tmp_path)
    redis.start()
    serve = start_serve(port := free_port(), ["--redis", redis.url])
    log = RedisRunLog(redis.url)
    out = tmp_path / "watched.json"
    events = run_events(EVENTS)
    try:
        async with Publisher(log) as publisher:
            run_id = publisher.run_id
            publisher.put(events[0])
            await _until_in_the_log(log, run_id)
            watchers = await asyncio.create_subprocess_exec(
                sys.executable, str(WATCHERS_SCRIPT), f"http://127.0.0.1:{port}/runs/{run_id}/events",
                str(WATCHERS), "--out", str(out),
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            assert watchers.stdout is not None
            ready = await asyncio.wait_for(watchers.stdout.readline(), 120)
            assert ready == b"ready\n", ready + await watchers.stderr.read()  # type: ignore[union-attr]
            at_ready = await log.info(run_id)
            for n, event in enumerate(events[1:], 1):
                await publisher.put_wait(event)
                if n % 500 == 0:  # bursts, so that the watchers get the run in many parts
                    await asyncio.sleep(0.005)
        _, stderr = await asyncio.wait_for(watchers.communicate(), 180)
        assert watchers.returncode == 0, stderr.decode()
        logged = await _logged(log, run_id)
    finally:
        serve.kill()
        serve.wait(timeout=10)
        await log.close()
        redis.stop()

    # The watchers were all connected while the run had only its first event.
    assert (at_ready.status, at_ready.events) == ("running", 1)
    assert len(logged) == EVENTS
    assert [e.event["type"] for e in logged] == [e["type"] for e in events]
    expected = [[e.id, None, e.event] for e in logged]
    expected.append([None, "end", {"run": run_id, "status": "ended"}])
    groups = json.loads(out.read_text("utf-8"))
    # One sequence, received by every watcher ...
    assert [(len(g["watchers"]), len(g["frames"])) for g in groups] == [(WATCHERS, EVENTS + 1)]
    # ... and it is the log's: every event once, in order, with its id, then the end.
    got = [[event_id, name, json.loads(data)] for event_id, name, data in groups[0]["frames"]]
    assert got == expected
