"""``run_start`` and ``run_end`` of a graph that is not an executor graph (issue 11, item 12).

``run_start`` names the graph (its name; LangGraph's default ``"LangGraph"`` with
the graph's nodes), and the ``run_end`` of a run without tasks says what the run
did (nodes run, tool calls, tokens) instead of "0 completed, 0 failed, 0 skipped",
keeping the task counts in its ``data`` for compatibility.
"""

from __future__ import annotations

from typing import Any

from graph_support import build_roadmap_graph, collect, initial
from langchain.agents import create_agent
from langchain_core.tools import tool
from provider_models import ProviderLikeChatModel, answer, call

from ai_infra_executor import ExecutorStreamConfig, ExecutorStreamEvent, StreamingExecutor
from ai_infra_executor.graph_run import Activity

QUIET = ExecutorStreamConfig(show_llm_tools=False, show_node_transitions=False)


@tool
def lookup(query: str) -> str:
    """Look *query* up."""
    return f"found {query}"


def _agent(**options: Any) -> Any:
    first = answer(
        "Checking.", call("lookup", {"query": "a"}, "c1"), call("lookup", {"query": "b"}, "c2")
    )
    model = ProviderLikeChatModel(messages=iter([first, answer("Both found.")]))
    return create_agent(model, [lookup], **options)


async def test_run_start_names_an_unnamed_agent_by_its_nodes() -> None:
    events = await collect(
        StreamingExecutor(_agent()).astream_events({"messages": [("user", "hi")]})
    )
    start = events[0]
    assert start.type == "run_start"
    assert start.message == "Starting executor run: LangGraph (nodes: model, tools)"
    assert start.data is not None
    assert start.data["graph"] == "LangGraph"
    assert start.data["nodes"] == ["model", "tools"]


async def test_run_start_names_a_named_agent() -> None:
    executor = StreamingExecutor(_agent(name="researcher"))
    events = await collect(executor.astream_events({"messages": [("user", "hi")]}))
    assert events[0].message == "Starting executor run: researcher"
    assert events[0].data is not None
    assert events[0].data["roadmap_path"] == "researcher"


async def test_run_end_of_an_agent_says_what_it_did() -> None:
    # The counts do not depend on what the config shows.
    executor = StreamingExecutor(_agent(), streaming_config=QUIET)
    events = await collect(executor.astream_events({"messages": [("user", "hi")]}))
    end = events[-1]
    assert end.type == "run_end"
    # model, tools (one task per call), model
    assert end.data is not None
    counts = {k: end.data[k] for k in ("completed", "failed", "skipped", "nodes", "tool_calls")}
    assert counts == {"completed": 0, "failed": 0, "skipped": 0, "nodes": 4, "tool_calls": 2}
    assert end.data["node_errors"] == end.data["tool_errors"] == 0
    # Tokens are counted from usage events, when the stream gives them.
    assert all(isinstance(end.data[k], int) for k in ("input_tokens", "output_tokens"))
    assert end.message.startswith("Executor run complete: 4 nodes run, 2 tool calls")
    assert "0 completed" not in end.message


async def test_an_executor_graph_keeps_its_task_summary() -> None:
    executor = StreamingExecutor(build_roadmap_graph(), roadmap_path="ROADMAP.md")
    events = await collect(executor.astream_events(initial()))
    assert events[0].data == {"roadmap_path": "ROADMAP.md", "total_tasks": 3}
    assert events[-1].message == "Executor run complete: 3 completed, 0 failed, 0 skipped"
    assert events[-1].data == {"completed": 3, "failed": 0, "skipped": 0}


def test_activity_counts_failures_and_tokens() -> None:
    activity = Activity()
    for event in [
        ExecutorStreamEvent("node_end", node_name="a"),
        ExecutorStreamEvent("node_error", node_name="b", error="boom"),
        ExecutorStreamEvent("tool_start", tool="t", tool_id="1"),
        ExecutorStreamEvent("tool_end", tool="t", tool_id="1", error="bad arguments"),
        ExecutorStreamEvent("tool_end", tool="t", tool_id="2", result="ok"),
        ExecutorStreamEvent("usage", input_tokens=42, output_tokens=15),
        ExecutorStreamEvent("usage", input_tokens=None, output_tokens=-3),  # nothing to add
        ExecutorStreamEvent("token", content="hi"),
    ]:
        activity.record(event)
    assert activity.as_data() == {
        "nodes": 1,
        "node_errors": 1,
        "tool_calls": 1,
        "tool_errors": 1,
        "input_tokens": 42,
        "output_tokens": 15,
    }
    assert (
        activity.summary()
        == "1 node run, 1 failed, 1 tool call (1 failed), 57 tokens (42 in, 15 out)"
    )
