"""Visibility levels: which events and which fields a reader is shown.

The rules are those of ``ai_infra.llm.streaming`` (ai-infra 1.19):

* ``minimal`` shows tokens and errors only;
* ``standard`` adds thinking, tool, turn, intent, todo and done events but strips
  a tool's ``arguments``, ``result`` and ``preview``;
* ``detailed`` keeps ``arguments`` and ``result`` and strips ``preview``;
* ``debug`` keeps everything.

Event types the core does not list (executor lifecycle events, unknown types) are
always shown, exactly as upstream's ``should_emit_event`` treats them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal

__all__ = [
    "VISIBILITY_LEVELS",
    "Visibility",
    "filter_fields",
    "hidden_event_types",
    "hidden_fields",
    "parse_visibility",
    "should_emit_event",
]

Visibility = Literal["minimal", "standard", "detailed", "debug"]

#: Numeric rank of each level; a higher level shows more.
VISIBILITY_LEVELS: Final[Mapping[str, int]] = {
    "minimal": 0,
    "standard": 1,
    "detailed": 2,
    "debug": 3,
}

# Lowest level at which each core event type is emitted.
_EVENT_REQUIREMENTS: Final[Mapping[str, int]] = {
    "token": 0,
    "thinking": 1,
    "reasoning": 1,
    "tool_start": 1,
    "tool_end": 1,
    "usage": 2,
    "turn_start": 1,
    "turn_end": 1,
    "intent": 1,
    "todo": 1,
    "done": 1,
    "error": 0,
}

_STRIPPED: Final[Mapping[str, frozenset[str]]] = {
    "minimal": frozenset(),
    "standard": frozenset({"arguments", "result", "structured_result", "preview"}),
    "detailed": frozenset({"preview"}),
    "debug": frozenset(),
}


def parse_visibility(value: str) -> Visibility:
    """Return *value* as a visibility level, or raise ``ValueError`` naming the choices."""
    level = value.strip().lower() if isinstance(value, str) else value
    if level == "minimal":
        return "minimal"
    if level == "standard":
        return "standard"
    if level == "detailed":
        return "detailed"
    if level == "debug":
        return "debug"
    choices = ", ".join(repr(v) for v in VISIBILITY_LEVELS)
    raise ValueError(f"unknown visibility {value!r}; choose one of {choices}")


def should_emit_event(event_type: str, visibility: str) -> bool:
    """True when an event of *event_type* is shown at *visibility*.

    An unknown visibility counts as ``standard``; an unknown event type is always
    shown (both as upstream does).
    """
    level = VISIBILITY_LEVELS.get(visibility, 1)
    return level >= _EVENT_REQUIREMENTS.get(event_type, 0)


def hidden_event_types(visibility: str) -> frozenset[str]:
    """The event types not shown at *visibility*: ``should_emit_event(t, visibility)``
    is false exactly for the types in it (a set, for a formatter to test once per event)."""
    level = VISIBILITY_LEVELS.get(visibility, 1)
    return frozenset(etype for etype, needed in _EVENT_REQUIREMENTS.items() if level < needed)


def hidden_fields(visibility: str) -> frozenset[str]:
    """The field names stripped from events at *visibility* (none for an unknown
    level, as upstream's ``filter_event_for_visibility`` keeps every field then)."""
    return _STRIPPED.get(visibility, frozenset())


def filter_fields(fields: dict[str, Any], visibility: str) -> dict[str, Any]:
    """Return *fields* without the ones hidden at *visibility* (the same dict if none are)."""
    hidden = hidden_fields(visibility)
    if not hidden or hidden.isdisjoint(fields):
        return fields
    kept = {k: v for k, v in fields.items() if k not in hidden}
    if "structured_result" in fields and "structured_result" in hidden:
        kept.pop("result_structured", None)
    return kept
