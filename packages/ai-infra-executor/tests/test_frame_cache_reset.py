"""The frames the server shares between watchers never stand in for a reset event.

A reset event (the position asked for is older than the log holds) carries the id of
the newest event dropped: the id of a real event whose frames a watcher may have been
sent while it was kept. The shared frame cache must not give that event's frames to
the watcher who should get the reset.
"""

from __future__ import annotations

import httpx
from server_support import ListRunLog, data_frames, live_server, parse_frames

from ai_infra_executor.run_log import RESET_EVENT_TYPE
from ai_infra_executor.server import create_app


def _events(first: int, count: int) -> list[dict[str, object]]:
    return [{"type": "token", "content": f"t{n}"} for n in range(first, first + count)]


async def test_a_resumed_watcher_gets_the_reset_event_not_the_frames_of_the_event_it_names():
    log = ListRunLog(keep=3)
    ids = [await log.append("r", e) for e in _events(0, 3)]
    async with live_server(create_app(log)) as url, httpx.AsyncClient(base_url=url) as client:
        # A first watcher is sent every event while the log still holds them all.
        async with client.stream("GET", "/runs/r/events") as response:
            seen = ""
            async for text in response.aiter_text():
                seen += text
                if f"id: {ids[-1]}\n" in seen:
                    break
        ids += [await log.append("r", e) for e in _events(3, 2)]  # drops ids[0] and ids[1]
        await log.end("r")
        # A watcher resuming after ids[0] has missed ids[1]: the reset event says so.
        response = await client.get("/runs/r/events", headers={"Last-Event-ID": ids[0]})
    data = data_frames(parse_frames(response.text))
    assert data[0].id == ids[1]
    assert data[0].json()["type"] == RESET_EVENT_TYPE
    assert [f.id for f in data[1:]] == ids[2:]
    assert [f.json()["content"] for f in data[1:]] == ["t2", "t3", "t4"]
