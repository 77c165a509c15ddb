"""The watch server on a real uvicorn, while runs are going: reconnecting watchers,
keep-alive comments, a watcher that stops reading, huge headers; on both real run logs
(MemoryRunLog, and RedisRunLog on a real redis-server)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
import socket
import sys

import httpx
import pytest
import run_log_support
from redis_support import RedisServer, needs_redis
from run_log_support import MakeLog
from server_support import CountingTails, data_frames, live_server, parse_frames

from ai_infra_executor.cli import EXIT_INTERRUPTED
from ai_infra_executor.run_log import RunLog, new_run_id
from ai_infra_executor.server import create_app

redis_server = run_log_support.redis_server
make_log = run_log_support.make_log


@pytest.fixture
def log(make_log: MakeLog) -> CountingTails:
    """A fresh real run log of the test's backend, its open tails counted."""
    return CountingTails(make_log(100_000))


async def _produce(
    log: RunLog | CountingTails, run_id: str, n: int, size: int = 0, pause: float = 0
) -> list[str]:
    ids = []
    for i in range(n):
        ids.append(await log.append(run_id, {"type": "token", "content": f"{i}:" + "x" * size}))
        if i % 5 == 0:
            await asyncio.sleep(pause)  # let the watchers run while the run goes on
    await log.end(run_id)
    return ids


async def _read_until(chunks, stop) -> str:
    """Read the text *chunks* (``response.aiter_text()``) until ``stop(text so far)`` or
    their end; the text read."""
    text = ""
    async with asyncio.timeout(10):  # a guard against a hang, not a speed check
        async for chunk in chunks:
            text += chunk
            if stop(text):
                break
    return text


async def test_watchers_that_drop_and_reconnect_with_last_event_id_lose_and_repeat_nothing(log):
    await log.append("r", {"type": "token", "content": "first"})
    rng = random.Random(15)
    async with live_server(create_app(log)) as url, httpx.AsyncClient(base_url=url) as client:

        async def watch() -> list[str]:
            seen: list[str] = []
            while True:
                headers = {"Last-Event-ID": seen[-1]} if seen else {}
                cut = rng.randint(1, 40)  # disconnect after this many events
                async with client.stream("GET", "/runs/r/events", headers=headers) as response:
                    assert response.status_code == 200
                    text = await _read_until(
                        response.aiter_text(), lambda t, c=cut: t.count("\nid: ") >= c
                    )
                frames = parse_frames(text)
                seen += [f.id for f in data_frames(frames) if f.id is not None]
                if any(f.event == "end" for f in frames):
                    return seen

        watchers = [asyncio.create_task(watch()) for _ in range(5)]
        while log.open_tails < 5:  # every watcher is tailing the run: it is watched live
            await asyncio.sleep(0.01)
        produced = await _produce(log, "r", 300, pause=0.002)
        results = await asyncio.gather(*watchers)
    ids = [e.id for e in await log.read("r", None, 10_000)]
    assert ids[1:] == produced
    for seen in results:
        assert seen == ids  # every event exactly once, in order


async def test_keep_alive_comments_while_the_run_is_idle_then_the_stream_ends_with_the_run(log):
    await log.append("r", {"type": "run_start"})
    app = create_app(log, keepalive=0.05)
    async with (
        live_server(app) as url,
        httpx.AsyncClient(base_url=url) as client,
        client.stream("GET", "/runs/r/events") as response,
    ):
        chunks = response.aiter_text()
        text = await _read_until(chunks, lambda t: t.count(": keep-alive") >= 2)
        await log.append("r", {"type": "run_end"})
        await log.end("r")
        text += await _read_until(chunks, lambda t: False)  # to the end of the stream
    frames = parse_frames(text)
    assert sum("keep-alive" in c for f in frames for c in f.comments) >= 2
    assert [f.json()["type"] for f in data_frames(frames)] == ["run_start", "run_end"]
    assert frames[-1].event == "end"


async def test_closing_the_log_ends_streams_without_the_end_event_so_clients_retry(log):
    await log.append("r", {"type": "run_start"})
    async with (
        live_server(create_app(log)) as url,
        httpx.AsyncClient(base_url=url) as client,
        client.stream("GET", "/runs/r/events") as response,
    ):
        chunks = response.aiter_text()
        text = await _read_until(chunks, lambda t: "run_start" in t)
        await log.close()
        text += await _read_until(chunks, lambda t: False)
    assert not any(f.event == "end" for f in parse_frames(text))


async def test_a_watcher_that_stops_reading_is_dropped_and_slows_no_one(log):
    await log.append("r", {"type": "run_start"})
    app = create_app(log, watcher_buffer=8, stall_timeout=0.3)
    async with live_server(app) as url, httpx.AsyncClient(base_url=url) as client:
        host, port = url.removeprefix("http://").split(":")
        stuck = socket.socket()
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.connect((host, int(port)))
        stuck.sendall(b"GET /runs/r/events HTTP/1.1\r\nHost: x\r\n\r\n")  # then never reads
        try:
            while log.open_tails < 1:  # the stuck watcher is tailing the run
                await asyncio.sleep(0.01)
            async with client.stream("GET", "/runs/r/events") as response:
                producing = asyncio.create_task(_produce(log, "r", 2000, size=2000))
                text = await _read_until(response.aiter_text(), lambda t: False)
                produced = await producing
            frames = parse_frames(text)
            assert [f.id for f in data_frames(frames)][1:] == produced
            assert frames[-1].event == "end"
            # the stuck watcher's tail is closed: it was dropped, not waited for
            for _ in range(500):
                if log.open_tails == 0:
                    break
                await asyncio.sleep(0.01)
            assert log.open_tails == 0
        finally:
            stuck.close()


async def test_a_dropped_watcher_is_logged_at_info_not_as_an_error_by_uvicorn(
    log, caplog: pytest.LogCaptureFixture
):
    await log.append("r", {"type": "run_start"})
    app = create_app(log, watcher_buffer=8, stall_timeout=0.3)
    server_errors = logging.getLogger("uvicorn.error")
    caplog.set_level(logging.INFO, logger="ai_infra_executor.server_sse")
    async with live_server(app) as url:
        server_errors.addHandler(caplog.handler)
        host, port = url.removeprefix("http://").split(":")
        stuck = socket.socket()
        stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        stuck.connect((host, int(port)))
        stuck.setblocking(False)
        try:
            await asyncio.get_running_loop().sock_sendall(
                stuck, b"GET /runs/r/events HTTP/1.1\r\nHost: x\r\n\r\n"
            )  # then reads nothing until it is dropped
            await _produce(log, "r", 2000, size=2000)
            async with asyncio.timeout(20):  # a guard against a hang, not a speed check
                while not any("dropped" in r.getMessage() for r in caplog.records):
                    await asyncio.sleep(0.01)
                # The server closes the connection once the request is over (after
                # uvicorn's log line, if any): read what it sent, to its end.
                while await asyncio.get_running_loop().sock_recv(stuck, 1 << 16):
                    pass
        finally:
            stuck.close()
            server_errors.removeHandler(caplog.handler)
    ours = [r for r in caplog.records if r.name == "ai_infra_executor.server_sse"]
    assert any(r.levelno == logging.INFO and "dropped" in r.getMessage() for r in ours)
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert not any(r.exc_info for r in caplog.records)
    # Only event streams' unfinished ends are hidden: elsewhere uvicorn's line stays.
    server_errors.addHandler(caplog.handler)
    try:
        server_errors.error("ASGI callable returned without completing response.")
    finally:
        server_errors.removeHandler(caplog.handler)
    assert caplog.records[-1].levelno == logging.ERROR


async def test_huge_headers_are_refused_and_the_server_goes_on(log):
    await log.append("r", {"type": "run_start"})
    await log.end("r")
    async with live_server(create_app(log)) as url:
        host, port = url.removeprefix("http://").split(":")
        reader, writer = await asyncio.open_connection(host, int(port))
        writer.write(b"GET /runs HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n")
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        reply = await reader.read(100)
        writer.close()
        assert not reply.startswith(b"HTTP/1.1 200"), reply
        if reply:
            assert reply.startswith(b"HTTP/1.1 4"), reply
        async with httpx.AsyncClient(base_url=url) as client:
            assert (await client.get("/runs")).status_code == 200


# The child runs ``ai-infra-executor serve``; with the memory log (made by serve itself,
# so nothing else can append to it) the real MemoryRunLog is given a run going on.
_SERVE_MEMORY = """
import sys, types
from ai_infra_executor.run_log_memory import MemoryRunLog as Real

class MemoryRunLog(Real):  # the real log, with a run going on
    async def runs(self):
        if not await super().runs():
            await self.append("r", {{"type": "run_start"}})
        return await super().runs()

sys.modules["ai_infra_executor.run_log_memory"] = types.SimpleNamespace(MemoryRunLog=MemoryRunLog)
from ai_infra_executor.cli import main
sys.exit(main(["serve", "--port", "{port}"]))
"""

_SERVE_REDIS = """
import sys
from ai_infra_executor.cli import main
sys.exit(main(["serve", "--redis", "{url}", "--port", "{port}"]))
"""


@pytest.mark.parametrize("backend", ["memory", pytest.param("redis", marks=needs_redis)])
async def test_stopping_serve_ends_open_streams_at_once_without_the_end_event(
    backend: str, request: pytest.FixtureRequest
) -> None:
    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run_id = "r"
    if backend == "memory":
        code = _SERVE_MEMORY.format(port=port)
    else:  # a run going on in Redis (serve's default key prefix), appended from here
        from ai_infra_executor.run_log_redis import RedisRunLog

        server: RedisServer = request.getfixturevalue("redis_server")
        run_id = new_run_id()
        publisher_log = RedisRunLog(server.url)
        await publisher_log.append(run_id, {"type": "run_start"})
        await publisher_log.close()
        code = _SERVE_REDIS.format(url=server.url, port=port)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, stderr=asyncio.subprocess.PIPE
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            async with asyncio.timeout(20):
                while True:
                    try:
                        if (await client.get("/runs")).status_code == 200:
                            break
                    except httpx.ConnectError:
                        await asyncio.sleep(0.05)
            async with client.stream("GET", f"/runs/{run_id}/events") as response:
                chunks = response.aiter_text()
                text = await _read_until(chunks, lambda t: "run_start" in t)
                process.send_signal(signal.SIGINT)
                text += await _read_until(chunks, lambda t: False)
        async with asyncio.timeout(20):
            _, stderr = await process.communicate()
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert "run_start" in text
    assert not any(f.event == "end" for f in parse_frames(text))
    assert process.returncode == EXIT_INTERRUPTED  # Ctrl-C
    log = stderr.decode()
    assert "Uvicorn running on http://127.0.0.1:" in log  # the loopback by default
    assert "timeout graceful shutdown exceeded" not in log
    assert "Traceback" not in log
