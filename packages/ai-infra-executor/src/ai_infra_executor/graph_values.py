"""Reading the values LangGraph hands over: namespaces, states, fields and enum ids.

Shared by :mod:`ai_infra_executor.graph`, :mod:`ai_infra_executor.graph_events`,
:mod:`ai_infra_executor.chat_messages` and (states and tasks as the builders read
them) :mod:`ai_infra_executor.builders`; imports nothing from LangGraph.

The values come from the graph's nodes, so any of them may be hostile: a
``__getattr__``, ``__str__`` or ``__bool__`` that raises. Every reader here
returns something instead of raising (``None``, ``{}`` or a stand-in text made
by :func:`unreadable`): the executor's bookkeeping never fails a healthy graph.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, Final

from ai_infra_executor.events import ExecutorStreamEvent

__all__ = [
    "Namespace",
    "as_mapping",
    "get_field",
    "has_subgraphs",
    "placed",
    "plain",
    "readable",
    "sent",
    "tool_call_ids",
    "tool_message_answers",
    "type_name",
    "unreadable",
]

#: The trigger LangGraph names for a task started by ``Send()`` (its input is the
#: Send payload, not the graph's state).
_SEND_TRIGGER: Final = "__pregel_push"

#: Where a chunk comes from: ``()`` for the top-level graph, else the path of
#: subgraph tasks LangGraph reports (``("parent_node:<task id>", ...)``).
Namespace = tuple[str, ...]


def type_name(value: Any) -> str:
    """The name of *value*'s class (``"object"`` if even that cannot be read)."""
    try:
        return str(type(value).__name__)
    except Exception:
        return "object"


def unreadable(what: str, error: BaseException) -> str:
    """The stand-in text for a *what* that raised *error* when read:
    ``"<unreadable task: ValueError>"``."""
    return f"<unreadable {what}: {type_name(error)}>"


def readable(value: Any, what: str = "value") -> str:
    """``str(value)``, never raising: a stand-in such as ``"<unreadable value:
    RuntimeError>"`` when ``str()`` raises.

    Args:
        value: anything a node handed over.
        what: what *value* is, for the stand-in (``"title"``, ``"message"``, ...).
    """
    if type(value) is str:
        return value
    try:
        return str(value)
    except Exception as exc:
        return unreadable(what, exc)


def get_field(obj: Any, key: str) -> Any:
    """*obj*'s *key*: a mapping's item or an object's attribute (``None`` if missing,
    or if reading it raised)."""
    try:
        if isinstance(obj, Mapping):
            return obj.get(key)
        return getattr(obj, key, None)
    except Exception:
        return None


def as_mapping(value: Any) -> dict[str, Any]:
    """A state or an update as a plain dict (a dataclass / pydantic state by its attributes).

    Args:
        value: a mapping, an object with attributes, or ``None`` (``{}``). One that
            cannot be read (its ``items()`` or a key's ``str()`` raises) gives ``{}``.
    """
    try:
        if isinstance(value, Mapping):
            return {str(k): v for k, v in value.items()}
        if value is None:
            return {}
        fields = getattr(value, "__dict__", None)
        return {str(k): v for k, v in fields.items()} if isinstance(fields, dict) else {}
    except Exception:
        return {}


def plain(value: Any) -> Any:
    """*value*, or its ``.value`` when it is an enum member."""
    return value.value if isinstance(value, Enum) else value


def placed(event: ExecutorStreamEvent, ns: Namespace) -> ExecutorStreamEvent:
    """*event*, tagged with the subgraph namespace *ns* unless *ns* is the top level."""
    if ns:
        event.namespace = list(ns)
    return event


def sent(triggers: Any) -> bool:
    """Whether a task with these ``triggers`` (from the ``tasks`` stream mode) was
    started by ``Send()``, so that its input is the Send payload."""
    try:
        return isinstance(triggers, (list, tuple)) and _SEND_TRIGGER in triggers
    except Exception:
        return False


def _call_id(call: Any) -> str | None:
    call_id = get_field(call, "id")
    return None if call_id is None else readable(call_id, "tool call id")


def tool_call_ids(node_input: Any) -> list[str]:
    """The ids of the tool calls a node was handed to run.

    Args:
        node_input: a task's input: a ``Send`` payload holding one ``tool_call``
            (LangGraph's ``ToolCallWithContext``) or being one, else a state (or
            a list of messages) whose last message's ``tool_calls`` are the ones
            a ``ToolNode`` runs. Anything else names none.
    """
    one = get_field(node_input, "tool_call")
    kind = get_field(node_input, "type")
    if one is None and isinstance(kind, str) and kind == "tool_call":
        one = node_input
    if one is not None:
        call_id = _call_id(one)
        return [] if call_id is None else [call_id]
    messages = node_input if isinstance(node_input, list) else get_field(node_input, "messages")
    try:
        last = messages[-1] if isinstance(messages, (list, tuple)) and messages else None
        calls = get_field(last, "tool_calls")
        ids = [_call_id(call) for call in calls] if isinstance(calls, list) else []
    except Exception:
        return []
    return [call_id for call_id in ids if call_id is not None]


def tool_message_answers(update: Mapping[str, Any]) -> dict[str, Any]:
    """The tool answers in a node's update: its ``messages`` that carry a
    ``tool_call_id`` (``ToolMessage``), by that id; the last one wins."""
    messages = update.get("messages")
    if not isinstance(messages, (list, tuple)):
        return {}
    answers: dict[str, Any] = {}
    try:
        for message in messages:
            call_id = get_field(message, "tool_call_id")
            if call_id is not None:
                answers[readable(call_id, "tool call id")] = message
    except Exception:
        return answers
    return answers


def has_subgraphs(graph: Any) -> bool:
    """Whether compiled *graph* runs subgraphs in its nodes, as LangGraph's
    ``get_subgraphs()`` finds them (``False`` for a graph without that method, or
    when it raises)."""
    try:
        find = getattr(graph, "get_subgraphs", None)
        return find is not None and next(iter(find()), None) is not None
    except Exception:
        return False
