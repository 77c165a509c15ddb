"""Static breakpoints, resuming with ``None``, and what a resume carries over (issue 11, items 1-3).

* A run paused at a static breakpoint (``interrupt_before`` / ``interrupt_after``,
  at compile time or per call) ends its stream at the ``interrupt`` event and is
  kept for its resume, like a run paused by ``interrupt()``.
* ``astream_events(None, config)`` on a thread with work pending continues it, as
  LangGraph does: the pending tool call runs, the model is not asked again.
* After a resume, a tool call opened before the pause gets a ``tool_end`` latency,
  and the ``resume`` of an interrupt raised in a subgraph carries its namespace.

The agents are LangChain's ``create_agent`` with a model that streams like a
provider; the plain graphs are small ``StateGraph`` s.
"""

from __future__ import annotations

from typing import Any, TypedDict

from graph_support import collect, types_of
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, ToolMessage
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt
from provider_models import ProviderLikeChatModel, answer, call

from ai_infra_executor import ExecutorStreamConfig, StreamingExecutor
from ai_infra_executor.graph_run import Run

TOOLS = ExecutorStreamConfig(show_llm_tools=True, token_visibility="detailed")


@tool
def lookup(query: str) -> str:
    """Look *query* up."""
    return f"found {query}"


@tool
def deploy(target: str) -> str:
    """Deploy to *target*, once a human said yes."""
    decision = interrupt({"deploy": target})
    return f"deployed to {target}: {decision}"


def _model(tool_name: str = "lookup", args: dict[str, Any] | None = None) -> ProviderLikeChatModel:
    """One tool call (id ``c1``), then a final answer."""
    first = answer("Let me check.", call(tool_name, args or {"query": "docs"}, "c1"))
    return ProviderLikeChatModel(messages=iter([first, answer("All done.")]))


def _agent(**options: Any) -> Any:
    return create_agent(_model(), [lookup], checkpointer=InMemorySaver(), **options)


def _thread(name: str) -> dict[str, Any]:
    return {"configurable": {"thread_id": name}}


def _unanswered_tool_calls(messages: list[Any]) -> list[str]:
    """The ids of the tool calls no ToolMessage answers."""
    answered = {m.tool_call_id for m in messages if isinstance(m, ToolMessage)}
    return [
        c["id"]
        for m in messages
        if isinstance(m, AIMessage)
        for c in m.tool_calls
        if c["id"] not in answered
    ]


class _Counter(TypedDict, total=False):
    steps: list[str]


def _two_steps() -> StateGraph[Any]:
    def first(state: _Counter) -> dict[str, Any]:
        return {"steps": [*state.get("steps", []), "first"]}

    def second(state: _Counter) -> dict[str, Any]:
        return {"steps": [*state.get("steps", []), "second"]}

    graph = StateGraph(_Counter)
    graph.add_node("first", first)
    graph.add_node("second", second)
    graph.add_edge(START, "first")
    graph.add_edge("first", "second")
    graph.add_edge("second", END)
    return graph


# -- item 1: a static breakpoint pauses the run -----------------------------------


async def test_create_agent_interrupt_before_tools_ends_the_stream_at_the_interrupt() -> None:
    executor = StreamingExecutor(_agent(interrupt_before=["tools"]), streaming_config=TOOLS)
    config = _thread("static-before")
    first = await collect(executor.astream_events({"messages": [("user", "hi")]}, config))
    assert first[-1].type == "interrupt"
    assert "run_end" not in types_of(first)
    assert first[-1].node_name == "tools"
    assert first[-1].data == {"value": None}

    # The run was kept: its resume opens no new run, and its run_end covers both streams.
    second = await collect(executor.astream_events(None, config))
    assert types_of(second)[0] == "resume"
    assert "run_start" not in types_of(second)
    assert second[-1].type == "run_end"
    assert second[-1].duration_ms >= (second[-1].timestamp - first[0].timestamp) * 1000 - 5


async def test_a_state_graph_compiled_with_interrupt_after_pauses_and_resumes() -> None:
    graph = _two_steps().compile(checkpointer=InMemorySaver(), interrupt_after=["first"])
    executor = StreamingExecutor(graph)
    config = _thread("static-after")
    first = await collect(executor.astream_events({"steps": []}, config))
    assert types_of(first) == ["run_start", "node_start", "node_end", "interrupt"]
    assert first[-1].node_name == "second"  # where the run goes on

    second = await collect(executor.astream_events(None, config))
    assert types_of(second) == ["resume", "node_start", "node_end", "run_end"]
    assert second[1].node_name == "second"
    state = await graph.aget_state(config)
    assert state.values["steps"] == ["first", "second"]


async def test_breakpoints_given_per_call_pause_the_run() -> None:
    graph = _two_steps().compile(checkpointer=InMemorySaver())
    executor = StreamingExecutor(graph)
    config = _thread("per-call")
    first = await collect(
        executor.astream_events({"steps": []}, config, interrupt_before=["second"])
    )
    assert types_of(first)[-1] == "interrupt"
    assert first[-1].node_name == "second"
    assert (await graph.aget_state(config)).next == ("second",)

    after = await collect(executor.astream_events(None, config, interrupt_after=["second"]))
    assert types_of(after) == ["resume", "node_start", "node_end", "interrupt"]
    assert (await graph.aget_state(config)).values["steps"] == ["first", "second"]


# -- item 2: None continues a thread with work pending ------------------------------


async def test_none_continues_the_pending_tool_call() -> None:
    agent = _agent(interrupt_before=["tools"])
    executor = StreamingExecutor(agent, streaming_config=TOOLS)
    config = _thread("continue")
    await collect(executor.astream_events({"messages": [("user", "hi")]}, config))
    paused = await agent.aget_state(config)
    assert _unanswered_tool_calls(paused.values["messages"]) == ["c1"]

    events = await collect(executor.astream_events(None, config))
    assert events[0].type == "resume"
    assert events[0].node_name == "tools"
    assert events[0].message == "Resuming execution at tools"
    ends = [e for e in events if e.type == "tool_end"]
    assert [(e.tool_id, e.result) for e in ends] == [("c1", "found docs")]
    state = await agent.aget_state(config)
    assert _unanswered_tool_calls(state.values["messages"]) == []
    assert [type(m).__name__ for m in state.values["messages"]] == [
        "HumanMessage",
        "AIMessage",
        "ToolMessage",
        "AIMessage",
    ]


async def test_none_on_a_thread_with_nothing_pending_starts_from_the_initial_state() -> None:
    graph = _two_steps().compile(checkpointer=InMemorySaver())
    executor = StreamingExecutor(graph, initial_state={"steps": ["given"]})
    config = _thread("fresh")
    events = await collect(executor.astream_events(None, config))
    assert types_of(events)[0] == "run_start"
    assert (await graph.aget_state(config)).values["steps"] == ["given", "first", "second"]
    # Once the thread is finished, None starts a new run from the initial state again.
    again = await collect(executor.astream_events(None, config))
    assert types_of(again)[0] == "run_start"


async def test_none_without_a_checkpointer_starts_from_the_initial_state() -> None:
    executor = StreamingExecutor(_two_steps().compile(), initial_state={"steps": []})
    events = await collect(executor.astream_events(None))
    assert types_of(events) == ["run_start", *["node_start", "node_end"] * 2, "run_end"]


# -- item 3: what a resume carries over ----------------------------------------------


async def test_a_tool_call_open_across_a_breakpoint_gets_its_latency() -> None:
    executor = StreamingExecutor(_agent(interrupt_before=["tools"]), streaming_config=TOOLS)
    config = _thread("latency-static")
    first = await collect(executor.astream_events({"messages": [("user", "hi")]}, config))
    assert [e.tool_id for e in first if e.type == "tool_start"] == ["c1"]
    second = await collect(executor.astream_events(None, config))
    end = next(e for e in second if e.type == "tool_end")
    assert end.tool_id == "c1"
    assert end.tool == "lookup"
    assert isinstance(end.latency_ms, float)
    assert end.latency_ms >= 0


async def test_a_tool_that_called_interrupt_gets_its_latency_after_the_resume() -> None:
    agent = create_agent(
        _model("deploy", {"target": "prod"}), [deploy], checkpointer=InMemorySaver()
    )
    executor = StreamingExecutor(agent, streaming_config=TOOLS)
    config = _thread("latency-dynamic")
    first = await collect(executor.astream_events({"messages": [("user", "ship")]}, config))
    assert first[-1].type == "interrupt"
    assert first[-1].data["value"] == {"deploy": "prod"}
    second = await collect(executor.astream_events(Command(resume="yes"), config))
    end = next(e for e in second if e.type == "tool_end")
    assert end.result == "deployed to prod: yes"
    assert isinstance(end.latency_ms, float)
    assert end.latency_ms >= 0


def test_a_paused_tool_clock_leaves_out_the_pause() -> None:
    run = Run(0.0, "graph", 0)
    run.pause_tool_clocks({"c1": 10.0, "c2": 10.25}, {"c1": "lookup"}, now=10.5)
    assert run.resumed_tool_starts(100.0) == {"c1": 99.5, "c2": 99.75}
    assert run.tool_names == {"c1": "lookup"}


def _graph_asking_in_a_subgraph() -> Any:
    def ask(state: _Counter) -> dict[str, Any]:
        return {"steps": [str(interrupt("go on?"))]}

    inner = StateGraph(_Counter)
    inner.add_node("ask", ask)
    inner.add_edge(START, "ask")
    inner.add_edge("ask", END)
    outer = StateGraph(_Counter)
    outer.add_node("team", inner.compile())
    outer.add_edge(START, "team")
    outer.add_edge("team", END)
    return outer.compile(checkpointer=InMemorySaver())


async def test_the_resume_of_an_interrupt_in_a_subgraph_carries_its_namespace() -> None:
    executor = StreamingExecutor(_graph_asking_in_a_subgraph(), subgraphs=True)
    config = _thread("subgraph")
    first = await collect(executor.astream_events({"steps": []}, config))
    paused = first[-1]
    assert paused.type == "interrupt"
    assert paused.node_name == "ask"
    assert paused.namespace is not None
    assert paused.namespace[0].startswith("team:")

    second = await collect(executor.astream_events(Command(resume="yes"), config))
    assert second[0].type == "resume"
    assert second[0].node_name == "ask"
    assert second[0].namespace == paused.namespace
    assert second[-1].type == "run_end"


def _graph_with_a_breakpoint_in_a_subgraph() -> Any:
    inner = _two_steps().compile(interrupt_before=["second"])
    outer = StateGraph(_Counter)
    outer.add_node("team", inner)
    outer.add_edge(START, "team")
    outer.add_edge("team", END)
    return outer.compile(checkpointer=InMemorySaver())


async def test_a_breakpoint_in_a_subgraph_pauses_at_its_node_in_its_namespace() -> None:
    graph = _graph_with_a_breakpoint_in_a_subgraph()
    executor = StreamingExecutor(graph, subgraphs=True)
    config = _thread("subgraph-breakpoint")
    first = await collect(executor.astream_events({"steps": []}, config))
    paused = first[-1]
    assert paused.type == "interrupt"
    assert paused.node_name == "second"
    assert paused.namespace is not None
    assert paused.namespace[0].startswith("team:")
    # Where the first step ran.
    assert paused.namespace == next(e.namespace for e in first if e.node_name == "first")

    second = await collect(executor.astream_events(None, config))
    assert (second[0].type, second[0].node_name) == ("resume", "second")
    assert second[0].namespace == paused.namespace
    assert second[-1].type == "run_end"
    assert (await graph.aget_state(config)).values["steps"] == ["first", "second"]


async def test_without_subgraphs_a_subgraph_breakpoint_pauses_at_the_parent_node() -> None:
    executor = StreamingExecutor(_graph_with_a_breakpoint_in_a_subgraph())
    config = _thread("subgraph-breakpoint-hidden")
    first = await collect(executor.astream_events({"steps": []}, config))
    assert (first[-1].type, first[-1].node_name, first[-1].namespace) == (
        "interrupt",
        "team",
        None,
    )
