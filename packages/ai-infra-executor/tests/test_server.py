"""The watch server (``ai_infra_executor.server``): routes, SSE framing and ids, resuming,
formats, errors, the page; on both real run logs (MemoryRunLog, and RedisRunLog on a
real redis-server)."""

from __future__ import annotations

import re

import httpx
import pytest
import run_log_support
from run_log_support import MakeLog
from server_support import data_frames, parse_frames

from ai_infra_executor.run_log import RESET_EVENT_TYPE, RunLog
from ai_infra_executor.run_log_memory import MemoryRunLog
from ai_infra_executor.server import create_app
from ai_infra_executor.server_sse import FrameCache

redis_server = run_log_support.redis_server
make_log = run_log_support.make_log


def _events(n: int) -> list[dict[str, object]]:
    return [{"type": "token", "content": f"t{i} <b>&</b>\n\x1b[31m"} for i in range(n)]


async def _log_with(
    make_log: MakeLog,
    run_id: str,
    events: list[dict[str, object]],
    *,
    ended: bool = True,
    keep: int = 100_000,
) -> tuple[RunLog, list[str]]:
    """A fresh log (of the test's backend) keeping about *keep* events a run, holding
    *events* as run *run_id*; their ids."""
    log = make_log(keep)
    ids = [await log.append(run_id, e) for e in events]
    if ended:
        await log.end(run_id)
    return log, ids


def _client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_runs_lists_every_run_with_status_start_and_count(make_log):
    log, _ = await _log_with(make_log, "run-a", _events(3))
    await log.append("run-b", {"type": "run_start"})
    async with _client(create_app(log)) as client:
        response = await client.get("/runs")
    assert response.status_code == 200
    runs = response.json()
    assert [(r["id"], r["status"], r["events"]) for r in runs] == [
        ("run-b", "running", 1),
        ("run-a", "ended", 3),
    ]
    assert all(isinstance(r["started"], float) for r in runs)


async def test_events_are_sse_frames_with_the_log_id_then_the_end_event(make_log):
    events = _events(5)
    log, ids = await _log_with(make_log, "r", events)
    async with _client(create_app(log)) as client:
        response = await client.get("/runs/r/events")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["x-accel-buffering"] == "no"
    assert response.headers["cache-control"] == "no-cache"
    frames = parse_frames(response.text)
    data = data_frames(frames)
    assert [f.id for f in data] == ids
    assert [f.json() for f in data] == events
    assert "\x1b" not in response.text  # terminal controls escaped, as in the NDJSON
    assert frames[-1].event == "end"
    assert frames[-1].json() == {"run": "r", "status": "ended"}


@pytest.mark.parametrize("how", ["header", "query", "both"])
async def test_resuming_after_any_id_gives_exactly_the_events_after_it(how, make_log):
    events = _events(6)
    log, ids = await _log_with(make_log, "r", events)
    async with _client(create_app(log)) as client:
        for k, last in enumerate(ids):
            headers, params = {}, {}
            if how in ("header", "both"):
                headers["Last-Event-ID"] = last
            if how == "query":
                params["after"] = last
            if how == "both":  # EventSource keeps its URL and sends the header: the header wins
                params["after"] = ids[0]
            response = await client.get("/runs/r/events", headers=headers, params=params)
            data = data_frames(parse_frames(response.text))
            assert [f.id for f in data] == ids[k + 1 :]
            assert [f.json() for f in data] == events[k + 1 :]


async def test_an_id_older_than_the_log_holds_gets_the_reset_event_first(make_log):
    # A small bound forces trimming (Redis trims whole blocks: about 100 to 200 are kept).
    log, ids = await _log_with(make_log, "r", _events(1000), keep=100)
    async with _client(create_app(log)) as client:
        response = await client.get("/runs/r/events", headers={"Last-Event-ID": ids[1]})
    data = data_frames(parse_frames(response.text))
    assert data[0].json()["type"] == RESET_EVENT_TYPE
    kept = [f.id for f in data[1:]]
    oldest = ids.index(kept[0])
    assert 2 < oldest <= 900
    assert kept == ids[oldest:]  # the oldest kept, then every later event: no gap
    assert data[0].id == ids[oldest - 1]  # resuming after the reset gives the oldest kept


async def test_ag_ui_frames_parse_and_carry_the_id_of_the_log_event_behind_them(make_log):
    events = [
        {"type": "run_start", "message": "go", "data": {"total_tasks": 1}},
        {"type": "token", "content": "Hello"},
        {"type": "tool_start", "tool": "read", "tool_id": "c1", "arguments": {"p": 1}},
        {"type": "tool_end", "tool": "read", "tool_id": "c1", "result": "ok"},
        {"type": "run_end", "message": "done", "data": {"completed": 1}},
    ]
    log, ids = await _log_with(make_log, "r", events)
    async with _client(create_app(log)) as client:
        response = await client.get("/runs/r/events", params={"format": "ag-ui"})
    frames = [f for f in parse_frames(response.text) if f.data is not None]
    payloads = [f.json() for f in frames]
    assert all(isinstance(p, dict) and isinstance(p.get("type"), str) for p in payloads)
    assert payloads[0]["type"] == "RUN_STARTED"
    assert (payloads[0]["threadId"], payloads[0]["runId"]) == ("r", "r")  # kept on reconnect
    assert payloads[-1]["type"] in ("RUN_FINISHED", "RUN_ERROR")
    types = [p["type"] for p in payloads]
    assert "TOOL_CALL_START" in types
    assert "TEXT_MESSAGE_CONTENT" in types
    carried = [f.id for f in frames if f.id is not None]
    assert set(carried) <= set(ids)
    assert carried == sorted(carried, key=ids.index)
    # the tool call's frames (start, args, end) all carry its tool_start's id
    start_id = ids[2]
    assert {p["type"] for f, p in zip(frames, payloads, strict=True) if f.id == start_id} >= {
        "TOOL_CALL_START",
        "TOOL_CALL_ARGS",
        "TOOL_CALL_END",
    }
    assert not any(f.event == "end" for f in parse_frames(response.text))


async def test_vercel_ai_frames_parse_and_end_with_done(make_log):
    events = [{"type": "token", "content": "Hi"}, {"type": "done"}]
    log, ids = await _log_with(make_log, "r", events)
    async with _client(create_app(log)) as client:
        response = await client.get("/runs/r/events", params={"format": "vercel-ai"})
    frames = [f for f in parse_frames(response.text) if f.data is not None]
    assert frames[-1].data == "[DONE]"
    chunks = [f.json() for f in frames[:-1]]
    assert chunks[0] == {"type": "start", "messageId": "r"}  # kept on reconnect
    assert any(c["type"] == "text-delta" and c["delta"] == "Hi" for c in chunks)
    assert {f.id for f in frames if f.id is not None} <= set(ids)


async def test_a_log_event_without_frames_still_moves_the_client_past_it(make_log):
    # vercel-ai gives no chunk once its message is finished; the id must still be sent
    events = [{"type": "done"}, {"type": "token", "content": "late"}]
    log, ids = await _log_with(make_log, "r", events)
    async with _client(create_app(log)) as client:
        response = await client.get("/runs/r/events", params={"format": "vercel-ai"})
    assert [f.id for f in parse_frames(response.text) if f.id is not None][-1] == ids[-1]


async def test_unknown_run_is_404_and_bad_input_is_400(make_log):
    log, _ = await _log_with(make_log, "r", _events(1))
    async with _client(create_app(log)) as client:
        assert (await client.get("/runs/nope/events")).status_code == 404
        for bad in ("abc", "1-2-3", "1-x", "-1", "1-", "9" * 30 + "-1", " 1-1", "1-1 "):
            response = await client.get("/runs/r/events", headers={"Last-Event-ID": bad})
            assert response.status_code == 400, bad
            assert "Last-Event-ID" in response.json()["error"]
        assert (await client.get("/runs/r/events", params={"after": "x"})).status_code == 400
        assert (await client.get("/runs/r/events", params={"format": "html"})).status_code == 400
        assert (await client.get("/runs")).status_code == 200  # nothing else disturbed


async def test_with_a_token_every_route_needs_it(make_log):
    log, _ = await _log_with(make_log, "r", _events(2))
    app = create_app(log, token="s3cret")
    async with _client(app) as client:
        for path in ("/", "/runs", "/runs/r/events", "/runs/nope/events", "/elsewhere"):
            for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret"}):
                response = await client.get(path, headers=headers)
                assert response.status_code == 401, (path, headers)
                assert response.headers["www-authenticate"] == "Bearer"
            assert (await client.get(path, params={"token": "wrong"})).status_code == 401
        missing = (await client.get("/")).json()["error"]
        assert "token is required" in missing
        assert "?token=" in missing  # it says how to give one
        wrong = await client.get("/runs", headers={"Authorization": "Bearer s3cre"})
        assert wrong.json()["error"] == "the token is wrong"
        ok = {"Authorization": "Bearer s3cret"}
        assert (await client.get("/runs", headers=ok)).status_code == 200
        assert (await client.get("/runs/r/events", headers=ok)).status_code == 200
        assert (await client.get("/runs/r/events", params={"token": "s3cret"})).status_code == 200
        assert (await client.get("/", params={"token": "s3cret"})).status_code == 200


def test_an_empty_token_is_refused():
    with pytest.raises(ValueError, match="token"):
        create_app(MemoryRunLog(), token="")


async def test_no_cors_unless_configured(make_log):
    log, _ = await _log_with(make_log, "r", _events(1))
    origin = {"Origin": "https://elsewhere.example"}
    async with _client(create_app(log)) as client:
        response = await client.get("/runs", headers=origin)
        assert "access-control-allow-origin" not in response.headers
    async with _client(create_app(log, cors_origins=["https://elsewhere.example"])) as client:
        response = await client.get("/runs", headers=origin)
        assert response.headers["access-control-allow-origin"] == "https://elsewhere.example"


async def test_the_page_is_served_and_inserts_text_only_as_text():
    async with _client(create_app(MemoryRunLog())) as client:
        response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "EventSource" in page
    assert "textContent" in page
    assert "createTextNode" in page
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in page
    assert re.search(r"<[a-z]+[^>]*\son[a-z]+\s*=", page, re.IGNORECASE) is None  # no onclick=
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy
    assert "script-src 'sha256-" in policy
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_frame_cache_is_bounded_and_keeps_runs_apart():
    cache = FrameCache(size=2)
    cache.put("a", "1-1", "A1")
    cache.put("b", "1-1", "B1")  # the same event id in another run (Redis: one stream a run)
    assert (cache.get("a", "1-1"), cache.get("b", "1-1")) == ("A1", "B1")
    cache.put("a", "1-2", "A2")
    assert cache.get("a", "1-1") is None  # the oldest is forgotten
    assert (cache.get("b", "1-1"), cache.get("a", "1-2")) == ("B1", "A2")


async def test_watchers_of_two_runs_whose_ids_coincide_each_get_their_own_events(make_log):
    # Each run numbers its own events (Redis: one stream a run): the first events of two
    # runs started in the same millisecond have the same id. Start pairs until one does.
    log = make_log(100, max_runs=10_000)
    for attempt in range(1000):
        a, b = f"a{attempt}", f"b{attempt}"
        first = await log.append(a, {"type": "token", "content": "run a"})
        if await log.append(b, {"type": "token", "content": "run b"}) == first:
            break
    else:
        pytest.fail("no two runs started in the same millisecond in 1000 tries")
    await log.end(a)
    await log.end(b)
    async with _client(create_app(log)) as client:
        for _ in range(2):  # the second time from the cache
            a_frames = data_frames(parse_frames((await client.get(f"/runs/{a}/events")).text))
            b_frames = data_frames(parse_frames((await client.get(f"/runs/{b}/events")).text))
            assert [f.json()["content"] for f in a_frames] == ["run a"]
            assert [f.json()["content"] for f in b_frames] == ["run b"]


async def test_a_run_log_that_cannot_be_reached_gets_a_503_and_one_log_line(caplog):
    from redis_support import free_port

    from ai_infra_executor.run_log_redis import RedisRunLog

    log = RedisRunLog(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    try:
        async with _client(create_app(log)) as client:
            for path in ("/runs", "/runs/r/events"):
                response = await client.get(path)
                assert response.status_code == 503, path
                assert response.json() == {"error": "the run log cannot be reached; try again"}
                assert response.headers["retry-after"] == "2"
    finally:
        await log.close()
    lines = [r for r in caplog.records if r.name == "ai_infra_executor.server"]
    assert len(lines) == 2
    assert all(r.exc_info is None and "ConnectionError" in r.getMessage() for r in lines)


async def test_the_page_opened_with_the_token_gets_a_cookie_that_serves_reloads(make_log):
    from ai_infra_executor.server_token import TOKEN_COOKIE

    log, _ = await _log_with(make_log, "r", _events(2))
    app = create_app(log, token="s3cret")
    async with _client(app) as client:
        page = await client.get("/", params={"token": "s3cret"})
        assert page.status_code == 200
        cookie = page.headers["set-cookie"]
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        assert "s3cret" not in cookie  # a digest, not the token
        value = page.cookies[TOKEN_COOKIE]
        client.cookies.clear()
        for path in ("/", "/runs", "/runs/r/events"):  # a reload, the page's own requests
            response = await client.get(path, headers={"Cookie": f"{TOKEN_COOKIE}={value}"})
            assert response.status_code == 200, path
            assert "set-cookie" not in response.headers
        other = "1" if value.endswith("0") else "0"
        forged = {"Cookie": f"{TOKEN_COOKIE}={value[:-1]}{other}"}
        response = await client.get("/runs", headers=forged)
        assert response.status_code == 401
        assert response.json()["error"] == "the token is wrong"
        plain = await client.get("/runs", params={"token": "s3cret"})
        assert "set-cookie" not in plain.headers  # only the page gets one
