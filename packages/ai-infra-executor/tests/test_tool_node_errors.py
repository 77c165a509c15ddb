"""A tool that raises inside a plain ``ToolNode``: its call is closed before the node's error."""

from __future__ import annotations

from typing import Any

from graph_support import collect
from langchain_core.tools import tool
from langgraph.graph import START, MessagesState, StateGraph
from langgraph.prebuilt import ToolNode, tools_condition
from provider_models import ProviderLikeChatModel, answer, call

from ai_infra_executor import ExecutorStreamConfig, StreamingExecutor

TOOLS = ExecutorStreamConfig(stream_tokens=True, token_visibility="detailed")


@tool
def burn(x: int) -> int:
    """Burn x."""
    raise ValueError(f"disk on fire at {x}")


@tool
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


def agent_with_tools(*calls: dict[str, Any]) -> Any:
    """agent -> tools (errors propagate) -> agent ..."""
    model = ProviderLikeChatModel.repeat([answer("", *calls), answer("ok")])

    async def agent(state: MessagesState) -> dict[str, Any]:
        return {"messages": [await model.ainvoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("agent", agent)
    graph.add_node("tools", ToolNode([burn, add], handle_tool_errors=False))
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", tools_condition)
    graph.add_edge("tools", "agent")
    return graph.compile()


async def run(app: Any) -> list[Any]:
    executor = StreamingExecutor(app, swallow_errors=True)
    return await collect(executor.astream_events({"messages": [("user", "go")]}, None, TOOLS))


async def test_a_raising_tool_gets_a_tool_end_with_the_error_before_node_error() -> None:
    events = await run(agent_with_tools(call("burn", {"x": 7}, "b1")))
    tail = [(e.type, e.node_name) for e in events[-3:]]
    assert tail == [("tool_end", "tools"), ("node_error", "tools"), ("run_end", None)]
    end, failure = events[-3], events[-2]
    assert (end.tool, end.tool_id) == ("burn", "b1")
    assert end.error == "ValueError: disk on fire at 7"
    assert end.result is None
    assert end.latency_ms is not None
    assert end.latency_ms >= 0
    assert failure.error == end.error


async def test_every_call_of_the_failed_node_is_closed_with_its_error() -> None:
    # The ToolNode runs both calls; when one raises, LangGraph drops the node's
    # answers and does not say which call raised: both carry the node's error.
    app = agent_with_tools(call("add", {"a": 1, "b": 2}, "a1"), call("burn", {"x": 1}, "b1"))
    events = await run(app)
    ends = [e for e in events if e.type == "tool_end"]
    starts = [e.tool_id for e in events if e.type == "tool_start"]
    assert starts == ["a1", "b1"]
    assert sorted(e.tool_id for e in ends) == ["a1", "b1"]
    assert {e.error for e in ends} == {"ValueError: disk on fire at 1"}
    assert [e.type for e in events[-4:]] == ["tool_end", "tool_end", "node_error", "run_end"]
