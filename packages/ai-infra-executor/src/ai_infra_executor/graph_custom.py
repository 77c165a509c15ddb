"""The ``custom`` stream mode: the events nodes wrote with LangGraph's stream writer.

A chunk that reads as an event becomes that event, placed at the node that
wrote it (when one node runs in its namespace) and in that namespace; a chunk
that names a known event type but cannot be read becomes an ``error`` event;
any other chunk is data for some other consumer, left alone.
"""

from __future__ import annotations

from typing import Any

from ai_infra_executor.builders import error_text
from ai_infra_executor.events import ExecutorStreamEvent, from_core_event
from ai_infra_executor.graph_stream_state import StreamState
from ai_infra_executor.graph_values import Namespace, placed
from ai_infra_formatters.event_types import KNOWN_EVENT_TYPES
from ai_infra_formatters.events import event_type_of

__all__ = ["CustomTranslator"]


class CustomTranslator:
    """The events of ``custom`` chunks.

    Args:
        state: the stream's shared state (its running tasks name the writer).
    """

    def __init__(self, state: StreamState) -> None:
        self.state = state

    def translate(self, ns: Namespace, chunk: Any) -> list[ExecutorStreamEvent]:
        """The events of the ``custom`` *chunk* written in namespace *ns*."""
        try:
            event = from_core_event(chunk)
        except Exception as exc:
            return self._unreadable_custom(ns, chunk, exc)
        where: dict[str, Any] = {}
        if event.node_name is None:
            node = self.state.node_of(ns)
            if node is not None:
                where["node_name"] = node
        if event.namespace is None and ns:
            where["namespace"] = ns
        return [from_core_event(event, **where) if where else event]

    def _unreadable_custom(
        self, ns: Namespace, chunk: Any, exc: Exception
    ) -> list[ExecutorStreamEvent]:
        """An ``error`` event for a chunk that names a known event type but cannot be
        read (a timestamp in milliseconds, say): never dropped silently. Any other
        chunk is data for some other consumer, left alone."""
        kind = event_type_of(chunk)
        if kind not in KNOWN_EVENT_TYPES:
            return []
        error = f"a node wrote a {kind} event that cannot be read: {error_text(exc)}"
        node = self.state.node_of(ns)
        return [placed(ExecutorStreamEvent("error", error=error, node_name=node), ns)]
