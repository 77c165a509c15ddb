"""`stream_agent`: forward an agent's own stream events while a node runs.

The agent is anything with ``astream(prompt, visibility=...)`` returning an async
iterable of core stream events (ai-infra's ``Agent``, or any object shaped like
it). Each event is re-issued as an :class:`ExecutorStreamEvent` that keeps its
core type (``token``, ``tool_start``, ...) and gains the node's name, so a
consumer of core events handles it unchanged.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import AsyncIterator
from typing import Any

from ai_infra_executor.config import ExecutorStreamConfig
from ai_infra_executor.core import filter_event_for_visibility, should_emit_event
from ai_infra_executor.events import ExecutorStreamEvent, from_core_event

__all__ = ["stream_agent"]


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _error_event(
    text: str, node_name: str, exc: BaseException | None = None
) -> ExecutorStreamEvent:
    data = {"error_type": type(exc).__name__} if exc is not None else None
    return ExecutorStreamEvent("error", error=text, node_name=node_name, data=data)


def _is_empty(prompt: Any) -> bool:
    if prompt is None:
        return True
    if isinstance(prompt, str):
        return not prompt.strip()
    if isinstance(prompt, (list, tuple, dict)):
        return not prompt
    return False


def _problem(agent: Any, prompt: Any) -> str | None:
    """Why *agent* cannot be asked *prompt*, or ``None``."""
    if agent is None:
        return "No agent to stream: stream_agent needs an object with an astream() method"
    if not callable(getattr(agent, "astream", None)):
        return f"Cannot stream {type(agent).__name__!r}: it has no astream() method"
    if _is_empty(prompt):
        return "Empty prompt: there is nothing to ask the agent"
    return None


async def _close(iterator: Any) -> None:
    aclose = getattr(iterator, "aclose", None)
    if callable(aclose):
        # The stream is over either way; a failing cleanup must not end it badly.
        with contextlib.suppress(Exception):
            await aclose()


async def stream_agent(
    agent: Any,
    prompt: Any,
    config: ExecutorStreamConfig | None = None,
    node_name: str = "execute_task",
) -> AsyncIterator[ExecutorStreamEvent]:
    """Run *agent* on *prompt* and yield its stream events as executor events.

    Args:
        agent: an object whose ``astream(prompt, visibility=...)`` returns an async
            iterable (or an awaitable of one) of core stream events: ai-infra
            ``StreamEvent`` objects, this package's, or their dicts.
        prompt: what to ask (a string, or whatever the agent's ``astream`` takes).
        config: what to forward (``None``: the defaults). ``token_visibility`` is
            passed to the agent as ``visibility`` and applied again here, so an
            agent that ignores it is filtered all the same; ``stream_tokens``
            forwards ``token`` events, ``show_llm_thinking`` ``thinking`` and
            ``reasoning``, ``show_llm_tools`` ``tool_start`` / ``tool_end``.
        node_name: the graph node the agent runs in, set on every event.

    Yields:
        One :class:`ExecutorStreamEvent` per forwarded event, keeping its core type
        and timestamp. With no agent, an agent without ``astream`` or an empty
        prompt, a single ``error`` event saying so. When the agent raises (or
        yields something that is not an event), an ``error`` event naming the
        exception ends the stream; nothing is raised to the caller.
    """
    cfg = config if config is not None else ExecutorStreamConfig()
    problem = _problem(agent, prompt)
    if problem is not None:
        yield _error_event(problem, node_name)
        return
    visibility = cfg.token_visibility
    try:
        stream = agent.astream(prompt, visibility=visibility)
        if inspect.isawaitable(stream):
            stream = await stream
        iterator = aiter(stream)
    except Exception as exc:
        yield _error_event(f"Agent stream failed to start: {_describe(exc)}", node_name, exc)
        return
    try:
        while True:
            try:
                raw = await anext(iterator)
                event = from_core_event(raw, node_name=node_name)
            except StopAsyncIteration:
                return
            except Exception as exc:
                yield _error_event(f"Agent stream failed: {_describe(exc)}", node_name, exc)
                return
            if cfg.forwards_llm_event(event.type) and should_emit_event(event.type, visibility):
                yield filter_event_for_visibility(event, visibility)
    finally:
        await _close(iterator)
