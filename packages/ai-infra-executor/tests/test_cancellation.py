"""A consumer that stops early leaves nothing running and nothing leaked.

Stopping means ``break`` out of ``async for`` (the generator is then closed by the
loop once collected), an explicit ``aclose()``, ``task.cancel()`` of the task that
iterates, and ``asyncio.wait_for`` running out of time. Each happens in the
middle of a node: one that sleeps, and one whose agent streams tokens forever
through ``stream_agent`` and LangGraph's custom stream writer; and the same for
``stream_agent`` on its own. After the stop no task of the loop is left, the
node was cancelled (or the agent's stream closed), and asyncio reported no
destroyed pending task, no coroutine never awaited and no unclosed resource.
Warnings are errors here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from fault_support import (
    TOKENS,
    ForeverAgent,
    build_agent_graph,
    leak_reports,
    other_tasks,
    roadmap_state,
    settle,
)
from langgraph.config import get_stream_writer

from ai_infra_executor import ExecutorStreamEvent, StreamingExecutor, stream_agent

pytestmark = pytest.mark.filterwarnings("error")

MODES = ("break", "aclose", "cancel", "wait_for")
#: How long wait_for gives a consumer: long enough to reach the middle of the node.
TIMEOUT_S = 0.25


async def stop_early(
    make: Callable[[], AsyncIterator[Any]], reached: Callable[[Any], bool], mode: str
) -> list[Any]:
    """Iterate ``make()`` until ``reached(event)``, then stop the way *mode* says.

    Returns the events seen. For ``wait_for`` the consumer keeps iterating and
    the timeout stops it; the caller checks the point was reached first.
    """
    seen: list[Any] = []
    if mode == "break":
        async for event in make():
            seen.append(event)
            if reached(event):
                break
        return seen
    if mode == "aclose":
        stream = make()
        async for event in stream:
            seen.append(event)
            if reached(event):
                break
        await stream.aclose()
        return seen

    at_point = asyncio.Event()

    async def consume() -> None:
        async for event in make():
            seen.append(event)
            if reached(event):
                at_point.set()

    if mode == "cancel":
        task = asyncio.create_task(consume())
        await asyncio.wait_for(at_point.wait(), 5)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert task.cancelled()
        return seen
    assert mode == "wait_for"
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(consume(), TIMEOUT_S)
    assert at_point.is_set(), "the timeout came before the node was running"
    return seen


async def assert_nothing_left(mode: str) -> None:
    """No task but the test's own: at once after ``aclose`` / cancellation, which
    finish the cleanup before they return; after the loop closed the abandoned
    generator for ``break``."""
    if mode == "break":
        assert await settle(), f"still running: {other_tasks()}"
    else:
        assert other_tasks() == set()


class SleepyNode:
    """An ``execute_task`` node that says it is sleeping (an ``intent`` event through the
    custom stream writer), sleeps for a minute and records its cancellation."""

    def __init__(self) -> None:
        self.entered = False
        self.cancelled = False

    async def __call__(self, state: dict[str, Any]) -> dict[str, Any]:
        self.entered = True
        get_stream_writer()({"type": "intent", "content": "sleeping"})
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return {}


@pytest.mark.parametrize("mode", MODES)
async def test_stopping_during_a_sleeping_node_cancels_it(mode, capsys, caplog):
    caplog.set_level(logging.WARNING)
    node = SleepyNode()
    executor = StreamingExecutor(build_agent_graph({}, agent_node=node))

    def mid_node(event: ExecutorStreamEvent) -> bool:
        return event.type == "intent" and event.node_name == "execute_task"

    loop = asyncio.get_running_loop()
    started = loop.time()
    seen = await stop_early(lambda: executor.astream_events(roadmap_state()), mid_node, mode)
    await assert_nothing_left(mode)
    await settle(lambda: node.cancelled, 1.0)
    assert node.entered
    assert node.cancelled
    assert loop.time() - started < 5  # far from the node's minute of sleep
    assert "run_end" not in [e.type for e in seen]
    assert leak_reports(capsys.readouterr().err, caplog.records) == []


@pytest.mark.parametrize("mode", MODES)
async def test_stopping_while_an_agent_streams_forever_closes_the_agent(mode, capsys, caplog):
    caplog.set_level(logging.WARNING)
    agent = ForeverAgent()
    executor = StreamingExecutor(build_agent_graph({"1": agent}))

    tokens = 0

    def some_tokens(event: ExecutorStreamEvent) -> bool:
        nonlocal tokens
        tokens += event.type == "token"
        return tokens >= 5

    seen = await stop_early(
        lambda: executor.astream_events(roadmap_state(), None, TOKENS), some_tokens, mode
    )
    await assert_nothing_left(mode)
    if mode != "break":
        assert agent.closed  # closed before aclose() / the cancellation returned
    assert await settle(lambda: agent.closed)
    sent = agent.sent
    await asyncio.sleep(0.02)
    assert agent.sent == sent  # nothing streams any more
    forwarded = [e for e in seen if e.type == "token"]
    assert len(forwarded) >= 5
    assert {e.node_name for e in forwarded} == {"execute_task"}
    assert leak_reports(capsys.readouterr().err, caplog.records) == []


@pytest.mark.parametrize("mode", MODES)
async def test_stopping_stream_agent_alone_closes_the_agent(mode, capsys, caplog):
    caplog.set_level(logging.WARNING)
    agent = ForeverAgent()
    seen = await stop_early(
        lambda: stream_agent(agent, "never stop", TOKENS), lambda e: e.type == "token", mode
    )
    await assert_nothing_left(mode)
    if mode != "break":
        assert agent.closed
    assert await settle(lambda: agent.closed)
    sent = agent.sent
    await asyncio.sleep(0.02)
    assert agent.sent == sent
    assert seen
    assert all(e.type == "token" for e in seen)  # no error event for being stopped
    assert leak_reports(capsys.readouterr().err, caplog.records) == []


async def test_a_cancelled_consumer_does_not_leave_the_run_open():
    """A cancelled run is forgotten: the same executor starts the next one afresh."""
    node = SleepyNode()
    executor = StreamingExecutor(build_agent_graph({}, agent_node=node))

    def mid_node(event: ExecutorStreamEvent) -> bool:
        return event.type == "intent" and event.node_name == "execute_task"

    await stop_early(lambda: executor.astream_events(roadmap_state()), mid_node, "cancel")
    assert node.cancelled
    quick = StreamingExecutor(build_agent_graph({}))
    events = [e async for e in quick.astream_events(roadmap_state())]
    assert events[0].type == "run_start"
    assert events[-1].data == {"completed": 3, "failed": 0, "skipped": 0}
