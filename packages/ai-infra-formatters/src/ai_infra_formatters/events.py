"""Turn any stream event into its wire-form dict: the one input every layout reads.

Accepted shapes, in the order they are tried:

* a ``dict`` (used as is, never mutated) or any other ``Mapping``;
* an object with a ``to_dict()`` method: ai-infra's ``StreamEvent``, the
  executor's ``ExecutorStreamEvent`` and most event classes in the wild;
* a dataclass instance (its non-``None`` fields);
* any other object with attributes (its public non-``None`` attributes).

:func:`event_view` is the cheaper reader the console layouts use: it reads a
dataclass event's attributes in place instead of building its ``to_dict()``.

The discriminator is ``type``; the older ``event_type`` (a string or an ``Enum``)
is read when ``type`` is absent. An event that names no type gets
``"unknown"`` and is still shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from types import FunctionType
from typing import Any, Final, TypeVar

from ai_infra_formatters.event_types import UNKNOWN_EVENT_TYPE

__all__ = ["event_to_dict", "event_type_name", "event_type_of", "event_view", "field_of"]

_T = TypeVar("_T")


def event_type_name(value: Any) -> str:
    """The type name carried by a ``type`` / ``event_type`` value (str, Enum or other)."""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, str):
        return value or UNKNOWN_EVENT_TYPE
    if value is None:
        return UNKNOWN_EVENT_TYPE
    try:
        return str(value) or UNKNOWN_EVENT_TYPE
    except Exception:
        return UNKNOWN_EVENT_TYPE


def event_to_dict(event: Any) -> dict[str, Any]:
    """Return *event* as a dict whose ``"type"`` is a non-empty ``str``.

    Never raises: an event whose ``to_dict()`` fails falls back to its attributes,
    and a value that is no event at all becomes ``{"type": "unknown", "content": ...}``.
    The caller's dict is returned unchanged when it is already in wire form, and
    copied (never mutated) when the type has to be filled in.
    """
    cls = type(event)
    if cls is not dict:
        method = _TO_DICT_METHODS.get(cls, _UNSEEN)
        if method is _UNSEEN:
            method = _to_dict_method(cls)
        result = None
        if method is not None:
            try:
                result = method(event)
            except Exception:
                result = None
            if type(result) is dict:
                # The common case: an event class's own to_dict(), in wire form.
                kind = result.get("type")
                if type(kind) is str and kind:
                    return result
        return finish_event_dict(event, method, result)
    given: dict[str, Any] = event  # a dict, used as is when in wire form
    raw = given.get("type")
    if type(raw) is str and raw:
        return given
    return _with_type(given)


def finish_event_dict(
    event: Any, method: Callable[[Any], Any] | None, result: Any
) -> dict[str, Any]:
    """:func:`event_to_dict` of an object whose class's ``to_dict`` *method* gave
    *result* (``None`` if it raised), or that has none (*method* is ``None``).

    For a formatter's hot path that called the method itself (see
    :data:`known_to_dict`) and got no dict in wire form: the method is not
    called again.
    """
    fields: Mapping[Any, Any]
    if type(result) is dict:
        fields = result
    elif isinstance(event, Mapping):
        fields = _mapping_copy(event)
    else:
        fields = _object_fields(event, result if method is not None else _UNSEEN)
    raw = fields.get("type")
    if type(raw) is str and raw:
        return fields if type(fields) is dict else dict(fields)
    return _with_type(fields)


def _with_type(fields: Mapping[Any, Any]) -> dict[str, Any]:
    """A copy of *fields* whose ``type`` is a non-empty str (from ``event_type``, else unknown)."""
    raw = fields.get("type")
    if raw is None:
        raw = fields.get("event_type")
    out = dict(fields)
    out["type"] = event_type_name(raw)
    return out


# Per event class, its to_dict function (called unbound), or None: looked up once.
_TO_DICT_METHODS: dict[type, Callable[[Any], Any] | None] = {}
_UNSEEN: Any = object()

# The per-class tables of this module hold at most this many classes each: a
# program that makes classes on the fly must not make them grow without end.
_MAX_CLASSES: Final = 256


def _remember(table: dict[type, _T], cls: type, value: _T) -> _T:
    """*value*, kept in *table* for *cls* while the table has room."""
    if len(table) < _MAX_CLASSES:
        table[cls] = value
    return value


#: ``known_to_dict(cls)``: the ``to_dict`` function of an event class
#: :func:`event_to_dict` has met (to be called unbound with the event), else
#: ``None`` (a class not met yet, or one without such a method). A C-level lookup,
#: for formatters' hot paths: they call the function themselves and hand a result
#: not in wire form to :func:`finish_event_dict`.
known_to_dict: Final[Callable[[type], Callable[[Any], Any] | None]] = _TO_DICT_METHODS.get


def _to_dict_method(cls: type) -> Callable[[Any], Any] | None:
    method = None
    if not issubclass(cls, Mapping):
        try:
            found = getattr(cls, "to_dict", None)
        except Exception:
            found = None
        # A plain function only: it can be called unbound with the event. Anything
        # else (a classmethod, a callable object) is called through the instance.
        method = found if isinstance(found, FunctionType) else None
    return _remember(_TO_DICT_METHODS, cls, method)


def _mapping_copy(event: Mapping[Any, Any]) -> dict[Any, Any]:
    try:
        return dict(event)
    except Exception:
        return {"type": UNKNOWN_EVENT_TYPE, "content": _safe_repr(event)}


def _object_fields(event: Any, to_dict_result: Any = _UNSEEN) -> dict[str, Any]:
    """*event*'s fields when its class's ``to_dict()`` gave no dict.

    *to_dict_result* is what that ``to_dict()`` returned (``None`` if it raised);
    left out, an instance-level ``to_dict`` is looked up and called here.
    """
    if event is None or isinstance(event, (str, bytes, int, float, bool)):
        return {"type": UNKNOWN_EVENT_TYPE, "content": event}
    result = to_dict_result
    if result is _UNSEEN:
        result = None
        try:
            to_dict = getattr(event, "to_dict", None)
        except Exception:
            to_dict = None
        if callable(to_dict):
            try:
                result = to_dict()
            except Exception:
                result = None
    if result is not None:
        if isinstance(result, dict):
            return result
        if isinstance(result, Mapping):
            return _mapping_copy(result)
    field_names = getattr(type(event), "__dataclass_fields__", None)
    if isinstance(field_names, dict):
        out: dict[str, Any] = {}
        for name in field_names:
            value = getattr(event, name, None)
            if value is not None:
                out[name] = value
        return out
    try:
        attrs = vars(event)
    except TypeError:
        attrs = None
    if attrs:
        return {k: v for k, v in attrs.items() if v is not None and not k.startswith("_")}
    return {"type": UNKNOWN_EVENT_TYPE, "content": _safe_repr(event)}


def _safe_repr(value: Any) -> str:
    try:
        return repr(value)
    except Exception:
        return f"<unrepresentable {type(value).__name__}>"


def event_type_of(event: Any) -> str:
    """The type name of *event* without building its whole dict (cheap)."""
    cls = type(event)
    is_mapping = cls is dict or _MAPPING_CLASSES.get(cls)
    if is_mapping is None:
        is_mapping = _remember_mapping_class(cls)
    try:
        if is_mapping:
            raw = event.get("type")
            if raw is None:
                raw = event.get("event_type")
        else:
            raw = getattr(event, "type", None)
            if raw is None:
                raw = getattr(event, "event_type", None)
    except Exception:
        return UNKNOWN_EVENT_TYPE
    if type(raw) is str and raw:
        return raw
    return event_type_name(raw)


# Per class, whether it is a Mapping: isinstance(event, Mapping) goes through the
# ABC machinery (~100 ns), once per event on a writer's hot path.
_MAPPING_CLASSES: dict[type, bool] = {}


def _remember_mapping_class(cls: type) -> bool:
    return _remember(_MAPPING_CLASSES, cls, issubclass(cls, Mapping))


def field_of(event: Any, name: str) -> Any:
    """*event*'s field *name*, without building its dict: a mapping's item or an
    object's attribute (``None`` when missing). Cheap, as :func:`event_type_of`;
    a mapping whose ``get`` raises, or a raising attribute, raises."""
    cls = type(event)
    is_mapping = cls is dict or _MAPPING_CLASSES.get(cls)
    if is_mapping is None:
        is_mapping = _remember_mapping_class(cls)
    return event.get(name) if is_mapping else getattr(event, name, None)


# The fields of ai-infra's core StreamEvent: a dataclass that has them all is
# shaped like it, and its to_dict() is those fields in wire form.
_STREAM_EVENT_FIELDS: frozenset[str] = frozenset(
    {
        "type", "content", "tool", "tool_id", "arguments", "result", "result_structured",
        "preview", "latency_ms", "model", "tools_called", "error", "input_tokens",
        "output_tokens", "cost", "turn_id", "todo_items", "timestamp",
    }
)  # fmt: skip

# Classes whose instances event_view reads in place (see _reads_in_place).
_READ_IN_PLACE: dict[type, bool] = {}


def _reads_in_place(cls: type) -> bool:
    """Whether instances of *cls* can be read through their attributes.

    True for a dataclass with a ``__dict__`` that carries every field of ai-infra's
    ``StreamEvent`` (ai-infra's own, this family's ``ExecutorStreamEvent``, the
    executor's core mirror): their ``to_dict()`` is those same fields. Any other
    class is read through ``to_dict()``, whatever shape it gives.
    """
    fields = getattr(cls, "__dataclass_fields__", None)
    known = (
        isinstance(fields, dict)
        and _STREAM_EVENT_FIELDS.issubset(fields)
        and "__dict__" in dir(cls)
        and not issubclass(cls, Mapping)
    )
    return _remember(_READ_IN_PLACE, cls, known)


def event_view(event: Any) -> tuple[str, Mapping[str, Any]]:
    """``(type name, fields)`` of *event*, for reading its values: cheaper than
    :func:`event_to_dict`.

    A dict in wire form is returned as is; a dataclass shaped like ai-infra's
    ``StreamEvent`` (ai-infra's own, ``ExecutorStreamEvent``, ...) is read in
    place through its ``__dict__`` (a field it does not store, as the executor's
    events leave out their defaults, reads as ``None``; so does a field set to
    ``None``) rather than through ``to_dict()``. Everything else goes through
    :func:`event_to_dict`. The fields must not be mutated.
    """
    cls = type(event)
    if cls is dict:
        raw = event.get("type")
        if type(raw) is str and raw:
            return raw, event
    else:
        in_place = _READ_IN_PLACE.get(cls)
        if in_place is None:
            in_place = _reads_in_place(cls)
        if in_place:
            attrs = event.__dict__
            raw = attrs.get("type")
            if type(raw) is str and raw:
                return raw, attrs
            if raw is None:
                raw = getattr(event, "event_type", None)
            if raw is not None:
                return event_type_name(raw), attrs
    fields = event_to_dict(event)
    return fields["type"], fields
