"""StreamingExecutor against real LangGraph graphs: order, timing, errors, interrupts, streams."""

from __future__ import annotations

import asyncio
import gc
import io
import operator
import time
import warnings
from typing import Annotated, Any, TypedDict

import orjson
import pytest
from graph_support import build_roadmap_graph, collect, initial, types_of
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command

from ai_infra_executor import (
    ExecutorStreamConfig,
    ExecutorStreamEvent,
    StreamEvent,
    StreamingExecutor,
    StreamingExecutorMixin,
    TaskNodes,
    stream_to_console,
)
from ai_infra_executor.demo.agent import ScriptedChatModel

TOKENS = ExecutorStreamConfig(stream_tokens=True, token_visibility="detailed")


async def drain(stream, into):
    async for event in stream:
        into.append(event)


def lifecycle(events):
    """The run and task events, without the node ones."""
    return [e.type for e in events if not e.type.startswith("node_")]


async def test_a_successful_run_in_order():
    executor = StreamingExecutor(build_roadmap_graph(), roadmap_path="ROADMAP.md")
    events = await collect(executor.astream_events(initial()))
    assert events[0].type == "run_start"
    assert events[0].message == "Starting executor run: ROADMAP.md (3 tasks)"
    assert events[-1].type == "run_end"
    assert events[-1].data == {"completed": 3, "failed": 0, "skipped": 0}
    assert types_of(events)[1:10] == [
        "node_start",
        "node_end",
        "task_start",
        "node_start",
        "node_end",
        "node_start",
        "node_end",
        "task_complete",
        "node_start",
    ]
    assert [e.node_name for e in events if e.type == "node_start"][:3] == [
        "pick_task",
        "execute_task",
        "checkpoint",
    ]
    starts = [e for e in events if e.type == "task_start"]
    assert [e.message for e in starts] == [
        "Starting task [1/3]: Add auth",
        "Starting task [2/3]: Write docs",
        "Starting task [3/3]: Ship it",
    ]
    complete = next(e for e in events if e.type == "task_complete")
    assert complete.data["files_modified"] == 2
    assert complete.task["id"] == "1"


async def test_each_node_start_comes_before_its_end():
    events = await collect(StreamingExecutor(build_roadmap_graph()).astream_events(initial()))
    open_nodes: list[str] = []
    for event in events:
        if event.type == "node_start":
            open_nodes.append(event.node_name)
        elif event.type == "node_end":
            assert open_nodes.pop() == event.node_name
    assert open_nodes == []


async def test_a_failing_task_is_reported_and_counted():
    executor = StreamingExecutor(build_roadmap_graph(fail_id="2"))
    events = await collect(executor.astream_events(initial()))
    assert lifecycle(events) == [
        "run_start",
        "task_start",
        "task_complete",
        "task_start",
        "task_failed",
        "task_start",
        "task_complete",
        "run_end",
    ]
    failed = next(e for e in events if e.type == "task_failed")
    assert failed.error == "tests did not pass"
    assert failed.message == "Task failed: Write docs - tests did not pass"
    assert events[-1].data == {"completed": 2, "failed": 1, "skipped": 0}


async def test_a_node_that_raises_gives_node_error_task_failed_run_end_then_raises():
    executor = StreamingExecutor(build_roadmap_graph(raise_id="2"))
    events: list[ExecutorStreamEvent] = []
    with pytest.raises(RuntimeError, match="disk full"):
        await drain(executor.astream_events(initial()), events)
    assert types_of(events)[-3:] == ["node_error", "task_failed", "run_end"]
    error, failed, end = events[-3:]
    assert error.node_name == "execute_task"
    assert error.error == "RuntimeError: disk full while working on Write docs"
    assert error.duration_ms is not None
    assert failed.task["title"] == "Write docs"
    assert end.data == {"completed": 1, "failed": 1, "skipped": 0}


async def test_swallow_errors_ends_the_stream_without_raising():
    executor = StreamingExecutor(build_roadmap_graph(raise_id="1"), swallow_errors=True)
    events = await collect(executor.astream_events(initial()))
    assert types_of(events)[-3:] == ["node_error", "task_failed", "run_end"]


async def test_durations_reflect_a_node_that_sleeps():
    executor = StreamingExecutor(build_roadmap_graph(work_seconds=0.2))
    started = time.perf_counter()
    events = await collect(executor.astream_events(initial(initial()["todos"][:1])))
    elapsed_ms = (time.perf_counter() - started) * 1000
    work = next(e for e in events if e.type == "node_end" and e.node_name == "execute_task")
    assert 190 <= work.duration_ms <= elapsed_ms
    pick = next(e for e in events if e.type == "node_end" and e.node_name == "pick_task")
    assert pick.duration_ms < 100
    task = next(e for e in events if e.type == "task_complete")
    assert task.duration_ms >= work.duration_ms
    assert events[-1].duration_ms >= task.duration_ms


async def test_node_start_is_yielded_before_the_node_finishes():
    executor = StreamingExecutor(build_roadmap_graph(work_seconds=0.3))
    async for event in executor.astream_events(initial(initial()["todos"][:1])):
        if event.type == "node_start" and event.node_name == "execute_task":
            seen_at = time.perf_counter()
        if event.type == "node_end" and event.node_name == "execute_task":
            assert time.perf_counter() - seen_at >= 0.25
            break


async def test_interrupt_then_resume_with_a_checkpointer():
    executor = StreamingExecutor(build_roadmap_graph(ask=True, checkpointer=True))
    config = {"configurable": {"thread_id": "t1"}}
    first = await collect(executor.astream_events(initial(initial()["todos"][:1]), config))
    assert first[0].type == "run_start"
    assert first[-1].type == "interrupt"
    assert "run_end" not in types_of(first)
    paused = first[-1]
    assert paused.node_name == "approve"
    assert paused.data["value"] == {"question": "ship Add auth?"}
    assert paused.task["title"] == "Add auth"
    # The interrupted node gets no node_end: it runs again on resume.
    assert [e.node_name for e in first if e.type == "node_end"][-1] == "execute_task"

    second = await collect(executor.astream_events(Command(resume="approve"), config))
    assert second[0].type == "resume"
    assert second[0].data["decision"] == "approve"
    assert second[0].node_name == "approve"
    assert second[1].type == "node_start"
    assert second[1].node_name == "approve"
    assert lifecycle(second) == ["resume", "task_complete", "run_end"]
    assert second[-1].data == {"completed": 1, "failed": 0, "skipped": 0}
    # The run's duration covers both streams, from the first run_start.
    whole_ms = (second[-1].timestamp - first[0].timestamp) * 1000
    assert second[-1].duration_ms >= whole_ms - 5
    state = await executor.graph.aget_state(config)
    assert state.values["log"][-2:] == ["decision:approve", "checkpoint"]


async def test_resuming_a_thread_this_executor_did_not_start_opens_a_run():
    graph = build_roadmap_graph(ask=True, checkpointer=True)
    config = {"configurable": {"thread_id": "t2"}}
    await collect(StreamingExecutor(graph).astream_events(initial(), config))
    events = await collect(StreamingExecutor(graph).astream_events(Command(resume="no"), config))
    assert types_of(events)[:2] == ["resume", "run_start"]
    assert events[0].node_name is None


class _ForwardState(TypedDict, total=False):
    done: bool


def _forwarding_graph() -> Any:
    async def write_events(state: _ForwardState) -> dict[str, Any]:
        writer = get_stream_writer()
        writer(StreamEvent(type="token", content="one "))
        writer(ExecutorStreamEvent("tool_start", tool="search", node_name="custom_name"))
        writer({"type": "tool_end", "tool": "search", "latency_ms": 12.5, "result": "hit"})
        writer({"no": "type"})  # not an event: ignored
        writer({"type": "token", "content": "two"})
        return {"done": True}

    graph = StateGraph(_ForwardState)
    graph.add_node("agent_node", write_events)
    graph.add_edge(START, "agent_node")
    graph.add_edge("agent_node", END)
    return graph.compile()


async def test_custom_stream_events_are_forwarded_in_order_tagged_with_the_node():
    events = await collect(StreamingExecutor(_forwarding_graph()).astream_events({}, None, TOKENS))
    inner = events[2:-2]
    assert types_of(events)[:2] == ["run_start", "node_start"]
    assert [(e.type, e.content or e.tool) for e in inner] == [
        ("token", "one "),
        ("tool_start", "search"),
        ("tool_end", "search"),
        ("token", "two"),
    ]
    assert [e.node_name for e in inner] == ["agent_node", "custom_name", "agent_node", "agent_node"]
    assert inner[2].latency_ms == 12.5
    assert inner[2].result == "hit"  # detailed visibility keeps the result
    assert types_of(events)[-2:] == ["node_end", "run_end"]


async def test_forwarded_events_follow_the_config():
    quiet = ExecutorStreamConfig(stream_tokens=False, show_llm_tools=True)
    events = await collect(StreamingExecutor(_forwarding_graph()).astream_events({}, None, quiet))
    forwarded = [e for e in events if e.type in ("token", "tool_start", "tool_end")]
    assert types_of(forwarded) == ["tool_start", "tool_end"]
    assert forwarded[1].result is None  # standard visibility strips tool results


class _Conversation(TypedDict, total=False):
    messages: Annotated[list[Any], operator.add]


def _chat_graph(model: Any) -> Any:
    async def ask(state: _Conversation) -> dict[str, Any]:
        first = await model.ainvoke([HumanMessage("read it")])
        answer = ToolMessage(content="42 lines", tool_call_id="call_1", name="read_file")
        await asyncio.sleep(0.05)
        return {"messages": [first, answer]}

    graph = StateGraph(_Conversation)
    graph.add_node("llm", ask)
    graph.add_edge(START, "llm")
    graph.add_edge("llm", END)
    return graph.compile()


async def test_langchain_model_tokens_and_tool_calls_come_out_as_core_events():
    script = [
        AIMessage(
            content="Reading the file",
            tool_calls=[{"name": "read_file", "args": {"path": "a.py"}, "id": "call_1"}],
        )
    ]
    model = ScriptedChatModel(messages=iter(script))
    events = await collect(StreamingExecutor(_chat_graph(model)).astream_events({}, None, TOKENS))
    core = [e for e in events if e.type in ("token", "tool_start", "tool_end")]
    assert "".join(e.content for e in core if e.type == "token") == "Reading the file"
    start = next(e for e in core if e.type == "tool_start")
    assert (start.tool, start.tool_id, start.arguments) == ("read_file", "call_1", {"path": "a.py"})
    end = next(e for e in core if e.type == "tool_end")
    assert (end.tool, end.tool_id, end.result) == ("read_file", "call_1", "42 lines")
    assert end.latency_ms >= 45
    assert {e.node_name for e in core} == {"llm"}
    assert types_of(core).index("tool_start") < types_of(core).index("tool_end")


async def test_a_generic_fake_chat_model_streams_tokens():
    model = GenericFakeChatModel(messages=iter(["hello streaming world"]))

    async def talk(state: _Conversation) -> dict[str, Any]:
        return {"messages": [await model.ainvoke("hi")]}

    graph = StateGraph(_Conversation)
    graph.add_node("talk", talk)
    graph.add_edge(START, "talk")
    graph.add_edge("talk", END)
    events = await collect(StreamingExecutor(graph.compile()).astream_events({}, None, TOKENS))
    tokens = [e for e in events if e.type == "token"]
    assert len(tokens) == 5  # "hello", " ", "streaming", " ", "world"
    assert "".join(t.content for t in tokens) == "hello streaming world"


def _graph_with_subgraph() -> Any:
    def inner_step(state: _ForwardState) -> dict[str, Any]:
        get_stream_writer()({"type": "intent", "content": "inside"})
        return {"done": True}

    inner = StateGraph(_ForwardState)
    inner.add_node("pick_task", inner_step)  # a lifecycle name, but inside a subgraph
    inner.add_edge(START, "pick_task")
    inner.add_edge("pick_task", END)
    compiled_inner = inner.compile()

    async def outer(state: _ForwardState) -> dict[str, Any]:
        return await compiled_inner.ainvoke({})

    graph = StateGraph(_ForwardState)
    graph.add_node("team", outer)
    graph.add_edge(START, "team")
    graph.add_edge("team", END)
    return graph.compile()


async def test_subgraph_events_carry_their_namespace_and_never_count_as_tasks():
    events = await collect(
        StreamingExecutor(_graph_with_subgraph(), subgraphs=True).astream_events(
            {"current_task": {"id": "x"}}
        )
    )
    nodes = [(e.type, e.node_name, e.namespace) for e in events if e.type.startswith("node_")]
    assert nodes[0] == ("node_start", "team", None)
    assert nodes[-1] == ("node_end", "team", None)
    inner = [n for n in nodes if n[1] == "pick_task"]
    assert [n[0] for n in inner] == ["node_start", "node_end"]
    assert all(len(n[2]) == 1 and n[2][0].startswith("team:") for n in inner)
    intent = next(e for e in events if e.type == "intent")
    assert intent.node_name == "pick_task"
    assert intent.namespace == inner[0][2]
    assert "task_start" not in types_of(events)
    assert events[-1].data.items() >= {"completed": 0, "failed": 0, "skipped": 0}.items()


async def test_without_subgraphs_only_the_parent_nodes_stream():
    events = await collect(StreamingExecutor(_graph_with_subgraph()).astream_events({}))
    assert [e.node_name for e in events if e.type == "node_start"] == ["team"]
    assert all(e.namespace is None for e in events)


async def test_config_switches_are_honoured():
    graph = build_roadmap_graph()
    quiet = ExecutorStreamConfig(show_node_transitions=False, show_task_progress=False)
    events = await collect(StreamingExecutor(graph).astream_events(initial(), None, quiet))
    assert types_of(events) == ["run_start", "run_end"]
    assert events[-1].data["completed"] == 3  # counted even when not shown

    snapshots = ExecutorStreamConfig(include_state_snapshot=True)
    events = await collect(StreamingExecutor(graph).astream_events(initial(), None, snapshots))
    ends = [e for e in events if e.type == "node_end"]
    assert all(e.state_snapshot is not None for e in ends)
    assert ends[0].state_snapshot["current_task_id"] == "1"
    assert ends[0].state_snapshot["total_tasks"] == 3

    off = ExecutorStreamConfig.disabled()
    assert await collect(StreamingExecutor(graph).astream_events(initial(), None, off)) == []


async def test_progress_and_state_updates_are_throttled():
    graph = build_roadmap_graph()
    every = ExecutorStreamConfig(progress_interval_ms=0)
    executor = StreamingExecutor(graph, progress_events=True, state_updates=True)
    events = await collect(executor.astream_events(initial(), None, every))
    progress = [e for e in events if e.type == "progress"]
    assert [e.data["completed"] for e in progress] == [1, 2, 3]
    assert len([e for e in events if e.type == "state_update"]) == len(
        [e for e in events if e.type == "node_end"]
    )

    slow = ExecutorStreamConfig(progress_interval_ms=60_000)
    events = await collect(executor.astream_events(initial(), None, slow))
    progress = [e for e in events if e.type == "progress"]
    assert [e.data["completed"] for e in progress] == [1, 3]  # the last one always comes
    updates = [e for e in events if e.type == "state_update"]
    assert len(updates) == 2  # the first, and the one held back until the end
    assert types_of(events)[-2:] == ["state_update", "run_end"]


async def test_task_nodes_and_state_keys_are_configurable():
    def choose(state: dict[str, Any]) -> dict[str, Any]:
        return {"job": {"id": "7", "title": "Renamed"}, "how_many": 9}

    def record(state: dict[str, Any]) -> dict[str, Any]:
        return {"changed": 4}

    class _Jobs(TypedDict, total=False):
        job: dict[str, Any]
        how_many: int
        changed: int

    graph = StateGraph(_Jobs)
    graph.add_node("choose", choose)
    graph.add_node("record", record)
    graph.add_edge(START, "choose")
    graph.add_edge("choose", "record")
    graph.add_edge("record", END)
    nodes = TaskNodes(
        pick="choose",
        checkpoint="record",
        current_task_key="job",
        total_tasks_key="how_many",
        files_modified_key="changed",
    )
    executor = StreamingExecutor(graph.compile(), task_nodes=nodes)
    events = await collect(executor.astream_events({}))
    start = next(e for e in events if e.type == "task_start")
    assert start.message == "Starting task [1/9]: Renamed"
    assert next(e for e in events if e.type == "task_complete").data["files_modified"] == 4


async def test_the_mixin_uses_get_initial_state():
    class Executor(StreamingExecutorMixin):
        roadmap_path = "plan.md"

        def __init__(self) -> None:
            self.graph = build_roadmap_graph()

        def get_initial_state(self) -> Any:
            return initial(initial()["todos"][:2])

    events = await collect(Executor().astream_events())
    assert events[0].message == "Starting executor run: plan.md (2 tasks)"
    assert events[-1].data["completed"] == 2


def _others() -> set[asyncio.Task[Any]]:
    return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}


async def test_aclose_mid_node_leaves_no_running_task():
    executor = StreamingExecutor(build_roadmap_graph(work_seconds=5))
    stream = executor.astream_events(initial())
    async for event in stream:
        if event.type == "node_start" and event.node_name == "execute_task":
            break
    await stream.aclose()
    assert _others() == set()


async def test_break_mid_node_leaves_no_task_and_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        executor = StreamingExecutor(build_roadmap_graph(work_seconds=5))
        started = time.perf_counter()
        async for event in executor.astream_events(initial()):
            if event.type == "node_start" and event.node_name == "execute_task":
                break
        gc.collect()
        for _ in range(20):
            if not _others():
                break
            await asyncio.sleep(0.01)
        assert _others() == set()
        assert time.perf_counter() - started < 2


async def test_a_whole_run_as_json_parses_line_by_line():
    out = io.StringIO()
    config = ExecutorStreamConfig.json_output()
    config.output_stream = out
    executor = StreamingExecutor(build_roadmap_graph(fail_id="3"), roadmap_path="R.md")
    async for event in executor.astream_events(initial(), None, config):
        stream_to_console(event, config)
    lines = out.getvalue().splitlines()
    parsed = [orjson.loads(line) for line in lines]
    assert parsed[0]["type"] == "run_start"
    assert parsed[-1]["type"] == "run_end"
    assert parsed[-1]["data"] == {"completed": 2, "failed": 1, "skipped": 0}
    assert {p["type"] for p in parsed} >= {"node_start", "task_start", "task_failed"}
    back = [ExecutorStreamEvent.from_dict(p) for p in parsed]
    assert [b.to_dict() for b in back] == parsed
