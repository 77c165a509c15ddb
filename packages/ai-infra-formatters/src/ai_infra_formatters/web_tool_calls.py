"""`ToolCalls`: the tool calls of one web protocol stream (AG-UI, the AI SDK's).

Both protocols need every tool call's id unique in its run and every result tied
to its call. The events may lack ids (an agent that gives none), reuse one (two
runs of a loop), or bring a result whose call was never seen: this keeps the
calls started and not answered, and gives each the id to send.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from ai_infra_formatters.sse import as_text

__all__ = ["Call", "ToolCalls", "tool_call_of"]


class Call(NamedTuple):
    """One tool call as an event names it, and the id it is sent with."""

    given: str | None  # the event's ``tool_id`` (``None``: it has none)
    name: str
    sent: str


def tool_call_of(fields: Mapping[str, Any]) -> tuple[str, str | None]:
    """The tool name (``tool`` by default) and the id (``None``: none) of a
    ``tool_start`` / ``tool_end`` event's *fields*, as text."""
    given = fields.get("tool_id")
    return as_text(fields.get("tool") or "tool"), as_text(given) if given else None


class ToolCalls:
    """The calls of one run: ids unique in the run, results matched to their calls.

    Args:
        new_id: makes an id for a call that has none, or whose id the run used.
    """

    def __init__(self, new_id: Callable[[], str]) -> None:
        self._new_id = new_id
        self.pending: list[Call] = []  # started, not answered, in order
        self._sent: set[str] = set()

    def new(self, name: str, given: str | None) -> Call:
        """A call to send (its id: *given*, unless this run sent it already)."""
        sent = given if given is not None and given not in self._sent else self._new_id()
        self._sent.add(sent)
        return Call(given, name, sent)

    def start(self, name: str, given: str | None) -> Call:
        """A call that starts: sent, and waiting for its result."""
        call = self.new(name, given)
        self.pending.append(call)
        return call

    def answered(self, name: str, given: str | None) -> Call | None:
        """The waiting call a result answers (the first with its id; with no id, the
        first of its tool), no longer waiting; ``None`` when no call waits for it."""
        for n, call in enumerate(self.pending):
            if (call.given == given) if given else (call.name == name):
                return self.pending.pop(n)
        return None

    def clear(self) -> None:
        """Forget the run's calls (a new run may send their ids again)."""
        self.pending.clear()
        self._sent.clear()
