"""`VercelAiEncoder`: stream events as a Vercel AI SDK UI message stream (``useChat``).

The AI SDK's UI message stream protocol (v1; the npm ``ai`` package 5 and 6) is
SSE frames of ``data: {chunk}`` ending with ``data: [DONE]``, sent with the header
``x-vercel-ai-ui-message-stream: v1``. A run becomes one assistant message whose
parts are built by the chunks:

===============================  ============================================
project event                    UI message chunks
===============================  ============================================
the first event                  ``start`` (the message id)
top-level ``node_start`` /       ``start-step`` / ``finish-step`` (a step of
``node_end``                     the message: one graph node)
``token``                        ``text-start`` (first token of a part: a new
                                 speaker starts a new one) / ``text-delta`` /
                                 ``text-end`` (at a tool call, another event,
                                 the end); empty tokens dropped
``thinking`` / ``reasoning``     ``reasoning-start`` / ``-delta`` / ``-end``
``tool_start`` / ``tool_end``    ``tool-input-start`` + ``tool-input-delta`` +
                                 ``tool-input-available`` (a dynamic tool) /
                                 ``tool-output-available`` or
                                 ``tool-output-error``; missing ids made up
``usage``                        ``finish``'s ``messageMetadata.usage``
the end, with a call unanswered  ``tool-output-error`` for it
``error`` (an agent's alone),    ``error``, and the message finishes with
a top-level ``node_error``       ``finishReason: "error"``
``done`` / ``run_end``           ``finish`` (when the stream is an agent's
                                 alone, ``done``; else ``run_end``)
anything else                    a ``data-ai-infra-<type>`` part whose ``data``
                                 is the event's JSON (``progress`` and node
                                 events transient: shown, not kept)
===============================  ============================================

Call :meth:`VercelAiEncoder.close` at the end: it closes the open parts and the
step, finishes the message if nothing did, and sends ``[DONE]``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Final

from ai_infra_formatters.events import event_to_dict
from ai_infra_formatters.layouts import node_label
from ai_infra_formatters.sse import SSE_HEADERS, as_text, sse_frame, wire_json
from ai_infra_formatters.web_tool_calls import Call, ToolCalls, tool_call_of

__all__ = ["VERCEL_AI_HEADERS", "VercelAiEncoder"]

#: The response headers of a UI message stream endpoint.
VERCEL_AI_HEADERS: Final[Mapping[str, str]] = {
    **SSE_HEADERS,
    "x-vercel-ai-ui-message-stream": "v1",
}
#: Data parts that are shown as they come but not kept in the message.
_TRANSIENT: Final = frozenset({"progress", "node_start", "node_end", "state_update"})
_NOT_A_NAME: Final = re.compile(r"[^a-z0-9_-]+")

_Chunk = dict[str, Any]


class VercelAiEncoder:
    """Encode the events of one run as one assistant message of a UI message stream.

    Args:
        message_id: the message's id (default: a new id).
        new_id: makes every other id (text and reasoning parts, tool calls).

    :meth:`encode` gives the chunks of one project event as wire dicts; :meth:`format`
    gives them as SSE frames. Not thread-safe: one producer.
    """

    headers: Final = VERCEL_AI_HEADERS
    #: For :class:`~ai_infra_formatters.writer.EventWriter`: write what :meth:`format`
    #: gives as it is (whole SSE frames), flushed at once.
    writes_frames: Final = True

    def __init__(
        self, *, message_id: str | None = None, new_id: Callable[[], str] = lambda: uuid.uuid4().hex
    ) -> None:
        self._new_id = new_id
        self.message_id = message_id or new_id()
        self._started = self._finished = self._executor_run = False
        self._text: tuple[str, str | None] | None = None  # (part id, speaker)
        self._reasoning: str | None = None
        self._step_open = False
        self._calls = ToolCalls(new_id)
        self._usage: dict[str, int] = {}
        self._failure: str | None = None
        self._out: list[_Chunk] = []

    # -- public API -------------------------------------------------------------

    def encode(self, event: Any) -> list[_Chunk]:
        """The chunks for *event*; none once the message is finished."""
        self._out = []
        if self._finished:
            return self._out
        fields = event_to_dict(event)
        etype = fields["type"]
        self._start()
        _HANDLERS.get(etype, VercelAiEncoder._data)(self, etype, fields)
        return self._out

    def format(self, event: Any) -> str:
        """The SSE frames of :meth:`encode`."""
        return "".join(sse_frame(c) for c in self.encode(event))

    def finish(self, error: str | None = None) -> list[_Chunk]:
        """The chunks that end the stream (an ``error`` chunk first when *error*)."""
        self._out = []
        if not self._finished:
            self._start()
            self._finish(error)
        return self._out

    def close(self, error: str | None = None) -> str:
        """The SSE frames of :meth:`finish`, then ``data: [DONE]``."""
        return "".join(sse_frame(c) for c in self.finish(error)) + sse_frame("[DONE]")

    # -- the message --------------------------------------------------------------

    def _start(self) -> None:
        if not self._started:
            self._started = True
            self._out.append({"type": "start", "messageId": self.message_id})

    def _finish(self, error: str | None = None) -> None:
        self._close_parts()
        for call in self._calls.pending:  # no call is left waiting on the page
            self._out.append(
                {"type": "tool-output-error", "toolCallId": call.sent, "dynamic": True,
                 "errorText": "the run ended before the tool returned"}
            )  # fmt: skip
        self._calls.clear()
        if self._step_open:
            self._out.append({"type": "finish-step"})
            self._step_open = False
        failure = error or self._failure
        if failure is not None:
            self._out.append({"type": "error", "errorText": failure})
        finish: _Chunk = {"type": "finish", "finishReason": "error" if failure else "stop"}
        if self._usage:
            finish["messageMetadata"] = {"usage": dict(self._usage)}
        self._out.append(finish)
        self._finished = True

    def _close_parts(self) -> None:
        if self._text is not None:
            self._out.append({"type": "text-end", "id": self._text[0]})
            self._text = None
        if self._reasoning is not None:
            self._out.append({"type": "reasoning-end", "id": self._reasoning})
            self._reasoning = None

    def _run_start(self, etype: str, f: Mapping[str, Any]) -> None:
        self._executor_run = True
        self._data(etype, f)

    def _run_end(self, etype: str, f: Mapping[str, Any]) -> None:
        self._data(etype, f)
        self._finish()

    def _done(self, etype: str, f: Mapping[str, Any]) -> None:
        if self._executor_run:  # an agent inside the run finished, not the run
            self._data(etype, f)
        else:
            self._finish()

    def _error(self, etype: str, f: Mapping[str, Any]) -> None:
        if self._executor_run:
            self._data(etype, f)
        else:
            self._finish(as_text(f.get("error") or f.get("message") or "error"))

    # -- steps ---------------------------------------------------------------------

    def _node_start(self, etype: str, f: Mapping[str, Any]) -> None:
        self._data(etype, f)
        if not f.get("namespace"):
            if self._step_open:
                self._out.append({"type": "finish-step"})
            self._out.append({"type": "start-step"})
            self._step_open = True

    def _node_end(self, etype: str, f: Mapping[str, Any]) -> None:
        self._data(etype, f)
        if not f.get("namespace") and self._step_open:
            self._out.append({"type": "finish-step"})
            self._step_open = False

    def _node_error(self, etype: str, f: Mapping[str, Any]) -> None:
        if not f.get("namespace"):  # a top-level node failed: so does the run
            self._failure = as_text(f.get("error") or f.get("message") or "node failed")
        self._node_end(etype, f)

    # -- text, reasoning, tools --------------------------------------------------------

    def _token(self, etype: str, f: Mapping[str, Any]) -> None:
        content = f.get("content")
        if not isinstance(content, str) or not content:
            return
        speaker = node_label(f)
        if self._reasoning is not None or (self._text is not None and self._text[1] != speaker):
            self._close_parts()
        if self._text is None:
            self._text = (self._new_id(), speaker)
            self._out.append({"type": "text-start", "id": self._text[0]})
        self._out.append({"type": "text-delta", "id": self._text[0], "delta": content})

    def _reasoning_text(self, etype: str, f: Mapping[str, Any]) -> None:
        content = f.get("content")
        if not isinstance(content, str) or not content:
            return
        if self._text is not None:
            self._close_parts()
        if self._reasoning is None:
            self._reasoning = self._new_id()
            self._out.append({"type": "reasoning-start", "id": self._reasoning})
        self._out.append({"type": "reasoning-delta", "id": self._reasoning, "delta": content})

    def _tool_start(self, etype: str, f: Mapping[str, Any]) -> None:
        self._call(self._calls.start(*tool_call_of(f)), f.get("arguments"))

    def _call(self, call: Call, arguments: Any) -> None:
        """The input chunks of one call."""
        self._close_parts()
        ids = {"toolCallId": call.sent, "dynamic": True}  # a tool the page has no type for
        args = arguments or {}
        self._out.append({"type": "tool-input-start", **ids, "toolName": call.name})
        self._out.append({"type": "tool-input-delta", **ids, "inputTextDelta": wire_json(args)})
        self._out.append(
            {"type": "tool-input-available", **ids, "toolName": call.name, "input": args}
        )

    def _tool_end(self, etype: str, f: Mapping[str, Any]) -> None:
        self._close_parts()
        name, given = tool_call_of(f)
        call = self._calls.answered(name, given)
        if call is None:  # a result whose call was never seen: show the call first
            call = self._calls.new(name, given)
            self._call(call, None)
        ids: _Chunk = {"toolCallId": call.sent, "dynamic": True}
        error = f.get("error")
        if error is not None and error != "":
            self._out.append({"type": "tool-output-error", **ids, "errorText": as_text(error)})
        else:
            self._out.append({"type": "tool-output-available", **ids, "output": f.get("result")})

    # -- the rest ------------------------------------------------------------------------

    def _usage_event(self, etype: str, f: Mapping[str, Any]) -> None:
        for field, key in (("input_tokens", "inputTokens"), ("output_tokens", "outputTokens")):
            value = f.get(field)
            if isinstance(value, int) and not isinstance(value, bool):
                self._usage[key] = self._usage.get(key, 0) + value

    def _data(self, etype: str, f: Mapping[str, Any]) -> None:
        self._close_parts()
        name = _NOT_A_NAME.sub("_", etype.lower()) or "event"
        chunk: _Chunk = {"type": f"data-ai-infra-{name}", "data": dict(f)}
        if etype in _TRANSIENT:
            chunk["transient"] = True
        self._out.append(chunk)


_Handler = Callable[[VercelAiEncoder, str, Mapping[str, Any]], None]

_HANDLERS: Final[Mapping[str, _Handler]] = {
    "run_start": VercelAiEncoder._run_start,
    "run_end": VercelAiEncoder._run_end,
    "done": VercelAiEncoder._done,
    "error": VercelAiEncoder._error,
    "node_start": VercelAiEncoder._node_start,
    "node_end": VercelAiEncoder._node_end,
    "node_error": VercelAiEncoder._node_error,
    "token": VercelAiEncoder._token,
    "thinking": VercelAiEncoder._reasoning_text,
    "reasoning": VercelAiEncoder._reasoning_text,
    "tool_start": VercelAiEncoder._tool_start,
    "tool_end": VercelAiEncoder._tool_end,
    "usage": VercelAiEncoder._usage_event,
}
