"""The frames the server shares between watchers never stand in for a reset event.

A reset event (the position asked for is older than the log holds) carries the id of
the newest event dropped: the id of a real event whose frames a watcher may have been
sent while it was kept. The shared frame cache must not give that event's frames to
the watcher who should get the reset.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from server_support import data_frames, live_server, parse_frames

from ai_infra_executor.run_log import RESET_EVENT_TYPE, RunLog
from ai_infra_executor.run_log_memory import MemoryRunLog
from ai_infra_executor.server import create_app


def _events(first: int, count: int) -> list[dict[str, object]]:
    return [{"type": "token", "content": f"t{n}"} for n in range(first, first + count)]


class EventAtATime:
    """A run log with the :class:`RunLog` interface only (no ``tail_batches``): the
    server takes its tail one event at a time, each cached under its own id."""

    def __init__(self, log: RunLog) -> None:
        self._log = log

    def __getattr__(self, name: str) -> Any:
        if name == "tail_batches":
            raise AttributeError(name)
        return getattr(self._log, name)


@pytest.mark.parametrize("batches", [True, False], ids=["batches", "event-at-a-time"])
async def test_a_resumed_watcher_gets_the_reset_event_not_the_frames_of_the_event_it_names(
    batches: bool,
) -> None:
    memory = MemoryRunLog(max_events_per_run=3)  # exact: Redis trims about 100 at a time
    log: Any = memory if batches else EventAtATime(memory)
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
