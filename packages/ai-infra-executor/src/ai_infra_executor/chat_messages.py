"""LangChain chat-model messages -> core ``token`` / ``reasoning`` / ``tool_start`` / ``tool_end``.

The ``messages`` stream mode of a LangGraph run hands over the messages of the
chat models called inside its nodes: ``AIMessageChunk`` pieces while a model
streams, whole ``AIMessage`` objects otherwise, and the tools' ``ToolMessage``
answers. :class:`MessageTranslator` turns them into core events tagged with the
node (and subgraph namespace) they came from, assembling tool calls streamed in
chunks until they are complete:

* text becomes ``token`` events and reasoning ``reasoning`` events, in every
  shape LangChain's standard ``content_blocks`` knows (``reasoning_content`` in
  ``additional_kwargs``, OpenAI Responses ``reasoning`` summaries, Anthropic
  ``thinking`` blocks);
* a message's ``usage_metadata`` (summed over its chunks, reported once at its
  last chunk) becomes a ``usage`` event with the model name of its
  ``response_metadata``;
* a ``ToolMessage`` becomes a ``tool_end``; one whose ``status`` is ``"error"``
  (bad arguments, a tool error turned into a message, a human's reject) carries
  the error text in ``error`` as well as the result as given.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from typing import Any, Final, Literal

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolMessage
from langchain_core.messages.ai import UsageMetadata, add_usage

from ai_infra_executor.events import ExecutorStreamEvent
from ai_infra_executor.graph_values import Namespace, placed

__all__ = ["MessageTranslator", "content_parts", "message_parts"]

TextKind = Literal["token", "reasoning"]

#: The ``error`` of a failed tool call whose answer has no text to show.
_TOOL_FAILED: Final = "Tool call failed"
#: Where ``response_metadata`` names the model, in the order providers are read.
_MODEL_KEYS: Final = ("model_name", "model")


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
                text = _reasoning_text(block)
                if text is not None:
                    parts.append(("reasoning", text))
            elif kind == "non_standard":
                # A block LangChain could not standardise, wrapped as it came.
                parts += content_parts([block.get("value")])
    return parts


def _reasoning_text(block: Mapping[str, Any]) -> str | None:
    """The text of a reasoning / thinking block: its ``reasoning``, ``thinking`` or
    ``text``, else the ``summary_text`` parts of its OpenAI Responses ``summary``."""
    for key in ("reasoning", "thinking", "text"):
        text = block.get(key)
        if isinstance(text, str) and text:
            return text
    summary = block.get("summary")
    if isinstance(summary, list):
        texts = [
            part["text"]
            for part in summary
            if isinstance(part, Mapping) and isinstance(part.get("text"), str)
        ]
        if texts:
            return "".join(texts)
    return None


def message_parts(message: BaseMessage) -> list[tuple[TextKind, str]]:
    """``(core type, text)`` pairs of an AI message: reasoning and text, in order.

    Read from LangChain's standard ``message.content_blocks``, which knows each
    provider's shape of reasoning; a block it leaves in the provider's shape (an
    OpenAI Responses summary or an Anthropic ``thinking`` block of a message that
    names no provider) is read as :func:`content_parts` reads it. A message whose
    ``content_blocks`` cannot be read falls back to its ``content`` and its
    ``additional_kwargs["reasoning_content"]``.

    Args:
        message: a chat model's ``AIMessage`` or ``AIMessageChunk``.
    """
    content = message.content
    extra = message.additional_kwargs
    if isinstance(content, str) and not extra:
        return [("token", content)] if content else []  # a plain text chunk: most of a stream
    try:
        blocks: Any = message.content_blocks
    except Exception:
        parts: list[tuple[TextKind, str]] = []
        reasoning = extra.get("reasoning_content") if isinstance(extra, Mapping) else None
        if isinstance(reasoning, str) and reasoning:
            parts.append(("reasoning", reasoning))
        return parts + content_parts(content)
    return content_parts(blocks)


class MessageTranslator:
    """Turns the chat-model messages of one stream into core events.

    Remembers, for the stream, when each tool call started (for the answer's
    latency) and the tool-call chunks of messages still streaming.
    """

    def __init__(self) -> None:
        self.tool_starts: dict[str, float] = {}
        self.tool_names: dict[str, str] = {}
        self.pending_chunks: dict[str, tuple[AIMessageChunk, str, Namespace]] = {}
        self.pending_usage: dict[str, tuple[UsageMetadata, str | None, str, Namespace]] = {}
        self.usage_reported: set[str] = set()

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
            if message.usage_metadata:
                self._hold_usage(message, node, ns)
            if getattr(message, "chunk_position", None) == "last":
                events += self.flush_tool_calls(message_id=str(message.id))
                events += self.flush_usage(message_id=str(message.id), node=node, ns=ns)
            return events
        if isinstance(message, AIMessage):
            events = self.flush_tool_calls(message_id=str(message.id))
            events += self._text_events(message, node, ns)
            events += self._tool_starts(message.tool_calls, node, ns)
            if message.usage_metadata:
                self._hold_usage(message, node, ns)
                events += self.flush_usage(message_id=str(message.id))
            return events
        if isinstance(message, ToolMessage):
            return [*self.flush_tool_calls(), self._tool_end(message, node, ns)]
        return []

    def _text_events(
        self, message: BaseMessage, node: str, ns: Namespace
    ) -> list[ExecutorStreamEvent]:
        events = []
        for kind, text in message_parts(message):
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

    def _hold_usage(self, message: AIMessage, node: str, ns: Namespace) -> None:
        """Add *message*'s usage to what its earlier chunks reported."""
        key = str(message.id)
        if key in self.usage_reported or message.usage_metadata is None:
            return
        metadata = message.response_metadata
        model = None
        if isinstance(metadata, Mapping):
            for name in _MODEL_KEYS:
                value = metadata.get(name)
                if isinstance(value, str) and value:
                    model = value
                    break
        held = self.pending_usage.get(key)
        if held is None:
            self.pending_usage[key] = (message.usage_metadata, model, node, ns)
        else:
            usage = add_usage(held[0], message.usage_metadata)
            self.pending_usage[key] = (usage, model or held[1], held[2], held[3])

    def flush_usage(
        self, *, message_id: str | None = None, node: str | None = None, ns: Namespace = ()
    ) -> list[ExecutorStreamEvent]:
        """``usage`` events for the token counts held back, one per message.

        A streamed message's usage is reported at its last chunk (LangChain 1.x
        ends every chat-model stream with one marked ``chunk_position="last"``,
        whose id may be LangChain's run id rather than the provider's message id).
        A message's usage is reported once.

        Args:
            message_id: the usage of this message (``None`` with *node* ``None``:
                of every message).
            node: also the usage of the messages streamed inside this node, in
                namespace *ns*.
            ns: the namespace *node* runs in.
        """
        events: list[ExecutorStreamEvent] = []
        for key in list(self.pending_usage):
            held = self.pending_usage[key]
            wanted = (message_id is None and node is None) or key == message_id
            if not wanted and (node is None or (held[2], held[3]) != (node, ns)):
                continue
            del self.pending_usage[key]
            usage, model, node_name, space = held
            self.usage_reported.add(key)
            event = ExecutorStreamEvent(
                "usage",
                input_tokens=usage.get("input_tokens"),
                output_tokens=usage.get("output_tokens"),
                model=model,
                node_name=node_name,
            )
            events.append(placed(event, space))
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
            error=_tool_error(result) if message.status == "error" else None,
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


def _tool_error(result: str | dict[str, Any]) -> str:
    """The ``error`` of a failed tool call answered with *result*: its text, else a
    fixed sentence (the structured result stays in ``result``)."""
    if isinstance(result, str) and result.strip():
        return result
    return _TOOL_FAILED
