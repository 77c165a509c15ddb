"""LangChain chat-model messages -> core ``token`` / ``reasoning`` / ``tool_start`` / ``tool_end``.

The ``messages`` stream mode of a LangGraph run hands over the messages of the
chat models called inside its nodes: ``AIMessageChunk`` pieces while a model
streams, whole ``AIMessage`` objects otherwise, and the tools' ``ToolMessage``
answers. :class:`MessageTranslator` turns them into core events tagged with the
node (and subgraph namespace) they came from, assembling tool calls streamed in
chunks until they are complete.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolMessage

from ai_infra_executor.events import ExecutorStreamEvent
from ai_infra_executor.graph_values import Namespace, placed

__all__ = ["MessageTranslator", "content_parts"]

TextKind = Literal["token", "reasoning"]


def content_parts(content: Any) -> list[tuple[TextKind, str]]:
    """``(core type, text)`` pairs of a message's content: ``token`` for text,
    ``reasoning`` for reasoning / thinking blocks.

    Args:
        content: a message's ``content``: a string, or a list of strings and
            content blocks (dicts with a ``type``); anything else has no parts.
    """
    if isinstance(content, str):
        return [("token", content)]
    parts: list[tuple[TextKind, str]] = []
    if not isinstance(content, list):
        return parts
    for block in content:
        if isinstance(block, str):
            parts.append(("token", block))
        elif isinstance(block, Mapping):
            kind = block.get("type")
            if kind == "text" and isinstance(block.get("text"), str):
                parts.append(("token", block["text"]))
            elif kind in ("reasoning", "thinking"):
                text = block.get("reasoning") or block.get("thinking") or block.get("text")
                if isinstance(text, str):
                    parts.append(("reasoning", text))
    return parts


class MessageTranslator:
    """Turns the chat-model messages of one stream into core events.

    Remembers, for the stream, when each tool call started (for the answer's
    latency) and the tool-call chunks of messages still streaming.
    """

    def __init__(self) -> None:
        self.tool_starts: dict[str, float] = {}
        self.tool_names: dict[str, str] = {}
        self.pending_chunks: dict[str, tuple[AIMessageChunk, str, Namespace]] = {}

    def message(self, message: Any, node: str, ns: Namespace) -> list[ExecutorStreamEvent]:
        """The events one message gives.

        Args:
            message: what the ``messages`` stream mode handed over; anything but an
                ``AIMessageChunk``, ``AIMessage`` or ``ToolMessage`` gives none.
            node: the node whose chat model produced it.
            ns: the subgraph namespace of that node (``()``: the top level).
        """
        if isinstance(message, AIMessageChunk):
            events = self._text_events(message, node, ns)
            if message.tool_call_chunks:
                key = str(message.id)
                held = self.pending_chunks.get(key)
                merged = message if held is None else held[0] + message
                self.pending_chunks[key] = (merged, node, ns)
            if getattr(message, "chunk_position", None) == "last":
                events += self.flush_tool_calls(message_id=str(message.id))
            return events
        if isinstance(message, AIMessage):
            events = self.flush_tool_calls(message_id=str(message.id))
            events += self._text_events(message, node, ns)
            events += self._tool_starts(message.tool_calls, node, ns)
            return events
        if isinstance(message, ToolMessage):
            return [*self.flush_tool_calls(), self._tool_end(message, node, ns)]
        return []

    def _text_events(
        self, message: BaseMessage, node: str, ns: Namespace
    ) -> list[ExecutorStreamEvent]:
        events = []
        for kind, text in content_parts(message.content):
            if text:
                events.append(placed(ExecutorStreamEvent(kind, content=text, node_name=node), ns))
        return events

    def flush_tool_calls(
        self, *, message_id: str | None = None, node: str | None = None, ns: Namespace | None = None
    ) -> list[ExecutorStreamEvent]:
        """``tool_start`` events for tool calls streamed in chunks and now complete.

        Args:
            message_id: only the calls of this message (``None``: of every message).
            node: only the calls made inside this node, in namespace *ns*
                (``None``: wherever they were made).
            ns: the namespace *node* runs in.
        """
        events: list[ExecutorStreamEvent] = []
        for key in list(self.pending_chunks):
            merged, node_name, space = self.pending_chunks[key]
            if message_id is not None and key != message_id:
                continue
            if node is not None and (node_name != node or space != ns):
                continue
            del self.pending_chunks[key]
            events += self._tool_starts(merged.tool_calls, node_name, space)
        return events

    def _tool_starts(
        self, calls: Iterable[Mapping[str, Any]], node: str, ns: Namespace
    ) -> list[ExecutorStreamEvent]:
        events = []
        for call in calls:
            call_id = call.get("id")
            if call_id is not None and call_id in self.tool_starts:
                continue
            tool = str(call.get("name") or "")
            if call_id is not None:
                self.tool_starts[call_id] = time.perf_counter()
                self.tool_names[call_id] = tool
            arguments = call.get("args")
            event = ExecutorStreamEvent(
                "tool_start",
                tool=tool,
                tool_id=call_id,
                arguments=dict(arguments) if isinstance(arguments, Mapping) else None,
                node_name=node,
            )
            events.append(placed(event, ns))
        return events

    def _tool_end(self, message: ToolMessage, node: str, ns: Namespace) -> ExecutorStreamEvent:
        call_id = message.tool_call_id
        started = self.tool_starts.get(call_id)
        latency = (time.perf_counter() - started) * 1000 if started is not None else None
        content = message.content
        structured = isinstance(content, dict)
        result: str | dict[str, Any]
        if isinstance(content, (str, dict)):
            result = content
        else:
            result = "".join(text for _, text in content_parts(content))
        event = ExecutorStreamEvent(
            "tool_end",
            tool=message.name or self.tool_names.get(call_id, ""),
            tool_id=call_id,
            result=result,
            result_structured=structured,
            latency_ms=latency,
            error=result if message.status == "error" and isinstance(result, str) else None,
            node_name=node,
        )
        return placed(event, ns)

    def unanswered_tool_end(
        self, call_id: str, node: str, ns: Namespace, error: str
    ) -> ExecutorStreamEvent:
        """``tool_end`` for a tool call that will get no answer (no ``ToolMessage``):
        the node running it raised, or ended (or the run did) without one.

        Args:
            call_id: the id of the call, as its ``tool_start`` gave it.
            node: the node that was running the call.
            ns: the subgraph namespace of that node (``()``: the top level).
            error: why there is no answer, carried as the event's ``error``; the
                event has no ``result``.
        """
        started = self.tool_starts.get(call_id)
        latency = (time.perf_counter() - started) * 1000 if started is not None else None
        event = ExecutorStreamEvent(
            "tool_end",
            tool=self.tool_names.get(call_id, ""),
            tool_id=call_id,
            latency_ms=latency,
            error=error,
            node_name=node,
        )
        return placed(event, ns)
