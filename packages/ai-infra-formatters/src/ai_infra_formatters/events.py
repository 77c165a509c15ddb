"""Turn any stream event into its wire-form dict: the one input every layout reads.

Accepted shapes, in the order they are tried:

* a ``dict`` (used as is, never mutated) or any other ``Mapping``;
* an object with a ``to_dict()`` method: ai-infra's ``StreamEvent``, the
  executor's ``ExecutorStreamEvent`` and most event classes in the wild;
* a dataclass instance (its non-``None`` fields);
* any other object with attributes (its public non-``None`` attributes).

The discriminator is ``type``; the older ``event_type`` (a string or an ``Enum``)
is read when ``type`` is absent. An event that names no type gets
``"unknown"`` and is still shown.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from enum import Enum
from typing import Any

from ai_infra_formatters.event_types import UNKNOWN_EVENT_TYPE

__all__ = ["event_to_dict", "event_type_name", "event_type_of"]


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
    if type(event) is dict:
        fields: Mapping[Any, Any] = event
    elif isinstance(event, Mapping):
        fields = _mapping_copy(event)
    else:
        fields = _object_fields(event)

    raw = fields.get("type")
    if type(raw) is str and raw:
        return fields if type(fields) is dict else dict(fields)
    if raw is None:
        raw = fields.get("event_type")
    out = dict(fields)
    out["type"] = event_type_name(raw)
    return out


def _mapping_copy(event: Mapping[Any, Any]) -> dict[Any, Any]:
    try:
        return dict(event)
    except Exception:
        return {"type": UNKNOWN_EVENT_TYPE, "content": _safe_repr(event)}


def _object_fields(event: Any) -> dict[str, Any]:
    if event is None or isinstance(event, (str, bytes, int, float, bool)):
        return {"type": UNKNOWN_EVENT_TYPE, "content": event}
    try:
        to_dict = getattr(event, "to_dict", None)
    except Exception:
        to_dict = None
    if callable(to_dict):
        try:
            result = to_dict()
        except Exception:
            result = None
        if isinstance(result, dict):
            return result
        if isinstance(result, Mapping):
            return _mapping_copy(result)
    if dataclasses.is_dataclass(event):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(event):
            value = getattr(event, f.name, None)
            if value is not None:
                out[f.name] = value
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
    try:
        if isinstance(event, Mapping):
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
