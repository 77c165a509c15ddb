"""Reading the values LangGraph hands over: namespaces, states, fields and enum ids.

Shared by :mod:`ai_infra_executor.graph`, :mod:`ai_infra_executor.graph_events`,
:mod:`ai_infra_executor.chat_messages` and (states and tasks as the builders read
them) :mod:`ai_infra_executor.builders`; imports nothing from LangGraph.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any

from ai_infra_executor.events import ExecutorStreamEvent

__all__ = ["Namespace", "as_mapping", "get_field", "placed", "plain"]

#: Where a chunk comes from: ``()`` for the top-level graph, else the path of
#: subgraph tasks LangGraph reports (``("parent_node:<task id>", ...)``).
Namespace = tuple[str, ...]


def get_field(obj: Any, key: str) -> Any:
    """*obj*'s *key*: a mapping's item or an object's attribute (``None`` if missing)."""
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def as_mapping(value: Any) -> dict[str, Any]:
    """A state or an update as a plain dict (a dataclass / pydantic state by its attributes).

    Args:
        value: a mapping, an object with attributes, or ``None`` (``{}``).
    """
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    if value is None:
        return {}
    fields = getattr(value, "__dict__", None)
    return {str(k): v for k, v in fields.items()} if isinstance(fields, dict) else {}


def plain(value: Any) -> Any:
    """*value*, or its ``.value`` when it is an enum member."""
    return value.value if isinstance(value, Enum) else value


def placed(event: ExecutorStreamEvent, ns: Namespace) -> ExecutorStreamEvent:
    """*event*, tagged with the subgraph namespace *ns* unless *ns* is the top level."""
    if ns:
        event.namespace = list(ns)
    return event
