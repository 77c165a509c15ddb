"""`demo --publish`: the run log gets the tool arguments and results whatever this
terminal shows, so that `watch` (or the page) can show them (issue 15)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
import pytest

import ai_infra_executor.run_log_redis
from ai_infra_executor.cli import EXIT_OK, main
from ai_infra_executor.run_log_memory import MemoryRunLog

_published: list[Mapping[str, Any]] = []


class _Recording(MemoryRunLog):
    """The memory log in Redis's place, keeping every event appended to it."""

    def __init__(self, url: str) -> None:
        super().__init__()

    async def append_many(
        self,
        run_id: str,
        events: Sequence[Mapping[str, Any]],
        *,
        first_seq: int | None = None,
    ) -> list[str]:
        _published.extend(events)
        return await super().append_many(run_id, events, first_seq=first_seq)


async def test_the_log_gets_tool_arguments_the_terminal_does_not_show(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(ai_infra_executor.run_log_redis, "RedisRunLog", _Recording)
    _published.clear()
    argv = ["demo", "--format", "json", "--visibility", "standard", "--latency-scale", "0"]
    status = await asyncio.to_thread(main, [*argv, "--publish", "redis://h:1/0"])
    shown = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert status == EXIT_OK
    shown_starts = [event for event in shown if event["type"] == "tool_start"]
    published_starts = [event for event in _published if event["type"] == "tool_start"]
    assert shown_starts
    assert len(published_starts) == len(shown_starts)
    assert not any("arguments" in event for event in shown_starts)  # as --visibility says
    assert any("arguments" in event for event in published_starts)
