"""Multi-agent graphs (langgraph-supervisor, langgraph-swarm): every handoff and node closes.

A handoff tool (``transfer_to_*``) hands control over by raising a ``Command``
to the parent graph: LangGraph reports no end for the sub-agent's ``tools``
task that ran it, and streams the tool's answer only inside the parent node's
update. The stream still closes every ``tool_start`` and every ``node_start``.
"""

from __future__ import annotations

from typing import Any

import pytest
from graph_support import collect
from langgraph.graph import END, START, MessagesState, StateGraph
from multi_agent_support import supervisor_app, swarm_app, unclosed
from provider_models import ProviderLikeChatModel, answer, call

from ai_infra_executor import ExecutorStreamConfig, StreamingExecutor

# langgraph-supervisor and -swarm build their agents with create_react_agent,
# deprecated since LangGraph 1.0 in favour of langchain's create_agent.
pytestmark = pytest.mark.filterwarnings("ignore:create_react_agent has been moved")

TOOLS = ExecutorStreamConfig(stream_tokens=True, token_visibility="detailed")


async def run(app: Any, **options: Any) -> list[Any]:
    executor = StreamingExecutor(app, subgraphs=True, **options)
    config = {"configurable": {"thread_id": "t1"}}
    return await collect(executor.astream_events({"messages": [("user", "1+2?")]}, config, TOOLS))


@pytest.mark.parametrize(
    ("build", "agent", "target"),
    [(supervisor_app, "supervisor", "math_expert"), (swarm_app, "alice", "bob")],
)
async def test_a_handoff_closes_its_tool_call_and_its_tools_node(
    build: Any, agent: str, target: str
) -> None:
    events = await run(build())
    assert unclosed(events) == []
    ends = [e for e in events if e.type == "tool_end" and e.tool_id == "h1"]
    assert len(ends) == 1
    handoff = ends[0]
    # The handoff's answer is the tool's own ToolMessage, found in the parent's update.
    assert handoff.tool == f"transfer_to_{target}"
    assert handoff.result == f"Successfully transferred to {target}"
    assert handoff.error is None
    assert handoff.node_name == "tools"
    assert handoff.namespace is not None
    assert handoff.namespace[0].startswith(f"{agent}:")
    assert handoff.latency_ms is not None
    assert handoff.latency_ms >= 0
    # Closed in order: the call, the sub-agent's tools node, then the agent's node.
    at = events.index(handoff)
    tools_end, agent_end = events[at + 1], events[at + 2]
    assert (tools_end.type, tools_end.node_name) == ("node_end", "tools")
    assert tools_end.namespace == handoff.namespace
    assert tools_end.data["closed_by"] == agent
    assert (agent_end.type, agent_end.node_name, agent_end.namespace) == ("node_end", agent, None)
    assert "closed_by" not in agent_end.data


async def test_every_node_and_tool_closes_in_a_supervisor_run() -> None:
    events = await run(supervisor_app())
    assert unclosed(events) == []
    assert events[-1].type == "run_end"
    started = [e for e in events if e.type == "tool_start"]
    assert {e.tool for e in started} >= {"transfer_to_math_expert", "add"}


def one_call_then(ending: Any) -> Any:
    """agent (a tool call no node answers) -> *ending* -> END."""
    model = ProviderLikeChatModel.repeat([answer("", call("add", {"a": 1, "b": 2}, "lost"))])

    async def agent(state: MessagesState) -> dict[str, Any]:
        return {"messages": [await model.ainvoke(state["messages"])]}

    graph = StateGraph(MessagesState)
    graph.add_node("agent", agent)
    graph.add_node("ending", ending)
    graph.add_edge(START, "agent")
    graph.add_edge("agent", "ending")
    graph.add_edge("ending", END)
    return graph.compile()


async def test_a_tool_call_no_node_answers_is_closed_at_the_end_of_the_run() -> None:
    events = await run(one_call_then(lambda state: {}))
    assert unclosed(events) == []
    end = next(e for e in events if e.type == "tool_end")
    assert end.tool_id == "lost"
    assert end.error == "no result: the run ended before this call was answered"
    assert end.result is None
    assert [e.type for e in events[-2:]] == ["tool_end", "run_end"]


async def test_a_tool_call_no_node_answers_carries_the_error_the_run_ended_with() -> None:
    def ending(state: MessagesState) -> dict[str, Any]:
        raise RuntimeError("the disk is full")

    events = await run(one_call_then(ending), swallow_errors=True)
    assert unclosed(events) == []
    end = next(e for e in events if e.type == "tool_end")
    assert (end.tool_id, end.error) == ("lost", "RuntimeError: the disk is full")
