"""The ``updates`` stream mode: interrupts, and the pause they bring.

An ``interrupt()`` call shows in the ``updates`` chunk ``{"__interrupt__": [...]}``
and again in the end of the task that asked: :class:`InterruptTranslator`
remembers the first and reports each interrupt once, at the task's end (inside a
subgraph first, when subgraphs are shown). A static breakpoint
(``interrupt_before`` / ``interrupt_after``) gives an empty ``__interrupt__``:
no node claims it, and the stream's end reports it with the nodes the run goes
on with (:meth:`InterruptTranslator.unclaimed_interrupts`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from ai_infra_executor.builders import create_interrupt_event
from ai_infra_executor.events import ExecutorStreamEvent
from ai_infra_executor.graph_run import Run
from ai_infra_executor.graph_values import Namespace, get_field, placed

__all__ = ["INTERRUPT_KEY", "InterruptTranslator", "paused_at"]

#: Where LangGraph puts a pause's interrupts in a chunk of its ``updates`` mode.
INTERRUPT_KEY: Final = "__interrupt__"


def paused_at(node: str, task: Any, value: Any, interrupt_id: Any) -> ExecutorStreamEvent:
    """``interrupt`` for a pause at *node*: *value* is what ``interrupt()`` was given
    (``None`` for a static breakpoint), *interrupt_id* LangGraph's id (if any)."""
    event = create_interrupt_event(node, task)
    event.data = {"value": value}
    if interrupt_id is not None:
        event.data["interrupt_id"] = str(interrupt_id)
    return event


class InterruptTranslator:
    """The interrupts of one stream of *run*, and whether it paused.

    Args:
        run: the run being streamed; where it paused is noted in it, for its ``resume``.
    """

    def __init__(self, run: Run) -> None:
        self.run = run
        self.pending_interrupts: dict[str, Any] = {}
        self.reported_interrupts: set[str] = set()
        self.static_interrupt = False

    def translate(self, ns: Namespace, chunk: Any) -> list[ExecutorStreamEvent]:
        """The events of an ``updates`` chunk: none; its interrupts are remembered."""
        if not isinstance(chunk, Mapping) or INTERRUPT_KEY not in chunk:
            return []
        interrupts = chunk[INTERRUPT_KEY] or ()
        if not interrupts:
            # interrupt_before / interrupt_after: no node is running to claim it.
            self.static_interrupt = True
        for item in interrupts:
            interrupt_id = str(get_field(item, "id"))
            self.pending_interrupts[interrupt_id] = get_field(item, "value")
        return []

    def task_interrupted(
        self, name: str, ns: Namespace, interrupts: Iterable[Any]
    ) -> list[ExecutorStreamEvent]:
        """``interrupt`` for each of *interrupts* that task *name* (in namespace
        *ns*) ended with, unless already reported."""
        events = []
        for item in interrupts:
            interrupt_id = str(get_field(item, "id"))
            if interrupt_id in self.reported_interrupts:
                continue  # already reported by the node inside a subgraph that asked
            self.reported_interrupts.add(interrupt_id)
            value = self.pending_interrupts.pop(interrupt_id, get_field(item, "value"))
            events.append(self.interrupt_event(name, ns, value, interrupt_id))
        return events

    def interrupt_event(
        self, node: str, ns: Namespace, value: Any, interrupt_id: str | None
    ) -> ExecutorStreamEvent:
        """``interrupt`` for a pause at *node* (in namespace *ns*), remembered in the
        run for its ``resume``; *value* is what ``interrupt()`` was given (``None``
        for a static breakpoint)."""
        self.run.interrupt_node = node
        self.run.interrupt_namespace = ns
        return placed(paused_at(node, self.run.task, value, interrupt_id), ns)

    def unclaimed_interrupts(
        self, next_nodes: Sequence[str], ns: Namespace = ()
    ) -> list[ExecutorStreamEvent]:
        """Interrupts no node end reported (static ones, or a node end never seen).

        Args:
            next_nodes: the nodes the run goes on with (``[]``: unknown).
            ns: the subgraph namespace of those nodes (``()``: the top level).
        """
        node = ", ".join(next_nodes) if next_nodes else "graph"
        events = [
            self.interrupt_event(node, ns, value, interrupt_id)
            for interrupt_id, value in self.pending_interrupts.items()
            if interrupt_id not in self.reported_interrupts
        ]
        self.pending_interrupts.clear()
        if self.static_interrupt and not events:
            events.append(self.interrupt_event(node, ns, None, None))
        self.static_interrupt = False
        return events

    @property
    def interrupted(self) -> bool:
        """Whether the run paused: at an ``interrupt()`` call or at a static breakpoint
        (``interrupt_before`` / ``interrupt_after``), reported or not yet."""
        return (
            self.run.interrupt_node is not None  # set here, when this stream reports a pause
            or self.static_interrupt
            or bool(self.pending_interrupts)
        )
