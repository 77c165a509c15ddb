"""Parallel tasks of one node: node events carry LangGraph's task id, and a task
started by ``Send()`` reads the graph's state, not its payload."""

from __future__ import annotations

import operator
from typing import Annotated, Any, TypedDict

import pytest
from graph_support import collect
from langchain.agents import create_agent
from langchain_core.tools import tool
from langgraph.graph import END, START, StateGraph
from langgraph.prebuilt import create_react_agent
from langgraph.types import Send
from provider_models import ProviderLikeChatModel, answer, call

from ai_infra_executor import ExecutorStreamConfig, StreamingExecutor

TOOLS = ExecutorStreamConfig(stream_tokens=True, token_visibility="detailed")


@tool
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


def two_calls_model() -> ProviderLikeChatModel:
    first = answer("", call("add", {"a": 1, "b": 2}, "c1"), call("add", {"a": 3, "b": 4}, "c2"))
    return ProviderLikeChatModel.repeat([first, answer("3 and 7")])


@pytest.mark.filterwarnings("ignore:create_react_agent has been moved")
@pytest.mark.parametrize(
    "build",
    [
        lambda: create_react_agent(two_calls_model(), [add]),
        lambda: create_agent(two_calls_model(), [add]),
    ],
    ids=["create_react_agent", "create_agent"],
)
async def test_two_tools_tasks_are_told_apart_by_their_task_id(build: Any) -> None:
    executor = StreamingExecutor(build())
    events = await collect(executor.astream_events({"messages": [("user", "sums")]}, None, TOOLS))
    nodes = [e for e in events if e.type.startswith("node_")]
    assert all(isinstance(e.data.get("task_id"), str) and e.data["task_id"] for e in nodes)
    tools_starts = [
        e.data["task_id"] for e in nodes if e.type == "node_start" and e.node_name == "tools"
    ]
    tools_ends = [
        e.data["task_id"] for e in nodes if e.type == "node_end" and e.node_name == "tools"
    ]
    assert len(tools_starts) == 2
    assert len(set(tools_starts)) == 2
    assert sorted(tools_ends) == sorted(tools_starts)
    # Every task is started once and ended once: start and end pair by task id.
    starts = [e.data["task_id"] for e in nodes if e.type == "node_start"]
    ends = [e.data["task_id"] for e in nodes if e.type == "node_end"]
    assert len(set(starts)) == len(starts)
    assert sorted(starts) == sorted(ends)


class FanOut(TypedDict, total=False):
    current_task: dict[str, Any] | None
    items: list[str]
    done: Annotated[list[str], operator.add]


def fan_out_graph() -> Any:
    """choose -> work (one task per item, by Send) -> END."""

    def choose(state: FanOut) -> dict[str, Any]:
        return {"current_task": {"id": "7", "title": "Sum"}, "items": ["a", "b"]}

    def work(payload: dict[str, Any]) -> dict[str, Any]:
        return {"done": [payload["item"]]}

    def spread(state: FanOut) -> list[Send]:
        return [Send("work", {"item": item}) for item in state["items"]]

    graph = StateGraph(FanOut)
    graph.add_node("choose", choose)
    graph.add_node("work", work)
    graph.add_edge(START, "choose")
    graph.add_conditional_edges("choose", spread, ["work"])
    graph.add_edge("work", END)
    return graph.compile()


async def test_a_sent_task_shows_the_graph_state_not_its_payload() -> None:
    executor = StreamingExecutor(fan_out_graph(), state_updates=True)
    config = ExecutorStreamConfig(include_state_snapshot=True, progress_interval_ms=0)
    events = await collect(executor.astream_events({"items": []}, None, config))
    work = [e for e in events if e.node_name == "work"]
    assert [e.type for e in work].count("node_start") == 2
    assert [e.type for e in work].count("state_update") == 2
    for event in work:
        assert event.state_snapshot is not None, event.type
        assert event.state_snapshot["current_task_id"] == "7", event.type
