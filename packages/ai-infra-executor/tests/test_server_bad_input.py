"""Bad input to a real ``serve`` process gets a clear 4xx and disturbs nothing else
(issue 15): while a watcher follows a live run on Redis, other clients send a huge
header, a huge URL, a malformed ``Last-Event-ID``, an unknown run and a wrong token;
each is refused, and the watcher still gets every event once, in order."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from pathlib import Path

from redis_support import RedisServer, free_port, needs_redis
from serve_support import start_serve

from ai_infra_executor.run_log_redis import RedisRunLog
from ai_infra_executor.watch import watch_run

pytestmark = needs_redis

TOKEN = "t0ken"
AUTH = f"Authorization: Bearer {TOKEN}\r\n"


def _status(port: int, request: str) -> int:
    """Send *request* (a raw HTTP/1.1 request head) and return the status code."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        # Refused before it was all sent: the reply is still read below.
        with contextlib.suppress(OSError):
            sock.sendall(request.encode("latin-1"))
        reply = b""
        while b"\r\n" not in reply:
            try:
                chunk = sock.recv(4096)
            except ConnectionResetError:
                break
            if not chunk:
                break
            reply += chunk
    status_line = reply.split(b"\r\n", 1)[0].decode("latin-1")
    assert status_line.startswith("HTTP/1.1 "), repr(reply[:200])
    return int(status_line.split()[1])


def _get(path: str, extra: str = AUTH) -> str:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{extra}\r\n"


def _bad_requests(run: str) -> list[tuple[str, str, set[int]]]:
    events = f"/runs/{run}/events"
    return [
        ("huge header", _get("/runs", AUTH + "X-Big: " + "a" * 200_000 + "\r\n"), {400, 431}),
        ("many headers", _get("/runs", AUTH + "X-A: b\r\n" * 50_000), {400, 431}),
        ("huge URL", _get("/runs/" + "r" * 200_000 + "/events"), {400, 404, 414}),
        ("malformed Last-Event-ID", _get(events, AUTH + "Last-Event-ID: 12-x\r\n"), {400}),
        ("huge Last-Event-ID", _get(events, AUTH + f"Last-Event-ID: {'9' * 5000}-1\r\n"), {400}),
        ("bad ?after=", _get(f"{events}?after=-1"), {400}),
        ("bad format", _get(f"{events}?format=html"), {400}),
        ("unknown run", _get("/runs/no-such-run/events"), {404}),
        ("wrong token", _get(events, "Authorization: Bearer wrong\r\n"), {401}),
        ("no token", _get("/runs", ""), {401}),
        ("token on the page", _get("/", ""), {401}),
        ("not HTTP", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + "\x00" * 40, {400}),
    ]


async def test_bad_requests_are_refused_and_a_watcher_is_not_disturbed(tmp_path: Path) -> None:
    redis = RedisServer(tmp_path)
    redis.start()
    port = free_port()
    serve = start_serve(port, ["--redis", redis.url, "--token", TOKEN])
    log = RedisRunLog(redis.url)
    got: list[int] = []
    try:
        await log.append("run", {"type": "run_start"})
        started = threading.Event()

        def on_event(event: object) -> None:
            data = event.get("data") if isinstance(event, dict) else None
            if isinstance(data, dict):
                got.append(data["n"])
            started.set()

        errors: list[BaseException] = []

        def follow() -> None:
            try:
                watch_run(f"http://127.0.0.1:{port}/runs/run", on_event, token=TOKEN)
            except BaseException as error:  # reported by the test, below
                errors.append(error)

        # A daemon thread: a failing test does not wait for a watcher that retries.
        watcher = threading.Thread(target=follow, daemon=True)
        watcher.start()
        assert await asyncio.to_thread(started.wait, 30), "the watcher got the run's start"
        for n in range(100):
            await log.append("run", {"type": "progress", "data": {"n": n}})
        refused = {}
        for name, request, expected in _bad_requests("run"):
            status = await asyncio.to_thread(_status, port, request)
            refused[name] = status
            assert status in expected, (name, status)
        for n in range(100, 200):
            await log.append("run", {"type": "progress", "data": {"n": n}})
        await log.end("run")
        await asyncio.to_thread(watcher.join, 60)
        assert not watcher.is_alive(), "the watcher saw the run's end"
        assert errors == []
        assert serve.poll() is None, "the server is still up"
        assert _status(port, _get("/runs")) == 200
    finally:
        serve.kill()
        serve.wait(timeout=10)
        await log.close()
        redis.stop()
    assert got == list(range(200)), "every event once, in order"
