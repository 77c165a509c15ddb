"""`stream_agent`: forward an agent's own stream events while a node runs.

The agent is either

* anything with ``astream(prompt, visibility=...)`` returning an async iterable
  of core stream events (ai-infra's ``Agent``, or any object shaped like it):
  each event is re-issued as an :class:`ExecutorStreamEvent` that keeps its core
  type (``token``, ``tool_start``, ...) and gains the node's name; or
* a LangChain ``Runnable``, compiled LangGraph graphs included (LangChain's
  ``create_agent(...)``, LangGraph's ``create_react_agent(...)``): it is run with
  ``astream_events(version="v2")`` and its chat-model and tool messages become
  core events through
  :class:`~ai_infra_executor.langchain_events.LangChainEventTranslator`, which
  uses the message translator of the executor's own graph streaming.

Either way a consumer of core events handles the result unchanged.
"""

from __future__ import annotations

import contextlib
import inspect
import sys
from collections.abc import AsyncGenerator, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final

from ai_infra_executor.builders import error_text
from ai_infra_executor.config import ExecutorStreamConfig
from ai_infra_executor.events import ExecutorStreamEvent, from_core_event

if TYPE_CHECKING:
    from ai_infra_executor.langchain_events import LangChainEventTranslator

__all__ = ["stream_agent"]


def _error_event(
    text: str, node_name: str, exc: BaseException | None = None
) -> ExecutorStreamEvent:
    data = {"error_type": type(exc).__name__} if exc is not None else None
    return ExecutorStreamEvent("error", error=text, node_name=node_name, data=data)


#: The error of an agent whose stream ended without a single event.
_EMPTY: Final = "Agent stream ended without any event: the agent produced no output"
#: At most this many characters of the reason an item was refused.
_REASON_LIMIT: Final = 200


def _skipped_event(item: Any, exc: Exception, node_name: str) -> ExecutorStreamEvent:
    """The ``error`` event for an *item* of the agent's stream that is not an event."""
    kind = type(item).__name__
    reason = error_text(exc)
    if len(reason) > _REASON_LIMIT:
        reason = reason[: _REASON_LIMIT - 1] + "\u2026"
    what = "None" if item is None else f"a {kind}"
    text = f"Agent stream item skipped: {what} is not a stream event ({reason})"
    data = {"error_type": type(exc).__name__, "skipped_item": kind}
    return ExecutorStreamEvent("error", error=text, node_name=node_name, data=data)


def _is_empty(prompt: Any) -> bool:
    if prompt is None:
        return True
    if isinstance(prompt, str):
        return not prompt.strip()
    if isinstance(prompt, (list, tuple, dict)):
        return not prompt
    return False


def _problem(agent: Any, prompt: Any, runnable: bool) -> str | None:
    """Why *agent* cannot be asked *prompt*, or ``None``. A *runnable* agent may
    be given ``None``: LangGraph's "continue the paused run"."""
    if agent is None:
        return "No agent to stream: stream_agent needs an object with an astream() method"
    if not callable(getattr(agent, "astream", None)):
        return f"Cannot stream {type(agent).__name__!r}: it has no astream() method"
    if _is_empty(prompt) and not (runnable and prompt is None):
        return "Empty prompt: there is nothing to ask the agent"
    return None


def _is_runnable(agent: Any) -> bool:
    """True for a LangChain ``Runnable`` (compiled LangGraph graphs included).

    Reads ``langchain_core`` only when it is already imported: an object of one
    of its classes cannot exist otherwise, and this module must not import it.
    """
    base = sys.modules.get("langchain_core.runnables.base")
    runnable = getattr(base, "Runnable", None)
    return isinstance(runnable, type) and isinstance(agent, runnable)


def _runnable_input(agent: Any, prompt: Any) -> Any:
    """What a Runnable *agent* is given: a text *prompt* for a LangGraph graph
    becomes one user message of its ``messages``; anything else goes as it is."""
    if isinstance(prompt, str) and type(agent).__module__.startswith("langgraph."):
        return {"messages": [{"role": "user", "content": prompt}]}
    return prompt


def _start(
    agent: Any,
    prompt: Any,
    visibility: str,
    translator: LangChainEventTranslator | None,
    run_config: Mapping[str, Any] | None,
) -> Any:
    """The agent's stream: its v2 events for a Runnable, else its core events."""
    if translator is not None:
        config = dict(run_config) if run_config is not None else None
        return agent.astream_events(_runnable_input(agent, prompt), config, version="v2")
    return agent.astream(prompt, visibility=visibility)


def _forwarded(
    cfg: ExecutorStreamConfig, events: Iterable[ExecutorStreamEvent]
) -> list[ExecutorStreamEvent]:
    """*events* as *cfg* forwards them (see ``ExecutorStreamConfig.forwarded_llm_event``)."""
    shown = (cfg.forwarded_llm_event(event) for event in events)
    return [event for event in shown if event is not None]


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
    *,
    run_config: Mapping[str, Any] | None = None,
) -> AsyncGenerator[ExecutorStreamEvent, None]:
    """Run *agent* on *prompt* and yield its stream events as executor events.

    Args:
        agent: an object whose ``astream(prompt, visibility=...)`` returns an async
            iterable (or an awaitable of one) of core stream events: ai-infra
            ``StreamEvent`` objects, this package's, or their dicts; or a
            LangChain ``Runnable`` (a compiled graph such as ``create_agent(...)``,
            a chat model, a chain), run with ``astream_events(version="v2")``.
        prompt: what to ask (a string, or whatever the agent's ``astream`` takes).
            A string given to a LangGraph graph becomes its input
            ``{"messages": [{"role": "user", "content": prompt}]}``; ``None``
            continues a graph's paused run (with *run_config* naming its thread),
            and so does ``Command(resume=...)``.
        config: what to forward (``None``: the defaults). ``token_visibility`` is
            passed to the agent as ``visibility`` and applied again here, so an
            agent that ignores it is filtered all the same; ``stream_tokens``
            forwards ``token`` events, ``show_llm_thinking`` ``thinking`` and
            ``reasoning``, ``show_llm_tools`` ``tool_start`` / ``tool_end``.
        node_name: the graph node the agent runs in, set on every event.
        run_config: the LangChain run config a ``Runnable`` agent runs with
            (``{"configurable": {"thread_id": ...}}`` for a graph with a
            checkpointer); not used for other agents.

    Yields:
        One :class:`ExecutorStreamEvent` per forwarded event, keeping its core type
        and timestamp. A ``Runnable`` agent gives ``token``, ``reasoning``,
        ``tool_start``, ``tool_end`` (with ``error`` set for a failed call) and
        ``usage`` events as its models and tools run, the same events the
        executor's graph streaming gives for them, and a ``done`` event (with
        ``tools_called``) when its run ends; a run that paused (``interrupt()``,
        a static breakpoint, ``HumanInTheLoopMiddleware``) ends with one
        ``interrupt`` event per pending interrupt instead (``data["value"]`` and
        ``data["interrupt_id"]``). A tool that raised gets its ``tool_end``
        (with ``error``) before the ``error`` event. Faults never raise to the caller;
        each gives one ``error`` event (tagged with *node_name*):

        * no agent, an agent without ``astream`` or an empty prompt: a single
          ``error`` event saying so;
        * the agent's ``astream`` raises (on the call or mid-stream): an ``error``
          event naming the exception (``data["error_type"]``) ends the stream;
        * an item that is not a stream event (``None``, a number, a dict without
          ``"type"``, an object whose ``to_dict()`` raises, ...): it is **skipped**
          with one ``error`` event saying what it was and why it was refused
          (``data["skipped_item"]`` names its type), and the stream goes on, so
          one bad item costs neither the agent's work nor the events after it;
        * the agent's stream ends without a single event: an ``error`` event
          saying so ends the stream (events the config filters out count as
          events, skipped items do not).

        So an ``error`` event without ``data["skipped_item"]`` is always the last
        event: the agent did not finish its work. Cancelling the consumer is not
        a fault: the cancellation propagates, no ``error`` event is made, and the
        agent's stream is closed.
    """
    cfg = config if config is not None else ExecutorStreamConfig()
    runnable = _is_runnable(agent)
    problem = _problem(agent, prompt, runnable)
    if problem is not None:
        yield _error_event(problem, node_name)
        return
    visibility = cfg.token_visibility
    translator = None
    if runnable:
        from ai_infra_executor.langchain_events import LangChainEventTranslator

        translator = LangChainEventTranslator(node_name)
    try:
        stream = _start(agent, prompt, visibility, translator, run_config)
        if inspect.isawaitable(stream):
            stream = await stream
        iterator = aiter(stream)
    except Exception as exc:
        yield _error_event(f"Agent stream failed to start: {error_text(exc)}", node_name, exc)
        return
    received = 0
    try:
        while True:
            try:
                raw = await anext(iterator)
            except StopAsyncIteration:
                if translator is not None:
                    for shown in _forwarded(cfg, translator.finish()):
                        yield shown
                elif not received:
                    yield _error_event(_EMPTY, node_name)
                return
            except Exception as exc:
                if translator is not None:
                    for shown in _forwarded(cfg, translator.close_failed_tools()):
                        yield shown
                yield _error_event(f"Agent stream failed: {error_text(exc)}", node_name, exc)
                return
            try:
                if translator is not None:
                    events = translator.translate(raw)
                else:
                    events = [from_core_event(raw, node_name=node_name)]
            except Exception as exc:
                yield _skipped_event(raw, exc, node_name)
                continue
            received += 1
            for shown in _forwarded(cfg, events):
                yield shown
    finally:
        await _close(iterator)
