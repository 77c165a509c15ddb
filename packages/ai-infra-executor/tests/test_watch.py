"""`ai-infra-executor watch URL`: a remote run in the terminal, resumed with
Last-Event-ID after the server restarts, nothing lost or repeated (issue 15)."""

from __future__ import annotations

import asyncio
import io
from typing import Any

import pytest
import uvicorn
from redis_support import free_port
from server_support import start_uvicorn

from ai_infra_executor.cli import EXIT_OK, EXIT_USAGE, main
from ai_infra_executor.run_log_memory import MemoryRunLog
from ai_infra_executor.server import create_app
from ai_infra_executor.watch import SseEvent, events_url, sse_events, watch_run


def test_sse_events_are_read_as_the_spec_says() -> None:
    body = (
        b'retry: 1000\n\n: keep-alive\n\nid: 1-1\ndata: {"a": 1}\n\n'
        b"id: 1-2\n\nevent: end\ndata: x\ndata: y\n\n"
    )
    assert list(sse_events(io.BytesIO(body))) == [
        SseEvent("1-1", None, '{"a": 1}'),
        SseEvent("1-2", None, ""),
        SseEvent(None, "end", "x\ny"),
    ]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://h:1/runs/abc", "http://h:1/runs/abc/events"),
        ("http://h:1/runs/abc/events?format=json", "http://h:1/runs/abc/events?format=json"),
    ],
)
def test_events_url(url: str, expected: str) -> None:
    assert events_url(url) == expected


@pytest.mark.parametrize("url", ["ftp://h/runs/a", "http://h:1/", "runs/a"])
def test_a_url_that_names_no_run_is_a_usage_error(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["watch", url])
    assert stopped.value.code == EXIT_USAGE
    assert "not the URL of a run" in capsys.readouterr().err


async def _serve(app: Any, port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    """*app* on *port* (the same across a restart), stopping at once (0.2 s grace)."""
    return await start_uvicorn(app, port, log_level="error", graceful=0.2)


async def test_a_watch_survives_a_server_restart_and_loses_and_repeats_nothing() -> None:
    log = MemoryRunLog()
    run_id = "the-run"
    port = free_port()
    server, task = await _serve(create_app(log), port)
    got: list[int] = []
    retries: list[str] = []

    restarted = asyncio.Event()

    async def produce() -> None:
        for n in range(300):
            if n == 150:  # the rest only once the server is back: the run cannot end
                await restarted.wait()  # on the first connection, however fast it goes
            await log.append(run_id, {"type": "progress", "data": {"n": n}})
            await asyncio.sleep(0.002)
        await log.end(run_id)

    await log.append(run_id, {"type": "run_start"})
    watcher = asyncio.create_task(
        asyncio.to_thread(
            watch_run,
            f"http://127.0.0.1:{port}/runs/{run_id}",
            lambda event: got.append(event["data"]["n"]) if "data" in event else None,
            on_retry=retries.append,
        )
    )
    producer = asyncio.create_task(produce())
    while len(got) < 50:
        await asyncio.sleep(0.01)
    server.should_exit = True  # the server goes away mid-run...
    await task
    await asyncio.sleep(0.3)
    server, task = await _serve(create_app(log), port)  # ...and comes back
    restarted.set()
    await producer
    await asyncio.wait_for(watcher, 30)
    server.should_exit = True
    await task
    assert retries  # it did have to reconnect
    assert got == list(range(300))


async def test_the_command_shows_the_run_and_ends_with_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    log = MemoryRunLog()
    await log.append("r1", {"type": "task_start", "message": "Starting task [1/1]: Evil \x1b[2J"})
    await log.append("r1", {"type": "token", "content": "hello"})
    await log.end("r1")
    port = free_port()
    server, task = await _serve(create_app(log), port)
    url = f"http://127.0.0.1:{port}/runs/r1"
    status = await asyncio.to_thread(main, ["watch", "--format", "plain", "--no-color", url])
    missing = await asyncio.to_thread(main, ["watch", f"http://127.0.0.1:{port}/runs/nope"])
    server.should_exit = True
    await task
    assert status == EXIT_OK
    assert missing == EXIT_USAGE
    out, err = capsys.readouterr()
    assert out == "● Starting task [1/1]: Evil ␛[2J\nhello\n"
    assert "404" in err


def test_what_a_hostile_server_says_reaches_the_terminal_only_made_safe(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import http.server
    import threading

    class Hostile(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = "\x1b]0;pwned\x07 \x1b[2J \u202eevil \x9b31m".encode()
            self.send_response(401)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hostile)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/runs/x"
        assert main(["watch", url]) == EXIT_USAGE
    finally:
        server.shutdown()
    err = capsys.readouterr().err
    assert "401" in err
    assert "\x1b" not in err
    assert "\x07" not in err
    assert "\u202e" not in err
    assert "\x9b" not in err
