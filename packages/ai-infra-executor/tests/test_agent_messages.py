"""Chat-model messages of real LangChain agents: failed tools, reasoning, usage.

Issue 11, items 8, 10 and 11.

Every graph here is LangChain's own ``create_agent`` driven by
:class:`provider_models.ProviderLikeChatModel`, which streams like a provider.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain.agents.middleware import HumanInTheLoopMiddleware, ToolErrorMiddleware
from langchain_core.tools import ToolException, tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command
from provider_models import ProviderLikeChatModel, answer, call
from rich.console import Console

from ai_infra_executor import ExecutorStreamConfig, ExecutorStreamEvent
from ai_infra_executor.graph import StreamingExecutor
from ai_infra_formatters import ConsoleFormatter

QUESTION = {"messages": [{"role": "user", "content": "What is the weather?"}]}


@tool
def lookup(city: str) -> str:
    """The weather in *city*."""
    return f"sunny in {city}"


@tool
def flaky(city: str) -> str:
    """Always fails, with a ToolException the tool turns into an error message."""
    raise ToolException(f"no data for {city}")


@tool
def exploding(city: str) -> str:
    """Always fails, with an exception only ToolErrorMiddleware catches."""
    raise RuntimeError(f"backend down for {city}")


flaky.handle_tool_error = True


def config(visibility: str = "debug") -> ExecutorStreamConfig:
    return ExecutorStreamConfig(stream_tokens=True, token_visibility=visibility)  # type: ignore[arg-type]


async def run(
    graph: Any, graph_input: Any = None, cfg: Any = None, visibility: str = "debug"
) -> list[ExecutorStreamEvent]:
    executor = StreamingExecutor(graph, streaming_config=config(visibility))
    return [e async for e in executor.astream_events(graph_input or QUESTION, cfg)]


def of_type(events: list[ExecutorStreamEvent], etype: str) -> list[ExecutorStreamEvent]:
    return [e for e in events if e.type == etype]


def layouts(visibility: str) -> dict[str, ConsoleFormatter]:
    return {
        name: ConsoleFormatter(
            name,
            colors_enabled=False,
            visibility=visibility,
            console=Console(file=io.StringIO(), width=200),
        )
        for name in ("plain", "rich", "minimal")
    }


# -- item 8: failed tool calls -------------------------------------------------------


async def test_failed_tool_calls_of_create_agent_carry_their_error() -> None:
    model = ProviderLikeChatModel.repeat(
        [
            answer(
                "Checking.",
                call("lookup", {"city": "Oslo"}, "ok"),
                call("flaky", {"city": "Rome"}, "raised"),
                call("lookup", {"town": 3}, "bad_args"),
                call("exploding", {"city": "Nice"}, "middleware"),
            ),
            answer("Done."),
        ]
    )
    middleware = ToolErrorMiddleware(on_error=lambda exc, request: f"{type(exc).__name__}: {exc}")
    events = await run(create_agent(model, [lookup, flaky, exploding], middleware=[middleware]))
    ends = {e.tool_id: e for e in of_type(events, "tool_end")}
    assert set(ends) == {"ok", "raised", "bad_args", "middleware"}
    assert ends["ok"].error is None
    assert ends["ok"].result == "sunny in Oslo"
    assert ends["raised"].error == "no data for Rome"
    assert ends["raised"].result == "no data for Rome"
    bad_args = ends["bad_args"]
    assert bad_args.error is not None
    assert "city" in bad_args.error
    assert bad_args.result == bad_args.error
    assert ends["middleware"].error == "RuntimeError: backend down for Nice"

    for visibility in ("standard", "detailed"):
        for name, formatter in layouts(visibility).items():
            for call_id in ("raised", "bad_args", "middleware"):
                line = formatter.format(ends[call_id]).split("\n")[0]
                assert line.startswith("✗ [tools] "), (name, visibility, line)
                assert "✓" not in line
                first_error_line = str(ends[call_id].error).split("\n")[0]
                assert f"failed: {first_error_line}" in line, (name, line)
            success = formatter.format(ends["ok"])
            assert success == "" if name == "minimal" else success.startswith("✓ [tools] lookup")


async def test_failed_tool_call_with_no_text_gets_an_error_sentence() -> None:
    model = ProviderLikeChatModel.repeat(
        [answer("", call("exploding", {"city": "Nice"}, "c1")), answer("Done.")]
    )
    # Content blocks with no text: the result is given as is (no text), the error says it failed.
    middleware = ToolErrorMiddleware(on_error=lambda exc, request: [{"type": "text", "text": ""}])
    events = await run(create_agent(model, [exploding], middleware=[middleware]))
    (end,) = of_type(events, "tool_end")
    assert end.result == ""
    assert end.error == "Tool call failed"
    assert layouts("standard")["plain"].format(end).startswith("✗ [tools] exploding failed: Tool")


async def test_human_reject_in_the_loop_is_a_failed_tool_call() -> None:
    model = ProviderLikeChatModel.repeat(
        [answer("", call("lookup", {"city": "Oslo"}, "c1")), answer("As you wish.")]
    )
    agent = create_agent(
        model,
        [lookup],
        middleware=[HumanInTheLoopMiddleware(interrupt_on={"lookup": True})],
        checkpointer=InMemorySaver(),
    )
    cfg = {"configurable": {"thread_id": "reject"}}
    first = await run(agent, QUESTION, cfg)
    assert of_type(first, "interrupt")
    assert not of_type(first, "tool_end")
    decision = {"decisions": [{"type": "reject", "message": "not today"}]}
    second = await run(agent, Command(resume=decision), cfg)
    (end,) = of_type(second, "tool_end")
    assert end.tool == "lookup"
    assert end.tool_id == "c1"
    assert end.error is not None
    assert "not today" in end.error
    for name, formatter in layouts("standard").items():
        line = formatter.format(end)
        assert line.startswith("✗ "), (name, line)
        assert "lookup failed: User rejected" in line


# -- item 10: reasoning shapes ---------------------------------------------------------


@pytest.mark.parametrize("shape", ["reasoning_content", "responses"])
async def test_reasoning_of_each_provider_shape_becomes_reasoning_events(shape: str) -> None:
    thought = "The user wants weather, so I call lookup"
    model = ProviderLikeChatModel.repeat(
        [
            answer("Checking.", call("lookup", {"city": "Oslo"}, "c1"), reasoning=thought),
            answer("Sunny."),
        ],
        reasoning_shape=shape,
    )
    events = await run(create_agent(model, [lookup]))
    reasoning = of_type(events, "reasoning")
    assert "".join(str(e.content) for e in reasoning) == thought
    assert {e.node_name for e in reasoning} == {"model"}
    kinds = [e.type for e in events if e.type in ("reasoning", "token")]
    first_token = kinds.index("token")
    assert set(kinds[:first_token]) == {"reasoning"}
    assert "reasoning" not in kinds[first_token:]
    assert "".join(str(e.content) for e in of_type(events, "token")) == "Checking.Sunny."

    hidden = await run(create_agent(model, [lookup]), visibility="minimal")
    assert not of_type(hidden, "reasoning")


def test_reasoning_blocks_langchain_leaves_in_provider_shape_are_read() -> None:
    from langchain_core.messages import AIMessageChunk

    from ai_infra_executor.chat_messages import MessageTranslator

    summary = {"type": "reasoning", "summary": [{"type": "summary_text", "text": "a"}]}
    thinking = {"type": "thinking", "thinking": "b"}
    chunk = AIMessageChunk(content=[summary, thinking, {"type": "text", "text": "c"}], id="m1")
    events = MessageTranslator().message(chunk, "model", ())
    assert [(e.type, e.content) for e in events] == [
        ("reasoning", "a"),
        ("reasoning", "b"),
        ("token", "c"),
    ]


# -- item 11: usage ----------------------------------------------------------------------


async def test_usage_of_each_model_call_is_one_usage_event() -> None:
    model = ProviderLikeChatModel.repeat(
        [answer("Let me check.", call("lookup", {"city": "Oslo"}, "c1")), answer("It is sunny.")],
        model_name="provider-x",
        input_tokens=17,
    )
    events = await run(create_agent(model, [lookup]), visibility="detailed")
    usage = of_type(events, "usage")
    # "Let me check." is 3 words + 1 tool call; "It is sunny." is 3 words.
    assert [(u.input_tokens, u.output_tokens, u.model) for u in usage] == [
        (17, 4, "provider-x"),
        (17, 3, "provider-x"),
    ]
    assert {u.node_name for u in usage} == {"model"}
    # Reported when the model's stream ends: after its tool call, before its node ends.
    order = [e.type for e in events if e.type in ("tool_start", "usage", "node_end")]
    assert order[:3] == ["tool_start", "usage", "node_end"]
    shown = layouts("detailed")["plain"].format(usage[0])
    assert shown == "Σ [model] Usage: 17 in · 4 out · provider-x"

    standard = await run(create_agent(model, [lookup]), visibility="standard")
    assert not of_type(standard, "usage")


def test_usage_of_a_whole_message_and_of_split_chunks() -> None:
    from langchain_core.messages import AIMessage, AIMessageChunk
    from langchain_core.messages.ai import UsageMetadata

    from ai_infra_executor.chat_messages import MessageTranslator

    translator = MessageTranslator()
    whole = AIMessage(
        content="hi",
        id="m1",
        usage_metadata=UsageMetadata(input_tokens=5, output_tokens=1, total_tokens=6),
        response_metadata={"model": "m-whole"},
    )
    events = translator.message(whole, "agent", ())
    assert [(e.type, e.input_tokens, e.output_tokens, e.model) for e in events] == [
        ("token", None, None, None),
        ("usage", 5, 1, "m-whole"),
    ]
    # The same message again (a node handing it on) is not counted twice.
    assert [e.type for e in translator.message(whole, "agent", ())] == ["token"]

    # Anthropic-style: input tokens on the first chunk, output tokens on a later one,
    # and LangChain's closing chunk carrying its run id rather than the message id.
    first = AIMessageChunk(
        content="a",
        id="m2",
        usage_metadata=UsageMetadata(input_tokens=9, output_tokens=0, total_tokens=9),
    )
    later = AIMessageChunk(
        content="b",
        id="m2",
        usage_metadata=UsageMetadata(input_tokens=0, output_tokens=4, total_tokens=4),
        response_metadata={"model_name": "m-chunks"},
    )
    last = AIMessageChunk(content="", id="lc_run--x", chunk_position="last")
    assert [e.type for e in translator.message(first, "agent", ())] == ["token"]
    assert [e.type for e in translator.message(later, "agent", ())] == ["token"]
    (usage,) = translator.message(last, "agent", ())
    assert (usage.input_tokens, usage.output_tokens, usage.model) == (9, 4, "m-chunks")
