"""The core stream event: ai-infra's ``StreamEvent`` and ``StreamConfig``, without ai-infra.

``ai_infra.llm.streaming`` (ai-infra 1.19) defines the event ``Agent.astream()``
yields. Importing it loads the whole of LangChain, so this module carries its own
copy of the *behaviour*: the same dataclass fields in the same order with the same
defaults, the same twelve type names, the same ``to_dict()`` output and the same
visibility rules. Code written against either works with both; the
``tests/upstream`` suite checks that against the published wheel.

The visibility rules themselves live in :mod:`ai_infra_formatters.visibility`;
this module only applies them to dataclass instances.

One deliberate difference: ai-infra stores any ``timestamp``; this event rejects
one no ``datetime`` can show (NaN, infinity, before year 1 or from year 10000
on) with a ``ValueError``, when it is made and when it is set later, so that an
executor event's ``to_dict()``, which writes the time as ISO-8601 text, never
fails on it. ``None`` is still stored as given, as ai-infra does.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeVar

from ai_infra_formatters import visibility as _visibility

__all__ = [
    "TIMESTAMP_END",
    "TIMESTAMP_MIN",
    "CoreEventType",
    "StreamConfig",
    "StreamEvent",
    "checked_timestamp",
    "filter_event_for_visibility",
    "should_emit_event",
    "timestamp_out_of_range",
]

#: The twelve core event types, as ai-infra spells them.
CoreEventType = Literal[
    "thinking",
    "reasoning",
    "token",
    "tool_start",
    "tool_end",
    "usage",
    "turn_start",
    "turn_end",
    "intent",
    "todo",
    "done",
    "error",
]

# The optional fields of the wire form, in the order ai-infra writes them after
# ``type`` and ``result`` / ``structured_result``.
WIRE_FIELDS: Final[tuple[str, ...]] = (
    "content",
    "tool",
    "tool_id",
    "arguments",
    "preview",
    "latency_ms",
    "model",
    "tools_called",
    "error",
    "input_tokens",
    "output_tokens",
    "cost",
    "turn_id",
    "todo_items",
)

#: :data:`WIRE_FIELDS` as a set, for a membership test per stored field.
WIRE_NAMES: Final = frozenset(WIRE_FIELDS)
_REPR_CONTENT_LENGTH: Final = 50

#: The first Unix time a ``datetime`` can show: 0001-01-01T00:00:00 UTC.
TIMESTAMP_MIN: Final = -62_135_596_800.0
#: The first Unix time a ``datetime`` cannot show: 10000-01-01T00:00:00 UTC.
TIMESTAMP_END: Final = 253_402_300_800.0


def _shown(value: Any) -> str:
    """``repr(value)`` for an error message, never raising."""
    try:
        return repr(value)
    except Exception:
        return f"a {type(value).__name__}"


def checked_timestamp(value: Any) -> Any:
    """*value*, when it is ``None`` or Unix seconds a ``datetime`` can show.

    Args:
        value: the ``timestamp`` given to an event: Unix seconds (any real
            number, from :data:`TIMESTAMP_MIN` up to, not including,
            :data:`TIMESTAMP_END`), or ``None``.

    Raises:
        ValueError: *value* is NaN, infinite or outside that range.
        TypeError: *value* is not a number.
    """
    if value is None:
        return None
    try:
        if TIMESTAMP_MIN <= value < TIMESTAMP_END:
            return value
    except Exception:
        raise TypeError(
            f"timestamp must be Unix seconds (a number), not a {type(value).__name__}"
        ) from None
    raise timestamp_out_of_range(value)


def timestamp_out_of_range(value: Any) -> ValueError:
    """The error for a timestamp *value* (as the caller gave it) no ``datetime`` can show."""
    return ValueError(
        f"timestamp must be Unix seconds from {TIMESTAMP_MIN:.0f} (0001-01-01) to before "
        f"{TIMESTAMP_END:.0f} (10000-01-01 UTC), not {_shown(value)}"
    )


class _CheckedTimestamp:
    """``StreamEvent.timestamp`` on an instance: stored in its ``__dict__`` (where
    ``to_dict()`` reads it), and checked by :func:`checked_timestamp` when set."""

    def __get__(self, instance: Any, owner: type | None = None) -> Any:
        if instance is None:
            return self
        try:
            return instance.__dict__["timestamp"]
        except KeyError:
            raise AttributeError("timestamp") from None

    def __set__(self, instance: Any, value: Any) -> None:
        instance.__dict__["timestamp"] = checked_timestamp(value)

    def __delete__(self, instance: Any) -> None:
        try:
            del instance.__dict__["timestamp"]
        except KeyError:
            raise AttributeError("timestamp") from None


class _Now:
    """The default of StreamEvent's ``timestamp`` parameter: the time the event is made."""

    def __repr__(self) -> str:
        return "<factory>"  # what dataclasses show for a default_factory in a signature


# Told apart from any value a caller passes, None included (ai-infra stores that).
_NOW: Any = _Now()


def wire_head(attrs: dict[str, Any]) -> dict[str, Any]:
    """The start of an event's wire form from its stored fields *attrs*: ``type``,
    then the result (``structured_result`` + ``result_structured`` for a structured
    ``tool_end``, else ``result``) when there is one."""
    kind = attrs["type"]
    result = attrs.get("result")
    if result is None:
        return {"type": kind}
    if attrs.get("result_structured") and kind == "tool_end":
        return {"type": kind, "structured_result": result, "result_structured": True}
    return {"type": kind, "result": result}


@dataclass(init=False)
class StreamEvent:
    """One event of an agent's stream, field for field ai-infra's ``StreamEvent``.

    Attributes:
        type: what happened (see :data:`CoreEventType`).
        content: text of a ``token``, ``reasoning`` or ``intent`` event.
        tool: tool name (``tool_start`` / ``tool_end``).
        tool_id: tool call id, to pair a ``tool_end`` with its ``tool_start``.
        arguments: tool arguments (shown from ``detailed`` visibility).
        result: tool result, text or (with ``result_structured``) a dict.
        result_structured: the result is structured data; ``to_dict()`` then puts
            it under ``structured_result`` for a ``tool_end``.
        preview: truncated tool result (``debug`` visibility only).
        latency_ms: how long the tool took.
        model: model name (``thinking`` and ``usage`` events).
        tools_called: how many tools ran (``turn_end`` / ``done``).
        error: error message (``error`` events).
        input_tokens, output_tokens, cost: token accounting (``usage``).
        turn_id: 1-based turn counter (``turn_start`` / ``turn_end``).
        todo_items: the agent's checklist (``todo``).
        timestamp: Unix time the event was made; never part of ``to_dict()``.
            One no ``datetime`` can show (NaN, infinite, beyond year 1-9999) is
            rejected with ``ValueError``, here and when set later.

    An instance stores only what it was given: ``type``, ``timestamp`` and each
    field whose value is not its default. A field it does not store reads as its
    default through the class (``event.tool`` is ``None`` on a token), so
    attribute access, ``==``, :func:`dataclasses.asdict` and
    :func:`dataclasses.replace` behave as for any dataclass; only ``vars(event)``
    shows the difference. A token then costs three stored values instead of
    eighteen, and :meth:`to_dict` reads three.
    """

    type: CoreEventType
    content: str | None = None
    tool: str | None = None
    tool_id: str | None = None
    arguments: dict[str, Any] | None = None
    result: str | dict[str, Any] | None = None
    result_structured: bool = False
    preview: str | None = None
    latency_ms: float | None = None
    model: str | None = None
    tools_called: int | None = None
    error: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost: float | None = None
    turn_id: int | None = None
    todo_items: list[dict[str, Any]] | None = None
    timestamp: float = field(default_factory=time.time)

    def __init__(  # noqa: PLR0917 - ai-infra's dataclass takes every field positionally
        self,
        type: CoreEventType,
        content: str | None = None,
        tool: str | None = None,
        tool_id: str | None = None,
        arguments: dict[str, Any] | None = None,
        result: str | dict[str, Any] | None = None,
        result_structured: bool = False,
        preview: str | None = None,
        latency_ms: float | None = None,
        model: str | None = None,
        tools_called: int | None = None,
        error: str | None = None,
        input_tokens: int | None = None,
        output_tokens: int | None = None,
        cost: float | None = None,
        turn_id: int | None = None,
        todo_items: list[dict[str, Any]] | None = None,
        timestamp: float = _NOW,
    ) -> None:
        # The parameters of the __init__ dataclasses would write (ai-infra's), but
        # only what differs from a default is stored, in field order.
        self.type = type
        if content is not None:
            self.content = content
        if tool is not None:
            self.tool = tool
        if tool_id is not None:
            self.tool_id = tool_id
        if arguments is not None:
            self.arguments = arguments
        if result is not None:
            self.result = result
        if result_structured is not False:
            self.result_structured = result_structured
        if preview is not None:
            self.preview = preview
        if latency_ms is not None:
            self.latency_ms = latency_ms
        if model is not None:
            self.model = model
        if tools_called is not None:
            self.tools_called = tools_called
        if error is not None:
            self.error = error
        if input_tokens is not None:
            self.input_tokens = input_tokens
        if output_tokens is not None:
            self.output_tokens = output_tokens
        if cost is not None:
            self.cost = cost
        if turn_id is not None:
            self.turn_id = turn_id
        if todo_items is not None:
            self.todo_items = todo_items
        # Straight into __dict__: the checking descriptor is for later writes.
        self.__dict__["timestamp"] = (
            time.time() if timestamp is _NOW else checked_timestamp(timestamp)
        )

    def to_dict(self) -> dict[str, Any]:
        """The wire form: ``{"type": ...}`` plus every field that is not ``None``.

        ``timestamp`` and ``result_structured`` are left out, except that a
        ``tool_end`` whose result is structured carries it as
        ``"structured_result"`` together with ``"result_structured": True``.
        Keys come in field order (``type``, the result, then the others); a
        field first set after the event was made comes after them.
        """
        # This runs once per streamed token: it reads only what the event stores.
        attrs = self.__dict__
        if len(attrs) == 3 and "content" in attrs and "timestamp" in attrs:
            # A token as made (type, content, timestamp): most of any stream.
            content = attrs["content"]
            if content is not None:
                return {"type": attrs["type"], "content": content}
        out = wire_head(attrs) if "result" in attrs else {"type": attrs["type"]}
        for name in attrs:  # keys, then a lookup: cheaper than items() here
            if name in WIRE_NAMES:
                value = attrs[name]
                if value is not None:
                    out[name] = value
        return out

    def __repr__(self) -> str:
        """``StreamEvent(type=..., content=..., tool=..., error=...)``, content cut at 50."""
        return f"StreamEvent({repr_parts(self)})"


# After @dataclass, so that the field keeps its default_factory (as ai-infra's).
type.__setattr__(StreamEvent, "timestamp", _CheckedTimestamp())


def repr_parts(event: StreamEvent) -> str:
    """The ``type=..., content=..., tool=..., error=...`` inside a compact event repr."""
    parts = [f"type={event.type!r}"]
    if event.content is not None:
        content = event.content
        if len(content) > _REPR_CONTENT_LENGTH:
            content = content[:_REPR_CONTENT_LENGTH] + "..."
        parts.append(f"content={content!r}")
    if event.tool is not None:
        parts.append(f"tool={event.tool!r}")
    if event.error is not None:
        parts.append(f"error={event.error!r}")
    return ", ".join(parts)


@dataclass
class StreamConfig:
    """How an agent streams, field for field ai-infra's ``StreamConfig``.

    Attributes:
        visibility: ``minimal``, ``standard``, ``detailed`` or ``debug`` (see
            :func:`should_emit_event`).
        include_thinking: emit a ``thinking`` event when the agent starts.
        include_reasoning: report text written before or between tool calls as
            ``reasoning`` events instead of ``token`` events.
        include_tool_events: emit ``tool_start`` / ``tool_end`` events.
        reasoning_token_limit: characters buffered as reasoning before the text is
            treated as the answer after all.
        stream_reasoning_immediately: yield reasoning as it arrives instead of
            buffering it until a tool call.
        tool_result_preview_length: longest tool result ``preview`` (``debug``).
        deduplicate_tool_starts: one ``tool_start`` per tool call id.
        cost_per_input_token, cost_per_output_token: prices used to fill ``cost``.
        todo_tool_name: the tool whose results become ``todo`` events.
    """

    visibility: Literal["minimal", "standard", "detailed", "debug"] = "standard"
    include_thinking: bool = True
    include_reasoning: bool = True
    include_tool_events: bool = True
    reasoning_token_limit: int = 300
    stream_reasoning_immediately: bool = False
    tool_result_preview_length: int = 500
    deduplicate_tool_starts: bool = True
    cost_per_input_token: float | None = None
    cost_per_output_token: float | None = None
    todo_tool_name: str = "manage_todos"


def should_emit_event(event_type: str, visibility: str) -> bool:
    """True when an event of *event_type* is shown at *visibility*.

    ``minimal`` shows tokens and errors; ``standard`` adds every other core type
    but ``usage``, which needs ``detailed``. An unknown visibility counts as
    ``standard``; a type the core does not list (every executor type) is always
    shown.
    """
    return _visibility.should_emit_event(event_type, visibility)


_Event = TypeVar("_Event", bound=StreamEvent)

# The dataclass field behind each wire-form key hidden by a visibility level.
_FIELD_OF_KEY: Final = {"structured_result": "result"}


def filter_event_for_visibility(event: _Event, visibility: str) -> _Event:
    """*event* without the fields a reader at *visibility* must not see.

    ``standard`` clears ``arguments``, ``result`` and ``preview``; ``detailed``
    clears ``preview``; ``minimal`` and ``debug`` change nothing, and neither does
    an unknown level (as in ai-infra). Returns the same instance when nothing is
    cleared, else a copy made by :func:`dataclasses.replace`.
    """
    names = {_FIELD_OF_KEY.get(key, key) for key in _visibility.hidden_fields(visibility)}
    changes: dict[str, Any] = {
        name: None for name in sorted(names) if getattr(event, name, None) is not None
    }
    return dataclasses.replace(event, **changes) if changes else event
