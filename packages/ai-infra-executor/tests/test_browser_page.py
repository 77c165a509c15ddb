"""The watching page in a real headless Chromium (issue 15): a demo run shown as it
happens, through the server killed with SIGKILL mid-run and started again (the
browser's own EventSource reconnects with ``Last-Event-ID``; every event shown once),
and hostile event text shown as text only. A real redis-server, a real
``ai-infra-executor serve`` process; the runs published by ``demo --publish`` and by
``publish()``. Skipped without Chromium or playwright, except under
``AI_INFRA_BROWSER=required`` (``nox -s web-protocols``): see browser_support."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import orjson
import pytest
import redis
from browser_support import ServeProcess, chromium, needs_browser
from redis_support import RedisServer, free_port, needs_redis

from ai_infra_executor.events import ExecutorStreamEvent
from ai_infra_executor.publish import publish
from ai_infra_executor.run_log_redis import RedisRunLog

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Request

pytestmark = [needs_redis, needs_browser]

#: Generous: the machine may be loaded (milliseconds, Playwright's unit).
WAIT_MS = 60_000
#: The demo's scripted delays, stretched so that the run lasts seconds: long enough
#: to be seen live and to kill the server in the middle of it.
LATENCY_SCALE = "2"
#: Events the page must have shown before the server is killed.
SHOWN_BEFORE_KILL = 10
#: The events whose text the page writes into its streaming-text blocks.
TEXT_TYPES = ("token", "thinking", "reasoning")

# Functions, not expressions: Playwright would evaluate an expression string inside the
# page, which the page's Content-Security-Policy forbids (no 'unsafe-eval').
SHOWN = "() => Number(document.getElementById('events').dataset.shown || 0)"
SHOWN_AT_LEAST = "(n) => Number(document.getElementById('events').dataset.shown || 0) >= n"
LAST_SHOWN = "() => document.getElementById('events').dataset.lastEventId || null"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def serve(redis_server: RedisServer, tmp_path: Path) -> Iterator[ServeProcess]:
    process = ServeProcess(redis_server.url, free_port(), tmp_path / "serve.log")
    process.start()
    yield process
    process.kill()


def _stored(redis_url: str, run_id: str) -> list[tuple[str, dict[str, Any]]]:
    """The run's events as Redis holds them (XRANGE of its stream; not the end mark)."""
    with redis.Redis.from_url(redis_url, decode_responses=True) as client:
        raw = cast("list[tuple[str, dict[str, str]]]", client.xrange(f"ai-infra:events:{run_id}"))
    return [(event_id, orjson.loads(fields["e"])) for event_id, fields in raw if "e" in fields]


def _status(redis_url: str, run_id: str) -> str | None:
    """The run's status as Redis holds it (``running``, ``ended``; ``None``: no such run)."""
    with redis.Redis.from_url(redis_url, decode_responses=True) as client:
        return cast("str | None", client.hget(f"ai-infra:run:{run_id}", "status"))


def _start_demo(redis_url: str, stderr: Path) -> tuple[subprocess.Popen[bytes], str]:
    """``ai-infra-executor demo --publish``, and the run id it says, once the run is in
    Redis (listed by ``GET /runs``)."""
    with stderr.open("wb") as err:
        demo = subprocess.Popen(
            [sys.executable, "-m", "ai_infra_executor", "demo", "--format", "json",
             "--latency-scale", LATENCY_SCALE, "--publish", redis_url],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )  # fmt: skip
    deadline = time.monotonic() + WAIT_MS / 1000
    run_id = None
    while time.monotonic() < deadline and demo.poll() is None:
        if run_id is None:
            found = re.findall(r"publishing the run as (\S+)", stderr.read_text())
            run_id = found[0] if found else None
        if run_id is not None and _status(redis_url, run_id) is not None:
            return demo, run_id
        time.sleep(0.02)
    demo.kill()
    raise RuntimeError(f"the demo's run did not reach Redis:\n{stderr.read_text()}")


def _wait(page: Page, condition: Callable[[], bool]) -> None:
    """Wait until *condition* holds, letting Playwright take the browser's events."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        page.wait_for_timeout(20)


def _event_source_messages(context: BrowserContext, page: Page) -> list[tuple[str, str, str]]:
    """What the page's EventSources will receive, as Chromium's DevTools protocol reports
    it: (connection, event name, event id) per message, in order; filled as they come."""
    received: list[tuple[str, str, str]] = []
    session = context.new_cdp_session(page)
    session.on(
        "Network.eventSourceMessageReceived",
        lambda m: received.append((m["requestId"], m["eventName"], m["eventId"])),
    )
    session.send("Network.enable")
    return received


def _text_blocks(page: Page) -> str:
    """The text of the page's streaming-text blocks, in document order."""
    texts: list[str] = page.eval_on_selector_all(
        "#events .text", "nodes => nodes.map((node) => node.textContent)"
    )
    return "".join(texts)


def test_the_page_shows_a_demo_run_live_and_resumes_after_the_server_is_killed(
    browser: Browser, redis_server: RedisServer, serve: ServeProcess, tmp_path: Path
) -> None:
    demo, run_id = _start_demo(redis_server.url, tmp_path / "demo.err")
    context = browser.new_context()
    try:
        page = context.new_page()
        streams: list[Request] = []
        events_path = f"/runs/{run_id}/events"
        page.on("request", lambda r: streams.append(r) if events_path in r.url else None)
        received = _event_source_messages(context, page)
        page.goto(serve.url)
        page.click(f'#runs button[data-run="{run_id}"]', timeout=WAIT_MS)  # a real click

        # Shown as it happens: events on the page while the run is still going.
        page.wait_for_function(SHOWN_AT_LEAST, arg=SHOWN_BEFORE_KILL, timeout=WAIT_MS)
        serve.kill()
        assert _status(redis_server.url, run_id) == "running"  # so it was at the kill

        # The browser's own EventSource tries again; the page has taken all it got.
        _wait(page, lambda: len(streams) >= 2)
        shown_at_kill: str = page.evaluate(LAST_SHOWN)
        serve.start()

        assert demo.wait(timeout=WAIT_MS / 1000) == 0
        _wait(page, lambda: any(name == "end" for _, name, _ in received))
        stored = _stored(redis_server.url, run_id)
        # The headers sent on the wire (Chromium's own, as the server got them): the
        # first request's, and the one retry that reached the restarted server's.
        first_headers = streams[0].all_headers()
        resumed = [r for r in streams[1:] if r.response() is not None]
        assert len(resumed) == 1, [r.failure for r in streams]
        resumed_headers = resumed[0].all_headers()
        shown = page.evaluate(SHOWN)
        last_shown = page.evaluate(LAST_SHOWN)
        text = _text_blocks(page)
        tool_lines = page.locator("#events .tool").count()
    finally:
        context.close()
        if demo.poll() is None:  # the test failed: leave nothing running
            demo.kill()
            demo.wait()

    ids = [event_id for event_id, _ in stored]
    # The first request had no Last-Event-ID; the reconnect had the id of the last
    # event the page had shown.
    assert "last-event-id" not in first_headers
    assert shown_at_kill in ids[SHOWN_BEFORE_KILL - 1 : -1]  # mid-run
    assert resumed_headers.get("last-event-id") == shown_at_kill
    # What the EventSource received: the run up to that id on the first connection,
    # exactly the rest on the second (nothing repeated that the page had to skip).
    connections: dict[str, list[str]] = {}
    for connection, name, event_id in received:
        if name == "message":
            connections.setdefault(connection, []).append(event_id)
    split = ids.index(shown_at_kill) + 1
    assert list(connections.values()) == [ids[:split], ids[split:]]
    # Every event of the run shown once, in order.
    assert shown == len(stored)
    assert last_shown == ids[-1]
    assert text == "".join(str(e.get("content", "")) for _, e in stored if e["type"] in TEXT_TYPES)
    assert tool_lines == sum(e["type"] in ("tool_start", "tool_end") for _, e in stored)


#: Event text that would act if it reached the page as markup, a URL or a control.
HOSTILE = [
    '<img src=x onerror="window.__pwned=1">',
    "<script>window.__pwned=1</script>",
    '<svg onload="window.__pwned=1"></svg><iframe srcdoc="<script>parent.__pwned=1</script>">',
    '<a href="javascript:window.__pwned=1">click</a> javascript:window.__pwned=1',
    "[click](javascript:window.__pwned=1) &lt;b&gt; &amp; <style>body{display:none}</style>",
    "\u202eevil\u202c \u2066isolated\u2069 \u200f",  # bidi overrides and isolates
    "\x1b[31mred\x1b[0m \x1b]8;;javascript:window.__pwned=1\x07link\x1b]8;;\x07 \x1b[2J",
    "H" * 200_000,  # a huge token, one word
]


def _hostile_events() -> list[ExecutorStreamEvent]:
    events = [ExecutorStreamEvent("run_start", message=HOSTILE[0])]
    for n, text in enumerate(HOSTILE):
        tool_id = f"call-{n}"
        events += [
            ExecutorStreamEvent("task_start", task={"id": str(n), "title": text}),
            ExecutorStreamEvent("token", content=text, node_name="agent"),
            ExecutorStreamEvent("tool_start", tool=text, tool_id=tool_id, arguments={"a": text}),
            ExecutorStreamEvent("tool_end", tool=text, tool_id=tool_id, error=text),
            ExecutorStreamEvent("node_error", node_name=text, error=text),
            ExecutorStreamEvent("error", error=text),
            ExecutorStreamEvent("task_failed", task={"id": str(n), "title": text}, message=text),
        ]
    return [*events, ExecutorStreamEvent("run_end", message=HOSTILE[1])]


async def _publish_hostile_run(redis_url: str) -> str:
    log = RedisRunLog(redis_url)
    try:
        return await publish(_hostile_events(), log)
    finally:
        await log.close()


#: Collects the page's Content-Security-Policy violations (an init script: DevTools
#: runs it before the page's own, whatever the policy).
_WATCH_CSP = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def test_hostile_event_text_is_shown_as_text_only(
    browser: Browser, redis_server: RedisServer, serve: ServeProcess
) -> None:
    # In a thread: Playwright's sync API runs an event loop in this one.
    with ThreadPoolExecutor(1) as thread:
        run_id = thread.submit(asyncio.run, _publish_hostile_run(redis_server.url)).result()
    stored = _stored(redis_server.url, run_id)
    context = browser.new_context()
    console: list[ConsoleMessage] = []
    try:
        context.add_init_script(_WATCH_CSP)
        page = context.new_page()

        def keep(message: ConsoleMessage) -> None:  # a function of its own: Playwright marks it
            console.append(message)

        page.on("console", keep)
        response = page.goto(serve.url)
        assert response is not None
        policy = response.headers.get("content-security-policy", "")
        page.click(f'#runs button[data-run="{run_id}"]', timeout=WAIT_MS)
        page.wait_for_function(SHOWN_AT_LEAST, arg=len(stored), timeout=WAIT_MS)
        pwned = page.evaluate("window.__pwned")
        violations = page.evaluate("window.__violations")
        tags = page.eval_on_selector_all(
            "#events *", "nodes => [...new Set(nodes.map((node) => node.tagName))]"
        )
        active = page.evaluate(
            "document.querySelectorAll('img, svg, iframe, a, object, embed, style').length"
            " + ' ' + document.scripts.length"
        )
        shown_text: str = page.text_content("#events") or ""
        text = _text_blocks(page)
        title = page.text_content("#run-summary")
    finally:
        context.close()

    assert pwned is None  # no script of the event text ran
    assert sorted(tags) == ["DIV", "H3"]  # the page's own lines and task titles, nothing else
    assert active == "1 1"  # the page's own style and script, no element from the text
    assert policy.startswith("default-src 'none'; script-src 'sha256-")
    assert violations == []
    assert [m.text for m in console if "Content Security Policy" in m.text] == []
    # The text, literally: every character as sent (the log's JSON kept them).
    assert [e["content"] for _, e in stored if e["type"] == "token"] == HOSTILE
    assert text == "".join(HOSTILE)
    for hostile in HOSTILE[:-1]:
        assert f"error: {hostile}" in shown_text
    assert title == HOSTILE[1]
