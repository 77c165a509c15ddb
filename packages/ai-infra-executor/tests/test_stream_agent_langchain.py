"""stream_agent on LangChain Runnables: real agents give core events (issue 11, item 13).

The agents are LangChain's ``create_agent``, LangGraph's ``create_react_agent``
and a bare chat model, all driven by :class:`provider_models.ProviderLikeChatModel`.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.agents.middleware import HumanInTheLoopMiddleware
from langchain_core.messages import AIMessageChunk, ToolMessage
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from provider_models import ProviderLikeChatModel, answer, call

from ai_infra_executor import ExecutorStreamConfig, ExecutorStreamEvent, stream_agent
from ai_infra_executor.graph import StreamingExecutor
from ai_infra_executor.langchain_events import LangChainEventTranslator

CORE_TYPES = ("token", "reasoning", "tool_start", "tool_end", "usage")
CALLS: list[str] = []


@tool
def lookup(city: str) -> str:
    """The weather in *city*."""
    CALLS.append(city)
    return f"sunny in {city}"


@tool
def broken(city: str) -> str:
    """Always raises, and nothing handles it."""
    raise RuntimeError(f"backend down for {city}")


def everything() -> ExecutorStreamConfig:
    return ExecutorStreamConfig(stream_tokens=True, token_visibility="debug")


def model(shape: str = "reasoning_content") -> ProviderLikeChatModel:
    return ProviderLikeChatModel.repeat(
        [
            answer(
                "Let me check both.",
                call("lookup", {"city": "Oslo"}, "c1"),
                call("lookup", {"town": 3}, "c2"),
                reasoning="Two cities, two calls",
            ),
            answer("Oslo is sunny."),
        ],
        reasoning_shape=shape,
    )


def seen(event: ExecutorStreamEvent) -> tuple[Any, ...]:
    """What a consumer reads of a core event (all but timing and placement)."""
    return (
        event.type,
        event.content,
        event.tool,
        event.tool_id,
        event.arguments,
        event.result,
        event.error,
        event.input_tokens,
        event.output_tokens,
        event.model,
    )


async def collect(agent: Any, prompt: Any, **options: Any) -> list[ExecutorStreamEvent]:
    config = options.pop("config", everything())
    return [e async for e in stream_agent(agent, prompt, config, **options)]


@pytest.mark.parametrize("shape", ["reasoning_content", "responses"])
async def test_create_agent_streams_the_events_streaming_executor_gives(shape: str) -> None:
    CALLS.clear()
    events = await collect(create_agent(model(shape), [lookup]), "What is the weather?")
    assert CALLS == ["Oslo"]  # the tools really ran (the second call had bad arguments)
    assert not [e for e in events if e.type == "error"]
    assert events[-1].type == "done"
    assert events[-1].tools_called == 2
    assert {e.node_name for e in events} == {"execute_task"}

    graph = create_agent(model(shape), [lookup])
    executor = StreamingExecutor(graph, streaming_config=everything())
    question = {"messages": [{"role": "user", "content": "What is the weather?"}]}
    graph_events = [e async for e in executor.astream_events(question)]
    expected = [e for e in graph_events if e.type in CORE_TYPES]
    got = events[:-1]
    # The same events in the same order, but for the ends of the two tool calls: they
    # run as parallel tasks, so either may end first.
    assert [seen(e) for e in got if e.type != "tool_end"] == [
        seen(e) for e in expected if e.type != "tool_end"
    ]
    assert sorted(repr(seen(e)) for e in got if e.type == "tool_end") == sorted(
        repr(seen(e)) for e in expected if e.type == "tool_end"
    )
    assert [e.type for e in got] == [e.type for e in expected]
    kinds = {e.type for e in events}
    assert kinds == {*CORE_TYPES, "done"}
    (failed,) = [e for e in events if e.type == "tool_end" and e.error is not None]
    assert failed.tool_id == "c2"


async def test_create_react_agent_streams_core_events() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # deprecated in favour of create_agent
        from langgraph.prebuilt import create_react_agent

        agent = create_react_agent(model(), [lookup])
    events = await collect(agent, {"messages": [("user", "weather?")]})
    assert [e.type for e in events if e.type in ("tool_start", "tool_end", "done")] == [
        "tool_start",
        "tool_start",
        "tool_end",
        "tool_end",
        "done",
    ]
    text = "".join(str(e.content) for e in events if e.type == "token")
    assert text == "Let me check both.Oslo is sunny."


async def test_a_bare_chat_model_is_a_runnable_agent() -> None:
    chat = ProviderLikeChatModel.repeat([answer("Hello there.", reasoning="greet")])
    events = await collect(chat, "hi")
    assert [(e.type, e.content) for e in events if e.type in ("reasoning", "token")] == [
        ("reasoning", "greet"),
        ("token", "Hello"),
        ("token", " "),
        ("token", "there."),
    ]
    usage = [e for e in events if e.type == "usage"]
    assert [(u.input_tokens, u.output_tokens, u.model) for u in usage] == [
        (42, 2, "fake-provider-1")
    ]
    assert events[-1].type == "done"
    assert events[-1].tools_called == 0


async def test_the_config_filters_runnable_events_as_it_filters_agent_events() -> None:
    agent = create_agent(model(), [lookup])
    standard = await collect(agent, "weather?", config=ExecutorStreamConfig())
    # Defaults: no tokens (stream_tokens=False), no usage below `detailed`, no results at
    # `standard`; reasoning, tool events and done stay.
    assert {e.type for e in standard} == {"reasoning", "tool_start", "tool_end", "done"}
    assert all(e.result is None for e in standard)
    tokens_only = await collect(agent, "weather?", config=ExecutorStreamConfig.tokens_only())
    assert {e.type for e in tokens_only} == {"token"}


async def test_a_tool_that_raises_is_closed_then_one_error_event_ends() -> None:
    chat = ProviderLikeChatModel.repeat([answer("", call("broken", {"city": "Nice"}, "c1"))])
    events = await collect(create_agent(chat, [broken]), "weather?")
    assert [e.type for e in events] == ["tool_start", "usage", "tool_end", "error"]
    failed = events[2]
    assert failed.tool_id == "c1"
    assert failed.error == "RuntimeError: backend down for Nice"
    assert failed.latency_ms is not None
    error = events[-1]
    assert "backend down for Nice" in str(error.error)
    assert error.data is not None
    assert error.data["error_type"] == "RuntimeError"


async def test_a_human_reject_resumed_through_stream_agent_is_a_failed_tool_call() -> None:
    chat = ProviderLikeChatModel.repeat(
        [answer("", call("lookup", {"city": "Oslo"}, "c1")), answer("As you wish.")]
    )
    agent = create_agent(
        chat,
        [lookup],
        middleware=[HumanInTheLoopMiddleware(interrupt_on={"lookup": True})],
        checkpointer=InMemorySaver(),
    )
    run_config = {"configurable": {"thread_id": "t1"}}
    first = await collect(agent, "weather?", run_config=run_config)
    assert [e.type for e in first if e.type.startswith("tool")] == ["tool_start"]
    paused = first[-1]
    assert paused.type == "interrupt"  # not "done": the run waits for the human
    assert paused.data is not None
    assert paused.data["value"]["action_requests"][0]["name"] == "lookup"
    assert paused.data["interrupt_id"]
    decision: Command[Any] = Command(resume={"decisions": [{"type": "reject", "message": "no"}]})
    second = await collect(agent, decision, run_config=run_config)
    (end,) = [e for e in second if e.type == "tool_end"]
    assert end.tool_id == "c1"
    assert end.error is not None
    assert "User rejected" in end.error
    assert second[-1].type == "done"


async def test_a_static_breakpoint_pauses_and_none_continues_the_run() -> None:
    CALLS.clear()
    chat = ProviderLikeChatModel.repeat(
        [answer("", call("lookup", {"city": "Oslo"}, "c1")), answer("Sunny.")]
    )
    agent = create_agent(chat, [lookup], checkpointer=InMemorySaver(), interrupt_before=["tools"])
    run_config = {"configurable": {"thread_id": "t2"}}
    first = await collect(agent, "weather?", run_config=run_config)
    assert [e.type for e in first if e.type != "usage"] == ["tool_start", "interrupt"]
    assert CALLS == []
    second = await collect(agent, None, run_config=run_config)
    assert CALLS == ["Oslo"]
    assert [e.type for e in second if e.type not in ("usage", "token")] == ["tool_end", "done"]
    (end,) = [e for e in second if e.type == "tool_end"]
    assert end.tool_id == "c1"
    # None stays an empty prompt for an agent that is not a Runnable.
    assert [e.type async for e in stream_agent(object(), None)] == ["error"]


def paired(events: list[ExecutorStreamEvent]) -> list[str]:
    """The tool call ids, checking every tool_start is ended once, after it, and
    every tool_end has a tool_start."""
    starts = [e.tool_id for e in events if e.type == "tool_start"]
    ends = [e.tool_id for e in events if e.type == "tool_end"]
    assert sorted(map(str, starts)) == sorted(map(str, ends))
    assert len(set(starts)) == len(starts)
    for call_id in starts:
        kinds = [e.type for e in events if e.tool_id == call_id]
        assert kinds == ["tool_start", "tool_end"], call_id
    return [str(s) for s in starts]


async def test_supervisor_handoffs_start_and_end() -> None:
    from langgraph_supervisor import create_supervisor

    worker_model = ProviderLikeChatModel.repeat(
        [answer("", call("lookup", {"city": "Oslo"}, "w1")), answer("It is sunny.")]
    )
    worker = create_agent(worker_model, [lookup], name="weather")
    boss_model = ProviderLikeChatModel.repeat(
        [answer("Asking.", call("transfer_to_weather", {}, "h1")), answer("Sunny.")]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # it calls the deprecated create_react_agent
        supervisor = create_supervisor([worker], model=boss_model).compile()
    events = await collect(supervisor, "weather?")
    ids = paired(events)
    assert ids[:2] == ["h1", "w1"]
    assert len(ids) == 3  # the supervisor's own "transfer back" call, made by a node
    assert events[-1].type == "done"
    assert events[-1].tools_called == 3


async def test_swarm_handoffs_start_and_end() -> None:
    from langgraph_swarm import create_handoff_tool, create_swarm

    alice_model = ProviderLikeChatModel.repeat(
        [answer("Bob knows.", call("transfer_to_bob", {}, "h1"))]
    )
    bob_model = ProviderLikeChatModel.repeat(
        [answer("", call("lookup", {"city": "Oslo"}, "b1")), answer("Sunny.")]
    )
    alice = create_agent(alice_model, [create_handoff_tool(agent_name="bob")], name="alice")
    bob = create_agent(bob_model, [lookup], name="bob")
    swarm = create_swarm([alice, bob], default_active_agent="alice").compile()
    events = await collect(swarm, "weather?")
    assert paired(events) == ["h1", "b1"]
    text = "".join(str(e.content) for e in events if e.type == "token")
    assert text == "Bob knows.Sunny."
    assert events[-1].type == "done"


def test_the_translator_is_usable_alone_on_v2_events() -> None:
    translator = LangChainEventTranslator("agent")
    chunk = AIMessageChunk(
        content="",
        id="m1",
        tool_call_chunks=[
            tool_call_chunk(name="lookup", args='{"city": "Oslo"}', id="c1", index=0)
        ],
        chunk_position="last",
    )
    answer_ = ToolMessage("sunny", tool_call_id="c1", name="lookup")
    stream = [
        {"event": "on_chat_model_start", "run_id": "r1", "data": {}},
        {"event": "on_chat_model_stream", "run_id": "r1", "data": {"chunk": chunk}},
        {"event": "on_chat_model_end", "run_id": "r1", "data": {"output": chunk}},
        {"event": "on_tool_end", "run_id": "r2", "data": {"output": answer_}},
        {"event": "on_tool_end", "run_id": "r2", "data": {"output": answer_}},
    ]
    events = [e for item in stream for e in translator.translate(item)] + translator.finish()
    assert [(e.type, e.tool_id, e.result) for e in events] == [
        ("tool_start", "c1", None),
        ("tool_end", "c1", "sunny"),
        ("done", None, None),
    ]
    assert events[-1].tools_called == 1
    assert events[0].arguments == {"city": "Oslo"}


def test_a_tool_error_answered_by_a_tool_message_ends_once_with_that_message() -> None:
    translator = LangChainEventTranslator("agent")
    error = {"error": ValueError("bad"), "tool_call_id": "c1"}
    handled = ToolMessage(
        "Please fix your arguments", tool_call_id="c1", name="lookup", status="error"
    )
    stream = [
        {"event": "on_tool_error", "run_id": "r1", "name": "lookup", "data": error},
        {"event": "on_tool_end", "run_id": "r1", "name": "lookup", "data": {"output": handled}},
    ]
    events = [e for item in stream for e in translator.translate(item)] + translator.finish()
    assert [(e.type, e.tool, e.error) for e in events] == [
        ("tool_end", "lookup", "Please fix your arguments"),
        ("done", None, None),
    ]
    # Unanswered, the error closes the call when the run ends.
    alone = LangChainEventTranslator("agent")
    assert alone.translate(stream[0]) == []
    (closed,) = alone.close_failed_tools()
    assert (closed.tool, closed.tool_id, closed.error) == ("lookup", "c1", "ValueError: bad")
