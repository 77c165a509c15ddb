"""Values a node hands over that cannot be read never abort a healthy graph's stream.

A task whose ``__getattr__`` raises, a state value whose ``__bool__`` raises, a
title whose ``__str__`` raises: the executor's bookkeeping shows a stand-in text
(``"<unreadable task: ValueError>"``) and keeps streaming. A node exception
whose ``__str__`` raises still reaches the caller itself, after ``node_error``,
``task_failed`` and ``run_end``.
"""

from __future__ import annotations

from typing import Any, TypedDict

import pytest
from graph_support import collect, types_of
from langgraph.graph import END, START, StateGraph

from ai_infra_executor import (
    ExecutorStreamConfig,
    ExecutorStreamEvent,
    StreamingExecutor,
    create_node_error_event,
    create_resume_event,
    create_run_start_event,
    create_task_failed_event,
    create_task_skipped_event,
    create_task_start_event,
    state_snapshot,
    task_to_dict,
)
from ai_infra_executor.builders import error_text

SNAPSHOTS = ExecutorStreamConfig(include_state_snapshot=True)


class UnreadableTask:
    """A task object every attribute read of which raises."""

    def __getattr__(self, name: str) -> Any:
        raise ValueError(f"no {name} here")


class NoTruth:
    """A value whose truth cannot be read."""

    def __bool__(self) -> bool:
        raise ValueError("truth unknown")


class NoText:
    """A value whose text cannot be read."""

    def __str__(self) -> str:
        raise RuntimeError("no text")


class SilentError(Exception):
    """An exception whose message cannot be read."""

    def __str__(self) -> str:
        raise RuntimeError("str() of the exception failed")


class Roadmap(TypedDict, total=False):
    current_task: Any
    should_continue: Any
    error: Any
    todos: list[Any]


def roadmap_graph(task: Any, *, extra: dict[str, Any] | None = None, fail: Any = None) -> Any:
    """``pick_task -> execute_task -> checkpoint``: *task* becomes the current task;
    *extra* is merged into the state by ``execute_task``, which raises *fail* if set."""

    def pick_task(state: Roadmap) -> dict[str, Any]:
        return {"current_task": task}

    def execute_task(state: Roadmap) -> dict[str, Any]:
        if fail is not None:
            raise fail
        return dict(extra or {})

    def checkpoint(state: Roadmap) -> dict[str, Any]:
        return {}

    graph = StateGraph(Roadmap)
    graph.add_node("pick_task", pick_task)
    graph.add_node("execute_task", execute_task)
    graph.add_node("checkpoint", checkpoint)
    graph.add_edge(START, "pick_task")
    graph.add_edge("pick_task", "execute_task")
    graph.add_edge("execute_task", "checkpoint")
    graph.add_edge("checkpoint", END)
    return graph.compile()


async def drain(stream: Any, into: list[ExecutorStreamEvent]) -> None:
    """Append every event of *stream* to *into* (what came before an exception stays)."""
    async for event in stream:
        into.append(event)


def of_type(events: list[ExecutorStreamEvent], kind: str) -> list[ExecutorStreamEvent]:
    return [e for e in events if e.type == kind]


# -- item: the executor's bookkeeping never aborts a healthy graph ---------------------


async def test_a_task_whose_getattr_raises_is_shown_by_a_stand_in():
    executor = StreamingExecutor(roadmap_graph(UnreadableTask()))
    events = await collect(executor.astream_events({}, streaming_config=SNAPSHOTS))
    assert "node_error" not in types_of(events)
    (start,) = of_type(events, "task_start")
    assert start.task == {"title": "<unreadable task: ValueError>"}
    assert start.message == "Starting task: <unreadable task: ValueError>"
    assert of_type(events, "task_complete")[0].task == start.task
    assert events[-1].type == "run_end"
    assert events[-1].data == {"completed": 1, "failed": 0, "skipped": 0}
    snapshots = [e.state_snapshot for e in of_type(events, "node_end")]
    assert snapshots[-1]["current_task_id"] is None  # the id cannot be read: none known


async def test_a_state_value_whose_bool_raises_is_shown_by_a_stand_in():
    task = {"id": "1", "title": "Add auth"}
    graph = roadmap_graph(task, extra={"should_continue": NoTruth()})
    events = await collect(StreamingExecutor(graph).astream_events({}, streaming_config=SNAPSHOTS))
    assert "node_error" not in types_of(events)
    ends = of_type(events, "node_end")
    assert [e.node_name for e in ends] == ["pick_task", "execute_task", "checkpoint"]
    snapshot = ends[1].state_snapshot
    assert snapshot["should_continue"] == "<unreadable should_continue: ValueError>"
    assert snapshot["current_task_id"] == "1"  # the other keys keep their values
    assert events[-1].type == "run_end"
    assert events[-1].data["completed"] == 1


async def test_a_failure_reason_and_a_title_whose_str_raises_keep_the_stream_going():
    task = {"id": "7", "title": NoText()}

    def pick_task(state: Roadmap) -> dict[str, Any]:
        return {"current_task": task}

    def execute_task(state: Roadmap) -> dict[str, Any]:
        return {"error": NoText()}

    def handle_failure(state: Roadmap) -> dict[str, Any]:
        return {}

    graph = StateGraph(Roadmap)
    graph.add_node("pick_task", pick_task)
    graph.add_node("execute_task", execute_task)
    graph.add_node("handle_failure", handle_failure)
    graph.add_edge(START, "pick_task")
    graph.add_edge("pick_task", "execute_task")
    graph.add_edge("execute_task", "handle_failure")
    graph.add_edge("handle_failure", END)
    events = await collect(StreamingExecutor(graph.compile()).astream_events({}))
    assert "node_error" not in types_of(events)
    (start,) = of_type(events, "task_start")
    assert start.message == "Starting task: <unreadable title: RuntimeError>"
    (failed,) = of_type(events, "task_failed")
    assert failed.error == "<unreadable error: RuntimeError>"
    assert events[-1].data == {"completed": 0, "failed": 1, "skipped": 0}


def test_task_to_dict_and_state_snapshot_never_raise():
    assert task_to_dict(UnreadableTask()) == {"title": "<unreadable task: ValueError>"}
    assert task_to_dict({NoText(): 1}) == {"title": "<unreadable task: RuntimeError>"}
    snapshot = state_snapshot({"should_continue": NoTruth(), "current_task": UnreadableTask()})
    assert snapshot["should_continue"] == "<unreadable should_continue: ValueError>"
    assert snapshot["current_task_id"] is None
    assert state_snapshot(UnreadableTask())["completed_count"] == 0


def test_builders_show_unreadable_text_by_a_stand_in():
    assert create_task_start_event({"title": NoText()}).message == (
        "Starting task: <unreadable title: RuntimeError>"
    )
    skipped = create_task_skipped_event({"id": "1"}, NoText())  # type: ignore[arg-type]
    assert skipped.message == "Skipped task: 1 - <unreadable reason: RuntimeError>"
    assert create_resume_event(NoText()).message == (
        "Resuming execution with decision: <unreadable decision: RuntimeError>"
    )
    start = create_run_start_event(NoText())  # type: ignore[arg-type]
    assert start.message == "Starting executor run: <unreadable roadmap path: RuntimeError>"


# -- item: an exception whose __str__ raises ------------------------------------------


def test_error_text_never_raises():
    assert error_text(SilentError()) == "SilentError: <unreadable message: RuntimeError>"
    assert error_text(NoText()) == "<unreadable error: RuntimeError>"  # type: ignore[arg-type]
    assert error_text(KeyError("x")) == "KeyError: 'x'"
    event = create_node_error_event("work", SilentError(), 1.0)
    assert event.error == "SilentError: <unreadable message: RuntimeError>"
    assert event.data == {
        "error_type": "SilentError",
        "error_message": "<unreadable message: RuntimeError>",
    }
    failed = create_task_failed_event({"title": "T"}, SilentError(), 1.0)
    assert failed.message == "Task failed: T - SilentError: <unreadable message: RuntimeError>"


@pytest.mark.parametrize("swallow", [False, True])
async def test_a_node_exception_whose_str_raises_reaches_the_caller(swallow):
    raised = SilentError()
    graph = roadmap_graph({"id": "1", "title": "Add auth"}, fail=raised)
    executor = StreamingExecutor(graph, swallow_errors=swallow)
    events: list[ExecutorStreamEvent] = []
    if swallow:
        events = await collect(executor.astream_events({}))
    else:
        with pytest.raises(SilentError) as caught:
            await drain(executor.astream_events({}), events)
        assert caught.value is raised
    assert types_of(events)[-3:] == ["node_error", "task_failed", "run_end"]
    (error,) = of_type(events, "node_error")
    assert error.node_name == "execute_task"
    assert error.error == "SilentError: <unreadable message: RuntimeError>"
    assert of_type(events, "task_failed")[0].task == {"id": "1", "title": "Add auth"}
    assert events[-1].data == {"completed": 0, "failed": 1, "skipped": 0}
