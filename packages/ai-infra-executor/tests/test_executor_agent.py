"""stream_agent: an agent's own events forwarded as executor events."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from ai_infra_executor import ExecutorStreamConfig, ExecutorStreamEvent, StreamEvent, stream_agent


class ScriptedAgent:
    """A small agent: ``astream`` yields the scripted events, then raises *fail_with*.

    It ignores the visibility it is given (stream_agent must filter anyway) but
    records it, the prompt, and whether its stream was closed.
    """

    def __init__(self, events: list[Any], fail_with: BaseException | None = None) -> None:
        self.events = events
        self.fail_with = fail_with
        self.calls: list[tuple[Any, str]] = []
        self.closed = False

    async def astream(self, prompt: Any, visibility: str = "standard") -> AsyncIterator[Any]:
        self.calls.append((prompt, visibility))
        try:
            for event in self.events:
                yield event
            if self.fail_with is not None:
                raise self.fail_with
        finally:
            self.closed = True


CONVERSATION = [
    StreamEvent(type="thinking", model="m"),
    StreamEvent(type="reasoning", content="Let me look."),
    StreamEvent(type="tool_start", tool="search", tool_id="c1", arguments={"q": "auth"}),
    StreamEvent(
        type="tool_end", tool="search", tool_id="c1", result="found", preview="f", latency_ms=3.0
    ),
    StreamEvent(type="usage", input_tokens=10, output_tokens=2),
    StreamEvent(type="token", content="Hel"),
    StreamEvent(type="token", content="lo"),
    StreamEvent(type="done", tools_called=1),
]


async def _collect(agent: Any, prompt: Any, config: ExecutorStreamConfig | None = None, **kw):
    return [event async for event in stream_agent(agent, prompt, config, **kw)]


async def test_tokens_are_forwarded_with_their_core_type_and_the_node_name():
    agent = ScriptedAgent(CONVERSATION)
    config = ExecutorStreamConfig(stream_tokens=True, token_visibility="debug")
    events = await _collect(agent, "Say hello", config)
    assert all(type(e) is ExecutorStreamEvent for e in events)
    assert [e.type for e in events] == [e.type for e in CONVERSATION]
    assert {e.node_name for e in events} == {"execute_task"}
    assert "".join(e.content or "" for e in events if e.type == "token") == "Hello"
    assert [e.timestamp for e in events] == [e.timestamp for e in CONVERSATION]
    assert agent.calls == [("Say hello", "debug")]
    assert agent.closed


async def test_node_name_is_set_on_every_event():
    events = await _collect(
        ScriptedAgent(CONVERSATION), "p", ExecutorStreamConfig(stream_tokens=True), node_name="fix"
    )
    assert events
    assert {e.node_name for e in events} == {"fix"}


async def test_stream_tokens_false_drops_tokens_only():
    events = await _collect(ScriptedAgent(CONVERSATION), "p", ExecutorStreamConfig())
    assert [e.type for e in events] == ["thinking", "reasoning", "tool_start", "tool_end", "done"]


async def test_show_llm_thinking_false_drops_thinking_and_reasoning():
    config = ExecutorStreamConfig(stream_tokens=True, show_llm_thinking=False)
    events = await _collect(ScriptedAgent(CONVERSATION), "p", config)
    assert [e.type for e in events] == ["tool_start", "tool_end", "token", "token", "done"]


async def test_show_llm_tools_false_drops_tool_events():
    config = ExecutorStreamConfig(stream_tokens=True, show_llm_tools=False)
    events = await _collect(ScriptedAgent(CONVERSATION), "p", config)
    assert [e.type for e in events] == ["thinking", "reasoning", "token", "token", "done"]


async def test_token_visibility_is_passed_to_the_agent_and_applied():
    agent = ScriptedAgent(CONVERSATION)
    events = await _collect(agent, "p", ExecutorStreamConfig.tokens_only())
    assert agent.calls == [("p", "minimal")]
    assert [e.type for e in events] == ["token", "token"]

    standard = await _collect(ScriptedAgent(CONVERSATION), "p", ExecutorStreamConfig())
    tool_start, tool_end = standard[2], standard[3]
    assert tool_start.arguments is None
    assert (tool_end.result, tool_end.preview, tool_end.latency_ms) == (None, None, 3.0)

    detailed = await _collect(
        ScriptedAgent(CONVERSATION), "p", ExecutorStreamConfig(token_visibility="detailed")
    )
    types = [e.type for e in detailed]
    assert "usage" in types
    tool_end = detailed[types.index("tool_end")]
    assert (tool_end.result, tool_end.preview) == ("found", None)


async def test_dict_events_are_accepted():
    agent = ScriptedAgent([{"type": "token", "content": "x"}, {"type": "done"}])
    events = await _collect(agent, "p", ExecutorStreamConfig(stream_tokens=True))
    assert [(e.type, e.content) for e in events] == [("token", "x"), ("done", None)]


@pytest.mark.parametrize(
    ("agent", "prompt", "expected"),
    [
        (None, "p", "No agent to stream"),
        (object(), "p", "has no astream() method"),
        (ScriptedAgent(CONVERSATION), "", "Empty prompt"),
        (ScriptedAgent(CONVERSATION), "   ", "Empty prompt"),
        (ScriptedAgent(CONVERSATION), None, "Empty prompt"),
        (ScriptedAgent(CONVERSATION), [], "Empty prompt"),
    ],
)
async def test_no_agent_or_no_prompt_gives_exactly_one_error_event(agent, prompt, expected):
    events = await _collect(agent, prompt, node_name="plan")
    assert len(events) == 1
    (event,) = events
    assert event.type == "error"
    assert expected in (event.error or "")
    assert event.node_name == "plan"
    if isinstance(agent, ScriptedAgent):
        assert agent.calls == []


async def test_an_agent_raising_mid_stream_gives_one_error_event_then_ends():
    agent = ScriptedAgent(CONVERSATION[:2], fail_with=RuntimeError("model overloaded"))
    events = await _collect(agent, "p", ExecutorStreamConfig(stream_tokens=True))
    assert [e.type for e in events] == ["thinking", "reasoning", "error"]
    assert events[-1].error == "Agent stream failed: RuntimeError: model overloaded"
    assert events[-1].data == {"error_type": "RuntimeError"}
    assert events[-1].node_name == "execute_task"
    assert agent.closed


async def test_an_agent_failing_to_start_gives_one_error_event():
    class Broken:
        def astream(self, prompt: Any, visibility: str) -> Any:
            raise ConnectionError("no network")

    events = await _collect(Broken(), "p")
    assert [e.type for e in events] == ["error"]
    assert events[0].error == "Agent stream failed to start: ConnectionError: no network"


async def test_something_that_is_not_an_event_gives_an_error_event():
    events = await _collect(ScriptedAgent([StreamEvent(type="done"), 42]), "p")
    assert [e.type for e in events] == ["done", "error"]
    assert "TypeError" in (events[1].error or "")


async def test_an_astream_coroutine_returning_an_iterator_is_awaited():
    class AwaitingAgent:
        async def astream(self, prompt: Any, visibility: str) -> Any:
            return ScriptedAgent([StreamEvent(type="done", tools_called=0)]).astream(prompt)

    events = await _collect(AwaitingAgent(), "p")
    assert [(e.type, e.tools_called) for e in events] == [("done", 0)]


async def test_closing_early_closes_the_agent_stream():
    agent = ScriptedAgent(CONVERSATION)
    stream = stream_agent(agent, "p", ExecutorStreamConfig(stream_tokens=True))
    first = await anext(stream)
    assert first.type == "thinking"
    assert not agent.closed
    await stream.aclose()
    assert agent.closed


async def test_cancellation_is_not_turned_into_an_error_event():
    import asyncio

    agent = ScriptedAgent([StreamEvent(type="done")], fail_with=asyncio.CancelledError())
    with pytest.raises(asyncio.CancelledError):
        await _collect(agent, "p")
