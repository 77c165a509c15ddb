"""The runs a StreamingExecutor remembers between streams: only paused ones, and not forever.

A run keyed by its thread id is remembered only while it waits at an interrupt
for ``Command(resume=...)``; one that ended, failed, or whose consumer stopped
early (``break``, ``aclose()``, cancellation) is forgotten. Paused runs are
bounded by count (``max_paused_runs``) and age (``paused_run_ttl_s``), the one
paused longest ago evicted first; resuming an evicted run still works, with a
fresh ``run_start``.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import weakref
from typing import Any, TypedDict

import pytest
from fault_support import settle
from graph_support import build_roadmap_graph, collect, initial, types_of
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command

from ai_infra_executor import ExecutorStreamEvent, StreamingExecutor, StreamingExecutorMixin

STOPS = ("break", "aclose", "cancel")


def remembered(executor: StreamingExecutor) -> list[str | None]:
    """The thread ids of the runs *executor* remembers, oldest first."""
    return list(executor.__dict__.get("_streaming_runs", {}))


def thread(name: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": name}}


async def stop_at_first(stream: Any, kind: str, mode: str) -> list[ExecutorStreamEvent]:
    """Iterate *stream* until an event of type *kind*, then stop the way *mode* says."""
    seen: list[ExecutorStreamEvent] = []
    if mode == "break":
        async for event in stream:
            seen.append(event)
            if event.type == kind:
                break
        return seen
    if mode == "aclose":
        async for event in stream:
            seen.append(event)
            if event.type == kind:
                break
        await stream.aclose()
        return seen
    assert mode == "cancel"
    reached = asyncio.Event()

    async def consume() -> None:
        async for event in stream:
            seen.append(event)
            if event.type == kind:
                reached.set()
                await asyncio.sleep(60)

    task = asyncio.create_task(consume())
    await asyncio.wait_for(reached.wait(), 5)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return seen


class BlobState(TypedDict, total=False):
    blob: Any
    current_task: dict[str, Any] | None
    todos: list[dict[str, Any]]


def blob_graph() -> Any:
    """``pick_task -> work``: state carrying a large ``blob`` through two nodes."""

    def pick_task(state: BlobState) -> dict[str, Any]:
        return {"current_task": {"id": "1", "title": "Big"}}

    def work(state: BlobState) -> dict[str, Any]:
        return {}

    graph = StateGraph(BlobState)
    graph.add_node("pick_task", pick_task)
    graph.add_node("work", work)
    graph.add_edge(START, "pick_task")
    graph.add_edge("pick_task", "work")
    graph.add_edge("work", END)
    return graph.compile()


@pytest.mark.parametrize("mode", STOPS)
async def test_an_early_stop_leaves_no_run(mode):
    executor = StreamingExecutor(build_roadmap_graph(work_seconds=0.01))
    seen = await stop_at_first(
        executor.astream_events(initial(), thread(f"stop-{mode}")), "task_start", mode
    )
    assert types_of(seen)[-1] == "task_start"
    assert await settle()
    assert remembered(executor) == []


@pytest.mark.parametrize("mode", STOPS)
async def test_an_early_stop_after_the_pause_keeps_the_run_for_its_resume(mode):
    executor = StreamingExecutor(build_roadmap_graph(ask=True, checkpointer=True))
    config = thread(f"paused-{mode}")
    todos = initial()["todos"][:1]
    seen = await stop_at_first(executor.astream_events(initial(todos), config), "interrupt", mode)
    assert types_of(seen)[-1] == "interrupt"
    assert await settle()
    assert remembered(executor) == [f"paused-{mode}"]
    resumed = await collect(executor.astream_events(Command(resume="approve"), config))
    assert "run_start" not in types_of(resumed)
    assert resumed[-1].type == "run_end"
    assert resumed[-1].data == {"completed": 1, "failed": 0, "skipped": 0}
    assert remembered(executor) == []


async def test_ended_and_failed_runs_are_forgotten():
    executor = StreamingExecutor(build_roadmap_graph(raise_id="2"), swallow_errors=True)
    await collect(executor.astream_events(initial(), thread("failed")))
    await collect(StreamingExecutor(build_roadmap_graph()).astream_events(initial()))
    executor.graph = build_roadmap_graph()
    await collect(executor.astream_events(initial(), thread("ended")))
    assert remembered(executor) == []


class Blob:
    """A large state value that can be watched: alive as long as anything holds it."""

    __slots__ = ("__weakref__", "data")

    def __init__(self, i: int) -> None:
        self.data = str(i).rjust(20_000, "x")


async def test_two_thousand_early_stopped_runs_keep_memory_flat():
    # Each run carries its own 20 kB state value. Watching each through a weak
    # reference tells exactly whether anything (the run table) still holds it.
    executor = StreamingExecutor(blob_graph())
    alive: list[weakref.ref[Blob]] = []

    for i in range(2000):
        blob = Blob(i)
        alive.append(weakref.ref(blob))
        stream = executor.astream_events({"blob": blob}, thread(f"t{i}"))
        del blob
        async for event in stream:
            if event.type == "task_start":
                break
        del stream
    assert await settle()
    gc.collect()
    assert remembered(executor) == []
    assert sum(ref() is not None for ref in alive) == 0


async def paused_run(executor: StreamingExecutor, name: str) -> list[ExecutorStreamEvent]:
    events = await collect(executor.astream_events(initial(initial()["todos"][:1]), thread(name)))
    assert types_of(events)[-1] == "interrupt"
    return events


def test_the_bounds_have_documented_defaults():
    assert StreamingExecutorMixin.max_paused_runs == 1000
    assert StreamingExecutorMixin.paused_run_ttl_s == 24 * 60 * 60


async def test_paused_runs_beyond_the_count_evict_the_oldest():
    executor = StreamingExecutor(build_roadmap_graph(ask=True, checkpointer=True))
    executor.max_paused_runs = 3
    for name in ("p1", "p2", "p3", "p4", "p5"):
        await paused_run(executor, name)
    assert remembered(executor) == ["p3", "p4", "p5"]
    # p3 paused again: now the newest, so p4 goes first.
    await collect(executor.astream_events(Command(resume="again"), thread("p3")))
    await paused_run(executor, "p3")
    await paused_run(executor, "p6")
    assert remembered(executor) == ["p5", "p3", "p6"]


async def test_paused_runs_older_than_the_age_limit_are_evicted():
    executor = StreamingExecutor(build_roadmap_graph(ask=True, checkpointer=True))
    executor.paused_run_ttl_s = 3600.0
    await paused_run(executor, "old")
    await paused_run(executor, "young")
    # Backdate the first pause past the limit instead of waiting an hour.
    executor.__dict__["_streaming_runs"]["old"].paused_at -= 7200.0
    await paused_run(executor, "newest")
    assert remembered(executor) == ["young", "newest"]


async def test_resuming_an_evicted_run_starts_a_fresh_run():
    executor = StreamingExecutor(build_roadmap_graph(ask=True, checkpointer=True))
    executor.max_paused_runs = 1
    await paused_run(executor, "evicted")
    await paused_run(executor, "kept")
    assert remembered(executor) == ["kept"]
    resumed = await collect(executor.astream_events(Command(resume="approve"), thread("evicted")))
    assert types_of(resumed)[:2] == ["resume", "run_start"]
    assert resumed[0].node_name is None  # the pause it resumes from is forgotten
    assert resumed[-1].type == "run_end"
    assert resumed[-1].data == {"completed": 1, "failed": 0, "skipped": 0}
    state = await executor.graph.aget_state(thread("evicted"))
    assert state.values["log"][-2:] == ["decision:approve", "checkpoint"]
    kept = await collect(executor.astream_events(Command(resume="approve"), thread("kept")))
    assert "run_start" not in types_of(kept)
    assert remembered(executor) == []
