"""Faults inside a run: agents that raise, yield junk or nothing; nodes that raise.

Against real LangGraph graphs. The agent runs in ``execute_task`` through
``stream_agent``, whose events the node writes with LangGraph's custom stream
writer (so they reach the executor's stream tagged with the node); the node
sends the task to ``handle_failure`` when the agent's stream ended with an error.

Decided behaviour of ``stream_agent`` for an item that is not an event: it is
skipped with one ``error`` event (``data["skipped_item"]`` names what it was) and
the agent's stream goes on; an agent that raises, or whose stream ends without a
single event, gets one ``error`` event that ends its stream.
"""

from __future__ import annotations

import io
import operator
from typing import Annotated, Any, TypedDict

import orjson
import pytest
from fault_support import (
    ROADMAP,
    TOKENS,
    BadToDict,
    ScriptAgent,
    build_agent_graph,
    roadmap_state,
    token,
)
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.errors import GraphRecursionError
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt

from ai_infra_executor import (
    ExecutorStreamConfig,
    ExecutorStreamEvent,
    StreamEvent,
    StreamingExecutor,
    stream_agent,
    stream_to_console,
)

#: Items that are not stream events, with the type name the error event gives.
MALFORMED: list[tuple[Any, str]] = [
    (None, "NoneType"),
    (42, "int"),
    ({"content": "no type"}, "dict"),
    (BadToDict(), "BadToDict"),
    ({"type": 5}, "dict"),
    ({"type": "token", "timestamp": "not a time"}, "dict"),
    (object(), "object"),
    ("a bare string", "str"),
]


async def agent_events(agent: Any, config: ExecutorStreamConfig = TOKENS) -> list[Any]:
    return [event async for event in stream_agent(agent, "go", config)]


async def run_events(executor: StreamingExecutor, *args: Any) -> list[ExecutorStreamEvent]:
    return [event async for event in executor.astream_events(*args)]


async def drain(stream: Any, into: list[ExecutorStreamEvent]) -> None:
    """Append every event of *stream* to *into* (what came before an exception stays)."""
    async for event in stream:
        into.append(event)


def types_of(events: list[Any]) -> list[str]:
    return [e.type for e in events]


def lifecycle(events: list[ExecutorStreamEvent]) -> list[tuple[str, str | None]]:
    """``(type, task id)`` of the task events, then ``run_end``."""
    kinds = ("task_start", "task_complete", "task_failed", "task_skipped", "run_end")
    return [(e.type, (e.task or {}).get("id")) for e in events if e.type in kinds]


# -- stream_agent on its own --------------------------------------------------------


@pytest.mark.parametrize(("item", "kind"), MALFORMED)
async def test_a_malformed_item_is_skipped_with_one_error_event(item, kind):
    agent = ScriptAgent([token("before "), item, token("after")])
    events = await agent_events(agent)
    assert types_of(events) == ["token", "error", "token"]
    error = events[1]
    assert error.error.startswith("Agent stream item skipped: ")
    assert f"{'None' if item is None else 'a ' + kind} is not a stream event" in error.error
    assert error.data["skipped_item"] == kind
    assert error.node_name == "execute_task"
    assert [e.content for e in events if e.type == "token"] == ["before ", "after"]
    assert agent.closed


async def test_the_reason_an_item_was_refused_is_named_and_kept_short():
    events = await agent_events(ScriptAgent([BadToDict(), {"huge": "x" * 1_000_000}]))
    assert types_of(events) == ["error", "error", "error"]  # two skipped, then "no event"
    assert "RuntimeError: to_dict exploded" in events[0].error
    assert events[0].data["error_type"] == "RuntimeError"
    assert "TypeError" in events[1].error
    assert len(events[1].error) < 300
    assert "without any event" in events[2].error
    assert "skipped_item" not in events[2].data


async def test_an_agent_that_yields_nothing_gives_one_error_event():
    agent = ScriptAgent([])
    events = await agent_events(agent)
    assert types_of(events) == ["error"]
    assert events[0].error == "Agent stream ended without any event: the agent produced no output"
    assert events[0].node_name == "execute_task"
    assert agent.closed


async def test_events_the_config_filters_out_still_count_as_output():
    quiet = ExecutorStreamConfig(stream_tokens=False)
    assert await agent_events(ScriptAgent([token("a"), token("b")]), quiet) == []


async def test_a_skipped_item_then_a_raise_gives_both_errors_in_order():
    agent = ScriptAgent([token("a"), None], fail_with=RuntimeError("model overloaded"))
    events = await agent_events(agent)
    assert types_of(events) == ["token", "error", "error"]
    assert events[1].data["skipped_item"] == "NoneType"
    assert events[2].error == "Agent stream failed: RuntimeError: model overloaded"
    assert "skipped_item" not in events[2].data
    assert agent.closed


# -- the agent inside a StreamingExecutor run -----------------------------------


async def test_an_agent_raising_mid_stream_fails_its_task_and_the_run_goes_on():
    agents = {"2": ScriptAgent([token("half ")], fail_with=RuntimeError("model overloaded"))}
    events = await run_events(
        StreamingExecutor(build_agent_graph(agents)), roadmap_state(), None, TOKENS
    )
    errors = [e for e in events if e.type == "error"]
    assert len(errors) == 1
    assert errors[0].error == "Agent stream failed: RuntimeError: model overloaded"
    assert errors[0].node_name == "execute_task"
    assert lifecycle(events) == [
        ("task_start", "1"),
        ("task_complete", "1"),
        ("task_start", "2"),
        ("task_failed", "2"),
        ("task_start", "3"),
        ("task_complete", "3"),
        ("run_end", None),
    ]
    # The error comes while task 2 runs, after the tokens it streamed.
    order = types_of(events)
    assert order.index("error") > order.index("token")
    failed = next(e for e in events if e.type == "task_failed")
    assert failed.error == "Agent stream failed: RuntimeError: model overloaded"
    assert events[-1].data == {"completed": 2, "failed": 1, "skipped": 0}


async def test_malformed_items_are_reported_and_the_task_still_completes():
    items = [token("one "), None, 42, {"content": "x"}, BadToDict(), token("two")]
    events = await run_events(
        StreamingExecutor(build_agent_graph({"1": ScriptAgent(items)})),
        roadmap_state(),
        None,
        TOKENS,
    )
    errors = [e for e in events if e.type == "error"]
    assert [e.data["skipped_item"] for e in errors] == ["NoneType", "int", "dict", "BadToDict"]
    assert {e.node_name for e in errors} == {"execute_task"}
    first_task = events[: next(i for i, e in enumerate(events) if e.type == "task_complete")]
    assert [e.content for e in first_task if e.type == "token"] == ["one ", "two"]
    assert events[-1].type == "run_end"
    assert events[-1].data == {"completed": 3, "failed": 0, "skipped": 0}


async def test_an_agent_that_yields_nothing_fails_its_task():
    agents = {"3": ScriptAgent([])}
    events = await run_events(StreamingExecutor(build_agent_graph(agents)), roadmap_state())
    (error,) = [e for e in events if e.type == "error"]
    assert "without any event" in error.error
    assert lifecycle(events)[-2:] == [("task_failed", "3"), ("run_end", None)]
    assert events[-1].data == {"completed": 2, "failed": 1, "skipped": 0}


async def test_a_node_that_ignores_agent_errors_completes_every_task_once():
    agents = {
        "1": ScriptAgent([], fail_with=RuntimeError("boom")),
        "2": ScriptAgent([]),
        "3": ScriptAgent([None]),
    }
    graph = build_agent_graph(agents, fail_on_agent_error=False)
    events = await run_events(StreamingExecutor(graph), roadmap_state())
    assert len([e for e in events if e.type == "error"]) == 4  # boom, empty, skipped + empty
    assert [t for t, _ in lifecycle(events)].count("task_complete") == 3
    assert events[-1].data == {"completed": 3, "failed": 0, "skipped": 0}


async def test_a_faulty_run_as_json_parses_line_by_line():
    agents = {
        "1": ScriptAgent([token("\x1b[31mred\x00"), None, {"content": "x"}]),
        "2": ScriptAgent([], fail_with=ValueError("bad\nline")),
    }
    out = io.StringIO()
    config = ExecutorStreamConfig.json_output()
    config.output_stream = out
    async for event in StreamingExecutor(build_agent_graph(agents)).astream_events(
        roadmap_state(), None, config
    ):
        stream_to_console(event, config)
    parsed = [orjson.loads(line) for line in out.getvalue().splitlines()]
    assert parsed[-1]["type"] == "run_end"
    assert parsed[-1]["data"] == {"completed": 2, "failed": 1, "skipped": 0}
    errors = [p for p in parsed if p["type"] == "error"]
    assert [e.get("data", {}).get("skipped_item") for e in errors] == ["NoneType", "dict", None]
    assert errors[-1]["error"] == "Agent stream failed: ValueError: bad\nline"


# -- nodes that raise ---------------------------------------------------------------


class _Team(TypedDict, total=False):
    current_task: dict[str, Any] | None
    todos: list[dict[str, Any]]
    log: Annotated[list[str], operator.add]


def _team_graph(*, subgraph_as_node: bool) -> Any:
    """pick_task -> team, where ``team`` is a subgraph whose node ``inner`` raises."""

    def inner(state: _Team) -> dict[str, Any]:
        raise ValueError("inner step broke")

    sub = StateGraph(_Team)
    sub.add_node("inner", inner)
    sub.add_edge(START, "inner")
    sub.add_edge("inner", END)
    compiled = sub.compile()

    async def team(state: _Team) -> dict[str, Any]:
        return dict(await compiled.ainvoke({}))

    def pick_task(state: _Team) -> dict[str, Any]:
        return {"current_task": dict(ROADMAP[0]), "todos": [dict(ROADMAP[0])]}

    graph = StateGraph(_Team)
    graph.add_node("pick_task", pick_task)
    graph.add_node("team", compiled if subgraph_as_node else team)
    graph.add_edge(START, "pick_task")
    graph.add_edge("pick_task", "team")
    graph.add_edge("team", END)
    return graph.compile()


@pytest.mark.parametrize("subgraph_as_node", [True, False])
@pytest.mark.parametrize("subgraphs", [True, False])
async def test_a_node_inside_a_subgraph_that_raises(subgraphs, subgraph_as_node):
    executor = StreamingExecutor(_team_graph(subgraph_as_node=subgraph_as_node))
    events: list[ExecutorStreamEvent] = []
    with pytest.raises(ValueError, match="inner step broke"):
        await drain(executor.astream_events({}, subgraphs=subgraphs), events)
    errors = [e for e in events if e.type == "node_error"]
    if subgraphs:
        inner, outer = errors
        assert inner.node_name == "inner"
        assert inner.namespace is not None
        assert inner.namespace[0].startswith("team:")
        assert inner.error == "ValueError: inner step broke"
    else:
        (outer,) = errors
    assert (outer.node_name, outer.namespace) == ("team", None)
    assert outer.error == "ValueError: inner step broke"
    assert types_of(events)[-3:] == ["node_error", "task_failed", "run_end"]
    assert events[-2].task["id"] == "1"
    assert events[-1].data == {"completed": 0, "failed": 1, "skipped": 0}


def _raising_first_node() -> Any:
    def pick_task(state: _Team) -> dict[str, Any]:
        raise KeyError("no roadmap")

    graph = StateGraph(_Team)
    graph.add_node("pick_task", pick_task)
    graph.add_edge(START, "pick_task")
    graph.add_edge("pick_task", END)
    return graph.compile()


async def test_the_first_node_raising_before_any_task_gives_no_task_failed():
    events: list[ExecutorStreamEvent] = []
    with pytest.raises(KeyError, match="no roadmap"):
        await drain(StreamingExecutor(_raising_first_node()).astream_events({}), events)
    assert types_of(events) == ["run_start", "node_start", "node_error", "run_end"]
    assert events[2].node_name == "pick_task"
    assert events[2].error == "KeyError: 'no roadmap'"
    assert events[-1].data == {"completed": 0, "failed": 0, "skipped": 0}

    swallowed = await run_events(StreamingExecutor(_raising_first_node(), swallow_errors=True), {})
    assert types_of(swallowed) == types_of(events)


def _approve_then_raise() -> Any:
    def pick_task(state: _Team) -> dict[str, Any]:
        return {"current_task": dict(ROADMAP[1]), "todos": [dict(t) for t in ROADMAP]}

    def approve(state: _Team) -> dict[str, Any]:
        decision = interrupt({"question": "ship it?"})
        raise RuntimeError(f"deploy failed after {decision!r}")

    graph = StateGraph(_Team)
    graph.add_node("pick_task", pick_task)
    graph.add_node("approve", approve)
    graph.add_edge(START, "pick_task")
    graph.add_edge("pick_task", "approve")
    graph.add_edge("approve", END)
    return graph.compile(checkpointer=InMemorySaver())


@pytest.mark.parametrize("swallow", [False, True])
async def test_a_node_raising_after_a_resume(swallow):
    executor = StreamingExecutor(_approve_then_raise(), swallow_errors=swallow)
    config = {"configurable": {"thread_id": f"resume-raise-{swallow}"}}
    first = await run_events(executor, {}, config)
    assert types_of(first)[-1] == "interrupt"
    second: list[ExecutorStreamEvent] = []
    stream = executor.astream_events(Command(resume="yes"), config)
    if swallow:
        second = [event async for event in stream]
    else:
        with pytest.raises(RuntimeError, match="deploy failed after 'yes'"):
            await drain(stream, second)
    assert types_of(second) == ["resume", "node_start", "node_error", "task_failed", "run_end"]
    error, failed, end = second[2:]
    assert error.node_name == "approve"
    assert error.error == "RuntimeError: deploy failed after 'yes'"
    assert failed.task["id"] == "2"  # the task picked before the pause
    assert failed.error == error.error
    assert end.data == {"completed": 0, "failed": 1, "skipped": 0}
    assert end.duration_ms >= (second[-1].timestamp - first[0].timestamp) * 1000 - 5
    # The run is over and forgotten: the thread's next stream opens a new one.
    again = executor.astream_events(Command(resume="again"), config)
    assert [(await anext(again)).type, (await anext(again)).type] == ["resume", "run_start"]
    await again.aclose()


async def test_an_error_no_node_reported_blames_the_graph_and_fails_the_task():
    executor = StreamingExecutor(build_agent_graph({}))
    events: list[ExecutorStreamEvent] = []
    with pytest.raises(GraphRecursionError):
        await drain(executor.astream_events(roadmap_state(), {"recursion_limit": 5}), events)
    assert types_of(events)[-3:] == ["node_error", "task_failed", "run_end"]
    error, failed, end = events[-3:]
    assert error.node_name == "LangGraph"  # the compiled graph's name
    assert (error.error or "").startswith("GraphRecursionError: Recursion limit of 5")
    assert failed.task["id"] == "2"
    assert end.data == {"completed": 1, "failed": 1, "skipped": 0}


async def test_the_error_event_of_an_agent_is_a_core_event():
    agent = ScriptAgent([], fail_with=ConnectionError("reset"))
    (event,) = await agent_events(agent)
    assert isinstance(event, StreamEvent)
    assert event.to_dict()["type"] == "error"
