"""Executor events: the core :class:`StreamEvent` plus where in the run it happened.

An :class:`ExecutorStreamEvent` is a core event (every core field, the same
``to_dict()`` wire form) with seven more fields: ``node_name``, ``task``,
``state_snapshot``, ``duration_ms``, ``message``, ``data`` and ``namespace``.
Its ``type`` is one of the twelve core types (an agent's token, tool call, ...
forwarded while a node runs keeps its core type) or one of the thirteen executor
lifecycle types of :class:`StreamEventType`.

Code written for the old ``ai_infra.executor.streaming`` keeps working::

    event = ExecutorStreamEvent(event_type=StreamEventType.TASK_START, message="...", data={})
    event.event_type            # StreamEventType.TASK_START
    event.to_dict()["event_type"]  # "task_start"
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum, StrEnum, nonmember
from typing import Any, Final, Literal, cast

from ai_infra_executor.core import (
    TIMESTAMP_END,
    TIMESTAMP_MIN,
    WIRE_FIELDS,
    WIRE_NAMES,
    StreamEvent,
    checked_timestamp,
    repr_parts,
    timestamp_out_of_range,
    wire_head,
)
from ai_infra_formatters.event_types import EXECUTOR_EVENT_TYPES

__all__ = [
    "EXECUTOR_FIELDS",
    "OLD_AGENT_TYPES",
    "ExecutorEventType",
    "ExecutorStreamEvent",
    "StreamEventType",
    "from_core_event",
]


class StreamEventType(StrEnum):
    """The thirteen executor lifecycle event types.

    A ``str`` enum: ``StreamEventType.RUN_START == "run_start"`` and
    ``str(StreamEventType.RUN_START) == "run_start"``.

    The interim version's names for an agent's events, ``LLM_THINKING``,
    ``LLM_TOKEN``, ``LLM_TOOL_START``, ``LLM_TOOL_END``, ``LLM_DONE`` and
    ``LLM_ERROR``, are here too, as the core type each now is
    (``StreamEventType.LLM_TOKEN == "token"``). They are not members: iterating
    the enum gives the thirteen lifecycle types only.
    """

    RUN_START = "run_start"
    RUN_END = "run_end"
    NODE_START = "node_start"
    NODE_END = "node_end"
    NODE_ERROR = "node_error"
    STATE_UPDATE = "state_update"
    TASK_START = "task_start"
    TASK_COMPLETE = "task_complete"
    TASK_FAILED = "task_failed"
    TASK_SKIPPED = "task_skipped"
    PROGRESS = "progress"
    INTERRUPT = "interrupt"
    RESUME = "resume"

    LLM_THINKING = nonmember("thinking")
    LLM_TOKEN = nonmember("token")
    LLM_TOOL_START = nonmember("tool_start")
    LLM_TOOL_END = nonmember("tool_end")
    LLM_DONE = nonmember("done")
    LLM_ERROR = nonmember("error")


#: The interim version's wire names for an agent's events, and the core type each is now.
OLD_AGENT_TYPES: Final[Mapping[str, str]] = {
    "llm_thinking": "thinking",
    "llm_token": "token",
    "llm_tool_start": "tool_start",
    "llm_tool_end": "tool_end",
    "llm_done": "done",
    "llm_error": "error",
}


#: Every type an executor event may have: the twelve core types, then the executor's.
ExecutorEventType = Literal[
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
    "run_start",
    "run_end",
    "node_start",
    "node_end",
    "node_error",
    "state_update",
    "task_start",
    "task_complete",
    "task_failed",
    "task_skipped",
    "progress",
    "interrupt",
    "resume",
]

#: The fields an executor event adds to the core event, in wire-form order.
EXECUTOR_FIELDS: Final[tuple[str, ...]] = (
    "node_name",
    "task",
    "state_snapshot",
    "duration_ms",
    "message",
    "data",
    "namespace",
)

_EXECUTOR_TYPES: Final = frozenset(EXECUTOR_EVENT_TYPES)
_EXECUTOR_FIELD_NAMES: Final = frozenset(EXECUTOR_FIELDS)
# The executor fields __init__ normalises before storing them, and the others.
_NORMALISED: Final = frozenset({"data", "namespace", "message"})
_PLAIN_FIELDS: Final = _EXECUTOR_FIELD_NAMES - _NORMALISED
_new_object: Final = object.__new__
# from_core_event's node_name when not given (None is a value a caller may give).
_UNSET: Final[Any] = object()
# [(whole second, its ISO text)]: the last second iso_utc() formatted. One tuple,
# replaced whole, so threads never see a second paired with another's text.
_ISO_SECOND: Final[list[tuple[int, str]]] = [(-1, "")]
_floor: Final = math.floor
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_TEXT: Final = "1970-01-01T00:00:00+00:00"
_FIRST_TEXT: Final = "0001-01-01T00:00:00+00:00"
_LAST_TEXT: Final = "9999-12-31T23:59:59+00:00"


def iso_utc(timestamp: float) -> str:
    """Unix seconds as ISO-8601 UTC text, exactly as
    ``datetime.fromtimestamp(timestamp, UTC).isoformat()`` gives it, faster: the
    date and time of day are formatted once per second.

    Never raises. Events refuse a timestamp no ``datetime`` can show, but one
    may still be stored behind their back (written into ``__dict__``, or
    ``None`` from a core event): a number before year 1 or from year 10000 on
    reads as the first or last moment a ``datetime`` has, and NaN or anything
    that is not a number as the Unix epoch (``1970-01-01T00:00:00+00:00``).
    """
    try:
        if not 0 <= timestamp < TIMESTAMP_END:  # before 1970, or not a number
            return datetime.fromtimestamp(timestamp, UTC).isoformat()
        second = _floor(timestamp)
        micros = round((timestamp - second) * 1_000_000)  # half-even, as datetime rounds
        if micros >= 1_000_000:
            second += 1
            micros -= 1_000_000
        cached = _ISO_SECOND[0]
        if cached[0] != second:
            cached = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
            _ISO_SECOND[0] = cached
        if not micros:
            return f"{cached[1]}+00:00"
        # str().zfill() is about twice as fast as the "06d" format spec.
        return f"{cached[1]}.{str(micros).zfill(6)}+00:00"
    except Exception:
        return _iso_beyond(timestamp)


def _iso_beyond(timestamp: Any) -> str:
    """ISO text for a stored timestamp ``datetime.fromtimestamp`` refused (see
    :func:`iso_utc`)."""
    try:
        if timestamp < TIMESTAMP_MIN:
            return _FIRST_TEXT
        if timestamp >= TIMESTAMP_END:
            return _LAST_TEXT
        # In range, but the platform's clock functions refused it.
        return (_EPOCH + timedelta(seconds=float(timestamp))).isoformat()
    except Exception:
        return _EPOCH_TEXT


def _type_name(value: Any) -> str:
    """The type name carried by a ``type`` / ``event_type`` value (a str or str-valued Enum).

    An interim ``llm_*`` name (:data:`OLD_AGENT_TYPES`) gives its core type.
    """
    if isinstance(value, Enum):
        value = value.value
    if not isinstance(value, str) or not value:
        raise TypeError(f"an event type must be a non-empty str or enum, not {value!r}")
    return OLD_AGENT_TYPES.get(value, str(value))


def _unix_time(value: Any) -> float | None:
    """*value* (Unix seconds, a datetime or an ISO-8601 string) as Unix seconds.

    Raises:
        ValueError: *value* is a time no ``datetime`` can show (NaN, infinite,
            before year 1 or from year 10000 on), or a string that is not ISO-8601.
        TypeError: *value* is none of the three.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        try:
            seconds = moment.timestamp()
        except (OverflowError, ValueError, OSError):
            raise timestamp_out_of_range(value) from None
        if not TIMESTAMP_MIN <= seconds < TIMESTAMP_END:
            raise timestamp_out_of_range(value)
        return seconds
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                f"timestamp must be Unix seconds, a datetime or an ISO-8601 string, not {value!r}"
            ) from None
        return _unix_time(parsed)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(checked_timestamp(value))
    raise TypeError(f"a timestamp must be Unix seconds, a datetime or an ISO string, not {value!r}")


@dataclass(init=False, repr=False)
class ExecutorStreamEvent(StreamEvent):
    """A core :class:`StreamEvent` that also says where in an executor run it happened.

    Args:
        type: the event type: a core type (``"token"``, ``"tool_start"``, ...) or an
            executor type (``"task_start"`` or ``StreamEventType.TASK_START``).
        event_type: the old name of *type*; give one of the two.
        timestamp: when it happened: Unix seconds, a ``datetime`` (naive means
            UTC) or an ISO-8601 string, from year 1 to year 9999. Default: now.
            Stored as Unix seconds; setting it later takes Unix seconds only.
        node_name: the graph node that was running.
        task: the task being worked on, as a small dict (id, title, status).
        state_snapshot: a few counters and flags of the run's state.
        duration_ms: how long the node, task or run took.
        message: one line for a human reader.
        data: anything else the event type carries (counts, decisions, ...).
        namespace: for an event from inside a LangGraph subgraph, the path to it
            through the graph: one segment per enclosing node (LangGraph's
            ``"node:task_id"`` form); ``None`` for the top-level graph.

    Every other argument is the core field of the same name. All but *type* are
    keyword-only.

    Raises:
        TypeError: neither *type* nor *event_type* is given, or one is not a str;
            *timestamp* is not a time.
        ValueError: both are given and differ; *timestamp* is NaN, infinite or
            outside years 1-9999 (UTC), which ``to_dict()`` could not write.
    """

    # Executor events carry more type names than core ones: the widening is the point.
    type: ExecutorEventType  # type: ignore[assignment]
    node_name: str | None = None
    task: dict[str, Any] | None = None
    state_snapshot: dict[str, Any] | None = None
    duration_ms: float | None = None
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    namespace: list[str] | None = None

    def __init__(
        self,
        type: ExecutorEventType | StreamEventType | None = None,
        *,
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
        timestamp: float | datetime | str | None = None,
        node_name: str | None = None,
        task: dict[str, Any] | None = None,
        state_snapshot: dict[str, Any] | None = None,
        duration_ms: float | None = None,
        message: str = "",
        data: dict[str, Any] | None = None,
        namespace: list[str] | tuple[str, ...] | None = None,
        event_type: StreamEventType | str | None = None,
    ) -> None:
        if type is None and event_type is None:
            raise TypeError("ExecutorStreamEvent needs a type, e.g. type='task_start'")
        name = _type_name(type if type is not None else event_type)
        if type is not None and event_type is not None and _type_name(event_type) != name:
            raise ValueError(f"type={name!r} and event_type={event_type!r} disagree")
        super().__init__(
            type=cast(Any, name),
            content=content,
            tool=tool,
            tool_id=tool_id,
            arguments=arguments,
            result=result,
            result_structured=result_structured,
            preview=preview,
            latency_ms=latency_ms,
            model=model,
            tools_called=tools_called,
            error=error,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost=cost,
            turn_id=turn_id,
            todo_items=todo_items,
        )
        stamp = _unix_time(timestamp)  # checked: no need for the checking descriptor
        if stamp is not None:
            self.__dict__["timestamp"] = stamp
        # As the core fields: only what differs from a default is stored, in
        # field order. `data` is always stored: callers add to it in place.
        if node_name is not None:
            self.node_name = node_name
        if task is not None:
            self.task = task
        if state_snapshot is not None:
            self.state_snapshot = state_snapshot
        if duration_ms is not None:
            self.duration_ms = duration_ms
        if message != "":
            self.message = message
        self.data = data if data is not None else {}
        if namespace:
            self.namespace = [str(part) for part in namespace]

    @property
    def event_type(self) -> StreamEventType | str:
        """The type under its old name: a :class:`StreamEventType` member for an
        executor type, the plain ``str`` for a core type (``"token"``, ...), which
        has no member."""
        if self.type in _EXECUTOR_TYPES:
            return StreamEventType(self.type)
        return self.type

    @event_type.setter
    def event_type(self, value: StreamEventType | str) -> None:
        self.type = cast(ExecutorEventType, _type_name(value))

    @property
    def iso_timestamp(self) -> str:
        """:attr:`timestamp` as an ISO-8601 UTC string (``2025-01-31T12:00:00.5+00:00``)."""
        return iso_utc(self.timestamp)

    def to_dict(self) -> dict[str, Any]:
        """The core wire form plus what older consumers read.

        ``{"type": ...}`` and every core field that is not ``None`` (exactly as
        :meth:`StreamEvent.to_dict`), then each executor field that is set
        (``message`` and ``data`` count as unset when empty), then
        ``"event_type"`` (the same name as ``"type"``) and ``"timestamp"`` as an
        ISO-8601 UTC string.
        """
        # The core rule (StreamEvent.to_dict), widened to the executor fields, in
        # one pass over what the event stores: this runs once per streamed token.
        attrs = self.__dict__
        out = wire_head(attrs) if "result" in attrs else {"type": attrs["type"]}
        for name in attrs:
            if name in WIRE_NAMES:
                value = attrs[name]
                if value is not None:
                    out[name] = value
            elif name in _EXECUTOR_FIELD_NAMES:
                value = attrs[name]
                # "" and {} count as unset too: among these fields' types (str,
                # dict, float, list) they are the falsy strs and dicts.
                if value is not None and (value or not isinstance(value, (str, dict))):
                    out[name] = value
        out["event_type"] = attrs["type"]
        out["timestamp"] = iso_utc(attrs["timestamp"])
        return out

    @classmethod
    def from_dict(cls, fields: Mapping[str, Any]) -> ExecutorStreamEvent:
        """The event whose :meth:`to_dict` gave *fields* (also reads core wire dicts).

        The type is read from ``"type"``, else ``"event_type"``; a
        ``"structured_result"`` becomes a structured ``result``; ``"timestamp"``
        may be Unix seconds or an ISO string (absent: now). Keys no event has are
        ignored, so dicts from newer producers still load.

        Raises:
            TypeError: *fields* names no type.
        """
        kwargs: dict[str, Any] = {
            name: fields[name] for name in (*WIRE_FIELDS, *EXECUTOR_FIELDS) if name in fields
        }
        if "structured_result" in fields:
            kwargs["result"] = fields["structured_result"]
            kwargs["result_structured"] = True
        else:
            kwargs["result"] = fields.get("result")
            kwargs["result_structured"] = bool(fields.get("result_structured", False))
        if kwargs.get("message") is None:
            kwargs.pop("message", None)
        raw_type = fields.get("type")
        if raw_type is None:
            raw_type = fields.get("event_type")
        if raw_type is None:
            keys = ", ".join(sorted(map(str, fields))[:20]) or "no keys"
            raise TypeError(f"no 'type' or 'event_type' in a dict with {keys}")
        name = cast(ExecutorEventType, _type_name(raw_type))
        return cls(name, timestamp=fields.get("timestamp"), **kwargs)

    @classmethod
    def from_core_event(
        cls, event: Any, *, node_name: Any = _UNSET, **executor_fields: Any
    ) -> ExecutorStreamEvent:
        """Wrap a core event, adding executor fields.

        Args:
            event: this package's :class:`StreamEvent` (or an executor event), a
                real ``ai_infra.llm.streaming.StreamEvent``, any object with the
                same attributes, or the dict one of them gave from ``to_dict()``.
            node_name: the graph node that was running (an executor field, named
                here because it is the one given for every token an agent streams).
            executor_fields: ``task``, ``state_snapshot``, ``duration_ms``,
                ``message``, ``data`` or ``namespace``; they and *node_name*
                replace what *event* carried.

        The core fields and the timestamp are kept as they are.

        Raises:
            TypeError: an unknown keyword, or *event* carries no type.
        """
        source = type(event)
        if cls is ExecutorStreamEvent and (source is StreamEvent or source is ExecutorStreamEvent):
            # This package's own events with at most one field that needs no
            # normalising (node_name, once per token an agent streams): copy what
            # they store, no round trip through __init__. A field an executor event
            # does not store yet would land after its data, out of field order: that
            # case, like every other, goes through __init__ below. An unknown
            # keyword is never in _PLAIN_FIELDS: it is refused below.
            if not executor_fields:
                copied = (
                    node_name is _UNSET or source is StreamEvent or "node_name" in event.__dict__
                )
            elif len(executor_fields) == 1 and node_name is _UNSET:
                (name,) = executor_fields
                copied = name in _PLAIN_FIELDS and (source is StreamEvent or name in event.__dict__)
            else:
                copied = False
            if copied:
                fields = event.__dict__.copy()
                kind = fields["type"]
                if type(kind) is not str or not kind:
                    fields["type"] = _type_name(kind)
                if node_name is not _UNSET:
                    fields["node_name"] = node_name
                elif executor_fields:
                    fields.update(executor_fields)
                if "data" not in fields:
                    fields["data"] = {}
                wrapped = _new_object(cls)
                wrapped.__dict__ = fields
                return wrapped
        if node_name is not _UNSET:
            executor_fields["node_name"] = node_name
        if not executor_fields.keys() <= _EXECUTOR_FIELD_NAMES:
            unknown = sorted(set(executor_fields) - _EXECUTOR_FIELD_NAMES)
            raise TypeError(
                f"unknown executor field(s) {', '.join(unknown)}; "
                f"choose from {', '.join(EXECUTOR_FIELDS)}"
            )
        fields_of = event if isinstance(event, Mapping) else _attributes(event)
        if executor_fields:
            fields_of = {**fields_of, **executor_fields}
        return cls.from_dict(fields_of)

    def __repr__(self) -> str:
        """Compact: the core parts, then node, message and duration when set."""
        parts = [repr_parts(self)]
        for name in ("node_name", "message", "duration_ms"):
            value = getattr(self, name)
            if value is not None and value != "":
                parts.append(f"{name}={value!r}")
        return f"ExecutorStreamEvent({', '.join(parts)})"


_OBJECT_FIELDS: Final = (
    "type",
    "event_type",
    *WIRE_FIELDS,
    "result",
    "result_structured",
    "timestamp",
    *EXECUTOR_FIELDS,
)


def _attributes(event: Any) -> dict[str, Any]:
    """The event fields of an object shaped like a stream event (duck typing)."""
    if getattr(event, "type", None) is None and getattr(event, "event_type", None) is None:
        to_dict = getattr(event, "to_dict", None)
        if callable(to_dict):
            fields = to_dict()
            if isinstance(fields, Mapping):
                return dict(fields)
        raise TypeError(f"cannot read a stream event from {type(event).__name__!r}: no type")
    out: dict[str, Any] = {}
    for name in _OBJECT_FIELDS:
        value = getattr(event, name, None)
        if value is not None:
            out[name] = value
    return out


def from_core_event(
    event: Any, *, node_name: Any = _UNSET, **executor_fields: Any
) -> ExecutorStreamEvent:
    """Wrap a core event as an :class:`ExecutorStreamEvent` (see
    :meth:`ExecutorStreamEvent.from_core_event`)."""
    return ExecutorStreamEvent.from_core_event(event, node_name=node_name, **executor_fields)
