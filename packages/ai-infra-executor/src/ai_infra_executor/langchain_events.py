"""LangChain ``astream_events(version="v2")`` events -> core events.

Any LangChain ``Runnable`` (a chat model, a chain, a compiled LangGraph graph
such as ``create_agent(...)``) reports its run as v2 events.
:class:`LangChainEventTranslator` picks the chat-model and tool messages out of
them and hands them to the executor's
:class:`~ai_infra_executor.chat_messages.MessageTranslator`, the one
:class:`~ai_infra_executor.graph.StreamingExecutor` uses, so both give the same
``token`` / ``reasoning`` / ``tool_start`` / ``tool_end`` / ``usage`` events for
the same messages:

* ``on_chat_model_stream``: each chunk;
* ``on_chat_model_end``: the whole message, of a model that did not stream;
* ``on_tool_end``: the tool's ``ToolMessage`` (or those of the ``Command`` it
  returned);
* ``on_tool_error``: a ``tool_end`` carrying the error, held back: it is
  dropped when the tool's error becomes a ``ToolMessage`` after all (LangChain's
  tool error handling), and given by :meth:`LangChainEventTranslator.close_failed_tools`
  when the run raises, so that a tool that raised is closed before the run's error;
* ``on_chain_start`` / ``on_chain_end`` of a graph node: the messages the node
  wrote itself rather than a chat model (a human's reject in LangChain's
  ``HumanInTheLoopMiddleware``, the handoff messages of ``langgraph-supervisor``),
  once each, never one the node was given, as LangGraph's ``messages`` stream
  mode hands them over.

* ``on_chain_stream`` of the root run whose chunk holds ``__interrupt__``: the
  run paused (``interrupt()``, a static breakpoint, ``HumanInTheLoopMiddleware``).

Every other event gives nothing. :meth:`LangChainEventTranslator.finish` gives
what is still held back when the run ends, then ``done``, or, for a run that
paused, one ``interrupt`` event per pending interrupt (its ``data`` holds the
interrupt's ``value`` and ``interrupt_id``) instead of ``done``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolMessage

from ai_infra_executor.builders import error_text
from ai_infra_executor.chat_messages import MessageTranslator
from ai_infra_executor.events import ExecutorStreamEvent
from ai_infra_executor.graph_interrupts import INTERRUPT_KEY, paused_at
from ai_infra_executor.graph_values import get_field

__all__ = ["LangChainEventTranslator"]


def _messages_in(value: Any) -> list[BaseMessage]:
    """The messages in a node's input or output: a message, a list of them, a
    mapping's ``"messages"``, or the ``update`` of a LangGraph ``Command``."""
    if isinstance(value, BaseMessage):
        return [value]
    if isinstance(value, (list, tuple)):
        return [item for item in value if isinstance(item, BaseMessage)]
    if isinstance(value, Mapping):
        return _messages_in(value.get("messages"))
    update = getattr(value, "update", None)
    if update is not None and not callable(update):
        return _messages_in(update)
    return []


class LangChainEventTranslator:
    """Turns the v2 events of one LangChain run into core events.

    Args:
        node_name: the ``node_name`` set on every event (the executor node the
            run belongs to).
    """

    def __init__(self, node_name: str) -> None:
        self.node_name = node_name
        self.chat = MessageTranslator()
        self.tools_called = 0
        self._streamed_runs: set[str] = set()
        self._model_messages: set[str] = set()
        self._ended_tools: set[str] = set()
        self._node_inputs: dict[str, set[str]] = {}
        self._failed_tools: dict[str, ExecutorStreamEvent] = {}
        self.interrupts: list[Any] | None = None

    def translate(self, event: Mapping[str, Any]) -> list[ExecutorStreamEvent]:
        """The core events one v2 event gives (none for most).

        Args:
            event: one item of ``astream_events(..., version="v2")``: a mapping
                with ``event``, ``run_id``, ``name``, ``data`` and ``metadata``.
        """
        kind = event.get("event")
        data = event.get("data")
        if not isinstance(data, Mapping):
            data = {}
        run_id = str(event.get("run_id"))
        if kind == "on_chat_model_stream":
            self._streamed_runs.add(run_id)
            return self._from_model(data.get("chunk"))
        if kind == "on_chat_model_end":
            if run_id in self._streamed_runs:
                self._streamed_runs.discard(run_id)
                self._note_model_message(data.get("output"))
                return []
            return self._from_model(data.get("output"))
        if kind == "on_tool_end":
            return self._tool_ends(_messages_in(data.get("output")))
        if kind == "on_tool_error":
            return self._tool_failed(event, data)
        if kind in ("on_chain_start", "on_chain_end") and self._is_node(event):
            return self._node_messages(kind, run_id, data)
        if kind == "on_chain_stream" and not event.get("parent_ids"):
            chunk = data.get("chunk")
            if isinstance(chunk, Mapping) and INTERRUPT_KEY in chunk:
                self.interrupts = [*(self.interrupts or ()), *(chunk[INTERRUPT_KEY] or ())]
        return []

    def close_failed_tools(self) -> list[ExecutorStreamEvent]:
        """``tool_end`` events (with ``error``) for the tools that raised and whose
        error no ``ToolMessage`` answered: given before the error of a run that
        raised, and by :meth:`finish`."""
        events = list(self._failed_tools.values())
        self._failed_tools.clear()
        self._ended_tools.update(str(e.tool_id) for e in events)
        self.tools_called += len(events)
        return events

    def finish(self) -> list[ExecutorStreamEvent]:
        """The events still held back when the run ended, then ``done`` (with the
        number of tool calls that ended)."""
        events = self.close_failed_tools()
        events += self.chat.flush_tool_calls()
        events += self.chat.flush_usage()
        if self.interrupts is not None:
            events += self._paused(self.interrupts)
        else:
            done = ExecutorStreamEvent(
                "done", tools_called=self.tools_called, node_name=self.node_name
            )
            events.append(done)
        return events

    def _paused(self, interrupts: list[Any]) -> list[ExecutorStreamEvent]:
        """One ``interrupt`` event per pending interrupt (one with no value for a
        static breakpoint, which has none)."""
        return [
            paused_at(self.node_name, None, get_field(item, "value"), get_field(item, "id"))
            for item in interrupts or [None]
        ]

    @staticmethod
    def _is_node(event: Mapping[str, Any]) -> bool:
        metadata = event.get("metadata")
        if not isinstance(metadata, Mapping):
            return False
        node = metadata.get("langgraph_node")
        return node is not None and node == event.get("name")

    def _note_model_message(self, message: Any) -> None:
        message_id = getattr(message, "id", None)
        if message_id is not None:
            self._model_messages.add(str(message_id))

    def _from_model(self, message: Any) -> list[ExecutorStreamEvent]:
        self._note_model_message(message)
        return self.chat.message(message, self.node_name, ())

    def _node_messages(
        self, kind: str, run_id: str, data: Mapping[str, Any]
    ) -> list[ExecutorStreamEvent]:
        if kind == "on_chain_start":
            given = {str(m.id) for m in _messages_in(data.get("input")) if m.id is not None}
            self._node_inputs[run_id] = given
            return []
        given = self._node_inputs.pop(run_id, set())
        events: list[ExecutorStreamEvent] = []
        for message in _messages_in(data.get("output")):
            if message.id is not None and str(message.id) in given:
                continue
            if isinstance(message, ToolMessage):
                events += self._tool_ends([message])
            elif self._not_from_a_model(message):
                events += self._from_model(message)
        return events

    def _not_from_a_model(self, message: BaseMessage) -> bool:
        """True for a whole AI message no chat model of this run gave (a node made it)."""
        if not isinstance(message, AIMessage) or isinstance(message, AIMessageChunk):
            return False
        return message.id is None or str(message.id) not in self._model_messages

    def _tool_failed(
        self, event: Mapping[str, Any], data: Mapping[str, Any]
    ) -> list[ExecutorStreamEvent]:
        call_id = data.get("tool_call_id")
        if not isinstance(call_id, str):
            return []  # a tool run outside a tool call: there is no tool_start to close
        error = data.get("error")
        text = error_text(error) if isinstance(error, (BaseException, str)) else "Tool raised"
        name = event.get("name")
        failed = ToolMessage(
            text, tool_call_id=call_id, name=name if isinstance(name, str) else None, status="error"
        )
        events = []
        for made in self.chat.message(failed, self.node_name, ()):
            if made.type == "tool_end":
                self._failed_tools[call_id] = made  # timed now, given only if nothing answers
            else:
                events.append(made)
        return events

    def _tool_ends(self, messages: Iterable[BaseMessage]) -> list[ExecutorStreamEvent]:
        events: list[ExecutorStreamEvent] = []
        for message in messages:
            if not isinstance(message, ToolMessage) or message.tool_call_id in self._ended_tools:
                continue
            self._ended_tools.add(message.tool_call_id)
            self._failed_tools.pop(message.tool_call_id, None)
            self.tools_called += 1
            events += self.chat.message(message, self.node_name, ())
        return events
