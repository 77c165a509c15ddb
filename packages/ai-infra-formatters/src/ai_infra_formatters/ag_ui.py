"""`AgUiEncoder`: stream events as an AG-UI event stream (protocol 1.0), for web frontends.

AG-UI (CopilotKit and others; ``ag-ui-protocol`` on PyPI) is a stateful stream:
runs, steps, text messages, reasoning and tool calls are opened and closed
around their content. The encoder keeps that state for one run (or the runs of
one thread, when a run pauses for a human and resumes), synthesising the ids
the events need, and writes the wire JSON itself (camelCase fields, integer
millisecond timestamps), one SSE frame an event.

How project events map (the names in ``ai_infra.*`` are CUSTOM events whose
``value`` is the project event's own JSON):

===============================  ============================================
project event                    AG-UI
===============================  ============================================
``run_start`` / ``run_end``      RUN_STARTED (+ ``ai_infra.run_start``) /
                                 RUN_FINISHED (``result``: the counts and the
                                 duration; ``usage``); RUN_ERROR instead when a
                                 top-level node failed
``node_start`` / ``node_end``    STEP_STARTED / STEP_FINISHED (``stepName``: the
                                 node, after its subgraph path; duration,
                                 namespace and task id in ``metadata``)
``node_error``                   ``ai_infra.node_error``, then STEP_FINISHED
``token``                        TEXT_MESSAGE_START (first token of a message: a
                                 new speaker starts a new one) / CONTENT / END
                                 (at a tool call, another event, the run's end);
                                 empty tokens dropped
``thinking`` / ``reasoning``     REASONING_START, REASONING_MESSAGE_START /
                                 CONTENT / END, REASONING_END (only with text)
``tool_start`` / ``tool_end``    TOOL_CALL_START + ARGS + END / TOOL_CALL_RESULT
                                 (an error result says ``error: ...``); missing
                                 tool ids synthesised
``usage``                        RUN_FINISHED ``usage``
``state_update``                 STATE_SNAPSHOT, then STATE_DELTA (RFC 6902)
``interrupt``                    STEP_FINISHED for the open steps, RUN_FINISHED
                                 with the ``interrupt`` outcome
``resume``                       a new RUN_STARTED on the thread, ``input.resume``
``done`` / ``error``             RUN_FINISHED / RUN_ERROR when the stream is an
                                 agent's alone (no ``run_start``); else CUSTOM
anything else                    ``ai_infra.<type>`` (tasks, progress, turns, ...)
===============================  ============================================

Call :meth:`AgUiEncoder.close` at the end of the stream: it closes what is open
and ends the run (RUN_FINISHED, or RUN_ERROR when told the stream failed).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any, Final

from ai_infra_formatters.events import event_to_dict
from ai_infra_formatters.layouts import node_label
from ai_infra_formatters.sse import SSE_HEADERS, as_text, sse_frame, wire_json
from ai_infra_formatters.web_tool_calls import Call, ToolCalls, tool_call_of

__all__ = ["AG_UI_HEADERS", "AgUiEncoder"]

#: The response headers of an AG-UI endpoint (an SSE stream).
AG_UI_HEADERS: Final = SSE_HEADERS

_Event = dict[str, Any]


def _millis(timestamp: Any) -> int | None:
    """An event's ``timestamp`` (Unix seconds or ISO-8601) as integer milliseconds."""
    try:
        if isinstance(timestamp, (int, float)) and not isinstance(timestamp, bool):
            return int(timestamp * 1000)
        if isinstance(timestamp, str) and timestamp:
            return int(datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp() * 1000)
    except (ValueError, OverflowError):
        pass
    return None


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _state_delta(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[_Event]:
    """The RFC 6902 operations that turn *old* into *new*, key by key at the top."""
    ops: list[_Event] = []
    for key in old:
        if key not in new:
            ops.append({"op": "remove", "path": _pointer(key)})
    for key, value in new.items():
        if key not in old:
            ops.append({"op": "add", "path": _pointer(key), "value": value})
        elif old[key] != value:
            ops.append({"op": "replace", "path": _pointer(key), "value": value})
    return ops


def _pointer(key: Any) -> str:
    return "/" + str(key).replace("~", "~0").replace("/", "~1")


class AgUiEncoder:
    """Encode the events of one run (one thread) as AG-UI events.

    Args:
        thread_id: the thread the runs belong to (default: a new id).
        run_id: the first run's id (default: a new id).
        new_id: makes every other id (runs after a resume, messages, tool calls).

    :meth:`encode` gives the AG-UI events of one project event, as wire dicts;
    :meth:`format` gives them as SSE frames. Not thread-safe: one producer.
    """

    headers: Final = AG_UI_HEADERS
    #: For :class:`~ai_infra_formatters.writer.EventWriter`: write what :meth:`format`
    #: gives as it is (whole SSE frames), flushed at once.
    writes_frames: Final = True

    def __init__(
        self,
        *,
        thread_id: str | None = None,
        run_id: str | None = None,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self._new_id = new_id
        self.thread_id = thread_id or new_id()
        self._next_run_id = run_id
        self.run_id: str | None = None  # the open run's id
        self._executor_run = False  # a run_start opened it: done/error do not end it
        self._text: tuple[str, str | None] | None = None  # (message id, speaker)
        self._reasoning: str | None = None
        self._steps: list[str] = []
        self._calls = ToolCalls(new_id)
        self._usage: list[_Event] = []
        self._state: Mapping[str, Any] | None = None
        self._failure: str | None = None  # why the run fails (a top-level node error)
        self._interrupt_ids: list[str] = []
        self._out: list[_Event] = []
        self._at: int | None = None

    # -- public API -----------------------------------------------------------

    def encode(self, event: Any) -> list[_Event]:
        """The AG-UI events for *event* (any event shape the package reads)."""
        fields = event_to_dict(event)
        etype = fields["type"]
        self._out, self._at = [], _millis(fields.get("timestamp"))
        handler = _HANDLERS.get(etype, AgUiEncoder._custom)
        if etype != "resume":
            self._open_run()
        handler(self, etype, fields)
        return self._out

    def format(self, event: Any) -> str:
        """The SSE frames of :meth:`encode`; ``""`` when *event* gives none."""
        return "".join(sse_frame(e) for e in self.encode(event))

    def finish(self, error: str | None = None) -> list[_Event]:
        """The events that end the stream: open messages, calls and steps closed, then
        RUN_FINISHED, or RUN_ERROR with *error* (or the top-level node error seen)."""
        self._out, self._at = [], None
        if self.run_id is not None:
            self._end_run(error)
        return self._out

    def close(self, error: str | None = None) -> str:
        """The SSE frames of :meth:`finish`."""
        return "".join(sse_frame(e) for e in self.finish(error))

    # -- the run ---------------------------------------------------------------

    def _emit(self, etype: str, **fields: Any) -> None:
        event: _Event = {"type": etype}
        event.update((k, v) for k, v in fields.items() if v is not None)
        if self._at is not None:
            event["timestamp"] = self._at
        self._out.append(event)

    def _open_run(self, resume: list[_Event] | None = None) -> None:
        if self.run_id is not None:
            return
        self.run_id = self._next_run_id or self._new_id()
        self._next_run_id = None
        run_input: _Event | None = None
        if resume:
            run_input = {"threadId": self.thread_id, "runId": self.run_id, "messages": []}
            run_input["resume"] = resume
        self._emit("RUN_STARTED", threadId=self.thread_id, runId=self.run_id, input=run_input)

    def _close_open(self) -> None:
        self._end_text()
        self._end_reasoning()

    def _end_run(self, error: str | None = None, result: Any = None, outcome: Any = None) -> None:
        self._close_open()
        for step in reversed(self._steps):
            self._emit("STEP_FINISHED", stepName=step)
        self._steps.clear()
        self._calls.clear()
        failure = error or self._failure
        if failure is not None:
            self._emit("RUN_ERROR", message=failure)
        else:
            usage = self._usage or None
            ids = {"threadId": self.thread_id, "runId": self.run_id}
            self._emit("RUN_FINISHED", **ids, result=result, outcome=outcome, usage=usage)
        self.run_id, self._executor_run, self._failure = None, False, None
        self._usage = []

    def _run_start(self, etype: str, f: Mapping[str, Any]) -> None:
        self._executor_run = True
        self._custom(etype, f)

    def _run_end(self, etype: str, f: Mapping[str, Any]) -> None:
        data = f.get("data")
        result = dict(data) if isinstance(data, Mapping) else {}
        if f.get("duration_ms") is not None:
            result["durationMs"] = f["duration_ms"]
        self._end_run(result=result or None, outcome={"type": "success"})

    def _done(self, etype: str, f: Mapping[str, Any]) -> None:
        if self._executor_run:  # an agent inside the run finished, not the run
            self._custom(etype, f)
        else:
            self._end_run(outcome={"type": "success"})

    def _error(self, etype: str, f: Mapping[str, Any]) -> None:
        if self._executor_run:
            self._custom(etype, f)
        else:
            reason = f.get("error") or f.get("message") or "error"
            self._end_run(error=as_text(reason))

    # -- steps -----------------------------------------------------------------

    def _node_start(self, etype: str, f: Mapping[str, Any]) -> None:
        self._close_open()
        step = node_label(f) or "node"
        self._steps.append(step)
        self._emit("STEP_STARTED", stepName=step, metadata=self._step_metadata(f))

    def _node_end(self, etype: str, f: Mapping[str, Any]) -> None:
        self._close_open()
        step = node_label(f) or "node"
        if step in self._steps:
            del self._steps[len(self._steps) - 1 - self._steps[::-1].index(step)]
            self._emit("STEP_FINISHED", stepName=step, metadata=self._step_metadata(f))

    def _node_error(self, etype: str, f: Mapping[str, Any]) -> None:
        self._custom(etype, f)
        if not f.get("namespace"):  # a top-level node failed: so does the run
            self._failure = as_text(f.get("error") or f.get("message") or "node failed")
        self._node_end(etype, f)

    @staticmethod
    def _step_metadata(f: Mapping[str, Any]) -> _Event | None:
        data = f.get("data")
        meta = {
            "namespace": f.get("namespace"),
            "durationMs": f.get("duration_ms"),
            "taskId": data.get("task_id") if isinstance(data, Mapping) else None,
        }
        kept = {k: v for k, v in meta.items() if v is not None}
        return kept or None

    # -- text and reasoning ------------------------------------------------------

    def _token(self, etype: str, f: Mapping[str, Any]) -> None:
        content = f.get("content")
        if not isinstance(content, str) or not content:
            return
        self._end_reasoning()
        speaker = node_label(f)
        if self._text is not None and self._text[1] != speaker:
            self._end_text()
        if self._text is None:
            self._text = (self._new_id(), speaker)
            self._emit(
                "TEXT_MESSAGE_START", messageId=self._text[0], role="assistant", name=speaker
            )
        self._emit("TEXT_MESSAGE_CONTENT", messageId=self._text[0], delta=content)

    def _end_text(self) -> None:
        if self._text is not None:
            self._emit("TEXT_MESSAGE_END", messageId=self._text[0])
            self._text = None

    def _reasoning_text(self, etype: str, f: Mapping[str, Any]) -> None:
        content = f.get("content")
        if not isinstance(content, str) or not content:
            return
        self._end_text()
        if self._reasoning is None:
            self._reasoning = self._new_id()
            self._emit("REASONING_START", messageId=self._reasoning)
            self._emit("REASONING_MESSAGE_START", messageId=self._reasoning, role="reasoning")
        self._emit("REASONING_MESSAGE_CONTENT", messageId=self._reasoning, delta=content)

    def _end_reasoning(self) -> None:
        if self._reasoning is not None:
            self._emit("REASONING_MESSAGE_END", messageId=self._reasoning)
            self._emit("REASONING_END", messageId=self._reasoning)
            self._reasoning = None

    # -- tools -------------------------------------------------------------------

    def _tool_start(self, etype: str, f: Mapping[str, Any]) -> None:
        self._call(self._calls.start(*tool_call_of(f)), f.get("arguments"))

    def _call(self, call: Call, arguments: Any) -> None:
        """TOOL_CALL_START, ARGS (the arguments as JSON) and END of one call."""
        parent = self._text[0] if self._text is not None else None
        self._close_open()
        call_id = call.sent
        self._emit(
            "TOOL_CALL_START", toolCallId=call_id, toolCallName=call.name, parentMessageId=parent
        )
        self._emit("TOOL_CALL_ARGS", toolCallId=call_id, delta=wire_json(arguments or {}))
        self._emit("TOOL_CALL_END", toolCallId=call_id)

    def _tool_end(self, etype: str, f: Mapping[str, Any]) -> None:
        self._close_open()
        name, given = tool_call_of(f)
        call = self._calls.answered(name, given)
        if call is None:  # a result whose call was never seen: show the call first
            call = self._calls.new(name, given)
            self._call(call, f.get("arguments"))
        call_id = call.sent
        error = f.get("error")
        if error is not None and error != "":
            content = f"error: {as_text(error)}"
        else:
            result = f.get("result")
            content = "" if result is None else as_text(result)
        self._emit(
            "TOOL_CALL_RESULT",
            messageId=self._new_id(),
            toolCallId=call_id,
            content=content,
            role="tool",
        )

    # -- the rest ------------------------------------------------------------------

    def _usage_event(self, etype: str, f: Mapping[str, Any]) -> None:
        usage = {
            "model": f.get("model") if isinstance(f.get("model"), str) else None,
            "inputTokens": f.get("input_tokens"),
            "outputTokens": f.get("output_tokens"),
        }
        counts = [v for v in (usage["inputTokens"], usage["outputTokens"]) if isinstance(v, int)]
        if len(counts) == 2:
            usage["totalTokens"] = sum(counts)
        self._usage.append({k: v for k, v in usage.items() if isinstance(v, (int, str))})

    def _state_update(self, etype: str, f: Mapping[str, Any]) -> None:
        state = f.get("state_snapshot")
        if not isinstance(state, Mapping):
            state = f.get("data")
        if not isinstance(state, Mapping):
            self._custom(etype, f)
            return
        if self._state is None:
            self._emit("STATE_SNAPSHOT", snapshot=dict(state))
        elif delta := _state_delta(self._state, state):
            self._emit("STATE_DELTA", delta=delta)
        self._state = dict(state)

    def _interrupt(self, etype: str, f: Mapping[str, Any]) -> None:
        data = _mapping(f.get("data"))
        interrupt_id = data.get("interrupt_id")
        interrupt_id = as_text(interrupt_id) if interrupt_id else self._new_id()
        value = data.get("value")
        question = value.get("question") if isinstance(value, Mapping) else value
        message = as_text(question) if question is not None else f.get("message")
        interrupt = {"id": interrupt_id, "reason": "human_input"}
        if isinstance(message, str) and message:
            interrupt["message"] = message
        self._interrupt_ids = [interrupt_id]
        self._custom(etype, f)
        self._end_run(outcome={"type": "interrupt", "interrupts": [interrupt]})

    def _resume(self, etype: str, f: Mapping[str, Any]) -> None:
        data = _mapping(f.get("data"))
        decision = data.get("decision")
        resume = [
            {"interruptId": i, "status": "resolved", "payload": decision}
            for i in self._interrupt_ids
        ]
        self._interrupt_ids = []
        self._open_run(resume or None)
        self._executor_run = True
        self._custom(etype, f)

    def _custom(self, etype: str, f: Mapping[str, Any]) -> None:
        self._close_open()
        self._emit("CUSTOM", name=f"ai_infra.{etype}", value=dict(f))


_Handler = Callable[[AgUiEncoder, str, Mapping[str, Any]], None]

_HANDLERS: Final[Mapping[str, _Handler]] = {
    "run_start": AgUiEncoder._run_start,
    "run_end": AgUiEncoder._run_end,
    "done": AgUiEncoder._done,
    "error": AgUiEncoder._error,
    "node_start": AgUiEncoder._node_start,
    "node_end": AgUiEncoder._node_end,
    "node_error": AgUiEncoder._node_error,
    "token": AgUiEncoder._token,
    "thinking": AgUiEncoder._reasoning_text,
    "reasoning": AgUiEncoder._reasoning_text,
    "tool_start": AgUiEncoder._tool_start,
    "tool_end": AgUiEncoder._tool_end,
    "usage": AgUiEncoder._usage_event,
    "state_update": AgUiEncoder._state_update,
    "interrupt": AgUiEncoder._interrupt,
    "resume": AgUiEncoder._resume,
}
