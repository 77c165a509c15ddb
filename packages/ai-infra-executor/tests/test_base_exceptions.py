"""A BaseException that is not an Exception, raised in a node, ends the stream cleanly.

The decision, as ``StreamingExecutorMixin.astream_events`` documents it:

* One that reaches the stream (a custom ``BaseException`` subclass, an exception
  group holding ``KeyboardInterrupt``, or ``KeyboardInterrupt`` / ``SystemExit``
  coming out of the graph's stream) is handled as a failure: ``node_error``,
  ``task_failed`` for the task in progress and ``run_end`` are yielded, the run
  is forgotten, and the very exception is re-raised, even with
  ``swallow_errors``.
* ``KeyboardInterrupt`` or ``SystemExit`` raised inside a node never reaches the
  stream: asyncio re-raises it out of the event loop at once. ``asyncio.run``
  raises it to the caller; the stream is cancelled like any early stop (no
  closing event), and the run is forgotten.
* Cancelling the consumer keeps its meaning: an early stop (see
  ``test_cancellation.py``).
"""

from __future__ import annotations

import asyncio
from builtins import BaseExceptionGroup  # 3.11+, as this package
from collections.abc import AsyncIterator
from typing import Any

import pytest
from graph_support import RoadmapState, build_roadmap_graph, initial, types_of
from langgraph.graph import END, START, StateGraph

from ai_infra_executor import ExecutorStreamEvent, StreamingExecutor


class Halt(BaseException):
    """A BaseException that is not an Exception, as some frameworks define."""


async def drain(stream: AsyncIterator[Any], into: list[ExecutorStreamEvent]) -> None:
    """Append every event of *stream* to *into* (what came before an exception stays)."""
    async for event in stream:
        into.append(event)


def remembered(executor: StreamingExecutor) -> list[str | None]:
    return list(executor.__dict__.get("_streaming_runs", {}))


def roadmap_raising(exc: BaseException) -> Any:
    """``pick_task -> execute_task -> checkpoint -> pick_task ...`` over the three
    tasks of ``graph_support``; ``execute_task`` raises *exc* on task 2."""

    def pick_task(state: RoadmapState) -> dict[str, Any]:
        index = state.get("next_index", 0)
        todos = state.get("todos", [])
        task = todos[index] if index < len(todos) else None
        return {"current_task": task, "next_index": index + 1}

    async def execute_task(state: RoadmapState) -> dict[str, Any]:
        if (state.get("current_task") or {}).get("id") == "2":
            raise exc
        return {}

    def checkpoint(state: RoadmapState) -> dict[str, Any]:
        return {}

    def after_pick(state: RoadmapState) -> str:
        return "execute_task" if state.get("current_task") else END

    graph = StateGraph(RoadmapState)
    graph.add_node("pick_task", pick_task)
    graph.add_node("execute_task", execute_task)
    graph.add_node("checkpoint", checkpoint)
    graph.add_edge(START, "pick_task")
    graph.add_conditional_edges("pick_task", after_pick, ["execute_task", END])
    graph.add_edge("execute_task", "checkpoint")
    graph.add_edge("checkpoint", "pick_task")
    return graph.compile()


def lifecycle(events: list[ExecutorStreamEvent]) -> list[tuple[str, str | None]]:
    kinds = ("task_start", "task_complete", "task_failed", "node_error", "run_end")
    return [(e.type, (e.task or {}).get("id")) for e in events if e.type in kinds]


EXPECTED = [
    ("task_start", "1"),
    ("task_complete", "1"),
    ("task_start", "2"),
    ("node_error", None),
    ("task_failed", "2"),
    ("run_end", None),
]


def reaching_the_stream() -> list[BaseException]:
    return [
        Halt("stop here"),
        BaseExceptionGroup("nodes", [KeyboardInterrupt()]),
        BaseExceptionGroup("nodes", [SystemExit(3), ValueError("x")]),
    ]


@pytest.mark.parametrize("swallow", [False, True])
@pytest.mark.parametrize("exc", reaching_the_stream(), ids=lambda e: type(e).__name__)
async def test_a_base_exception_from_a_node_ends_the_run_then_propagates(exc, swallow):
    executor = StreamingExecutor(roadmap_raising(exc), swallow_errors=swallow)
    events: list[ExecutorStreamEvent] = []
    stream = executor.astream_events(initial(), {"configurable": {"thread_id": "b"}})
    with pytest.raises(type(exc)) as caught:
        await drain(stream, events)
    assert caught.value is exc
    assert lifecycle(events) == EXPECTED
    (error,) = [e for e in events if e.type == "node_error"]
    assert error.node_name == "execute_task"
    assert events[-1].data == {"completed": 1, "failed": 1, "skipped": 0}
    assert remembered(executor) == []


class InterruptedStream:
    """A compiled graph whose stream raises *exc* on the pull after the item that
    starts task 2's ``execute_task``: a KeyboardInterrupt delivered while the
    stream is awaited, as when the graph runs its node in the consumer's task."""

    def __init__(self, graph: Any, exc: BaseException) -> None:
        self.graph = graph
        self.exc = exc
        self.closed = False

    async def astream(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
        inner = self.graph.astream(*args, **kwargs)
        try:
            async for item in inner:
                yield item
                mode, chunk = item
                starts = mode == "tasks" and "input" in chunk
                if starts and chunk.get("name") == "execute_task":
                    task = chunk["input"].get("current_task") or {}
                    if task.get("id") == "2":
                        raise self.exc
        finally:
            await inner.aclose()
            self.closed = True


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), SystemExit(2)], ids=repr)
async def test_keyboard_interrupt_reaching_the_stream_ends_the_run_then_propagates(exc):
    wrapped = InterruptedStream(build_roadmap_graph(work_seconds=0.01), exc)
    executor = StreamingExecutor(wrapped, swallow_errors=True)
    seen: list[ExecutorStreamEvent] = []
    with pytest.raises(type(exc)) as caught:
        await drain(executor.astream_events(initial()), seen)
    assert caught.value is exc
    assert lifecycle(seen) == EXPECTED
    (error,) = [e for e in seen if e.type == "node_error"]
    assert error.node_name == "execute_task"  # blamed on the node that was running
    assert error.error == ("SystemExit: 2" if isinstance(exc, SystemExit) else "KeyboardInterrupt")
    assert seen[-1].data == {"completed": 1, "failed": 1, "skipped": 0}
    assert wrapped.closed
    assert remembered(executor) == []


@pytest.mark.parametrize("exc", [KeyboardInterrupt(), SystemExit(4)], ids=repr)
def test_keyboard_interrupt_in_a_node_reaches_whoever_runs_the_loop(exc):
    # asyncio re-raises KeyboardInterrupt / SystemExit out of the loop from the
    # task running the node: asyncio.run raises it, and the stream is cancelled.
    executor = StreamingExecutor(roadmap_raising(exc))
    seen: list[ExecutorStreamEvent] = []

    async def consume() -> None:
        async for event in executor.astream_events(initial(), {"configurable": {"thread_id": "k"}}):
            seen.append(event)

    with pytest.raises(type(exc)) as caught:
        asyncio.run(consume())
    assert caught.value is exc
    assert ("task_start", "2") in lifecycle(seen)
    assert "run_end" not in types_of(seen)  # cancelled: an early stop
    assert remembered(executor) == []
