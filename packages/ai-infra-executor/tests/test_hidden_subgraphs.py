"""``subgraphs=False`` on multi-agent graphs: the sub-agents' messages stream live, as
their top-level node's, and none is dropped.

Without subgraphs, LangGraph sends a subgraph's chat messages only when its
node ends (tool calls with made-up latencies) and never those of a node that
handed off with a ``Command``. The executor asks for them as they happen and
hides the subgraph's nodes instead.
"""

from __future__ import annotations

from typing import Any, TypedDict

import pytest
from graph_support import collect
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt
from multi_agent_support import ADDING, supervisor_app, swarm_app, unclosed

from ai_infra_executor import ExecutorStreamConfig, StreamingExecutor

pytestmark = pytest.mark.filterwarnings("ignore:create_react_agent has been moved")

TOOLS = ExecutorStreamConfig(stream_tokens=True, token_visibility="detailed")
CASES = pytest.mark.parametrize(
    ("build", "first", "said", "target"),
    [
        (supervisor_app, "supervisor", "let me ask", "math_expert"),
        (swarm_app, "alice", "to bob", "bob"),
    ],
    ids=["supervisor", "swarm"],
)


async def run(app: Any) -> list[Any]:
    executor = StreamingExecutor(app, subgraphs=False)
    config = {"configurable": {"thread_id": "t1"}}
    return await collect(executor.astream_events({"messages": [("user", "1+2?")]}, config, TOOLS))


def span(events: list[Any], node: str) -> list[Any]:
    """The events from *node*'s first ``node_start`` to its ``node_end``."""
    start = next(i for i, e in enumerate(events) if e.type == "node_start" and e.node_name == node)
    task_id = events[start].data["task_id"]
    end = next(
        i
        for i, e in enumerate(events)
        if i > start and e.type == "node_end" and e.data.get("task_id") == task_id
    )
    return events[start : end + 1]


@CASES
async def test_only_top_level_nodes_show_and_everything_closes(
    build: Any, first: str, said: str, target: str
) -> None:
    events = await run(build())
    assert all(e.namespace is None for e in events)
    assert {e.node_name for e in events if e.type.startswith("node_")} <= {first, target}
    assert unclosed(events) == []


@CASES
async def test_the_first_agent_s_text_and_handoff_are_streamed(
    build: Any, first: str, said: str, target: str
) -> None:
    inside = span(await run(build()), first)
    assert "".join(e.content for e in inside if e.type == "token") == said
    handoff = [e for e in inside if e.tool_id == "h1"]
    assert [e.type for e in handoff] == ["tool_start", "tool_end"]
    assert {e.node_name for e in handoff} == {first}
    assert handoff[1].result == f"Successfully transferred to {target}"


@CASES
async def test_a_sub_agent_s_tool_call_streams_while_it_runs(
    build: Any, first: str, said: str, target: str
) -> None:
    inside = span(await run(build()), target)
    kinds = [
        (e.type, e.tool_id) if e.type.startswith("tool_") else (e.type, e.content)
        for e in inside
        if e.type in ("tool_start", "tool_end") or e.content == ADDING["content"]
    ]
    # What the tool wrote while it ran lies between its tool_start and tool_end:
    # the call was streamed when it was made, not after the node ended.
    assert kinds[:3] == [("tool_start", "c1"), ("token", "<adding>"), ("tool_end", "c1")]
    assert all(e.node_name == target for e in inside)


class Asked(TypedDict, total=False):
    answer: str


def asking_subgraph() -> Any:
    """outer (a subgraph whose node asks with interrupt()) -> END."""

    def ask(state: Asked) -> dict[str, Any]:
        return {"answer": str(interrupt("go on?"))}

    inner = StateGraph(Asked)
    inner.add_node("ask", ask)
    inner.add_edge(START, "ask")
    inner.add_edge("ask", END)
    outer = StateGraph(Asked)
    outer.add_node("outer", inner.compile())
    outer.add_edge(START, "outer")
    outer.add_edge("outer", END)
    return outer.compile(checkpointer=InMemorySaver())


async def test_an_interrupt_inside_a_hidden_subgraph_is_its_top_level_node_s() -> None:
    executor = StreamingExecutor(asking_subgraph(), subgraphs=False)
    config = {"configurable": {"thread_id": "ask"}}
    paused = await collect(executor.astream_events({}, config))
    assert [(e.type, e.node_name, e.namespace) for e in paused] == [
        ("run_start", None, None),
        ("node_start", "outer", None),
        ("interrupt", "outer", None),
    ]
    assert paused[-1].data["value"] == "go on?"
    resumed = await collect(executor.astream_events(Command(resume="yes"), config))
    assert [e.type for e in resumed] == ["resume", "node_start", "node_end", "run_end"]
    assert all(e.namespace is None for e in resumed)
