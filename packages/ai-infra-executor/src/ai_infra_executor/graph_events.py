"""LangGraph stream chunks -> executor events: one translator per stream mode.

:class:`ChunkTranslator` reads the ``tasks``, ``updates``, ``custom`` and
``messages`` chunks of one ``astream`` call and hands each to the translator of
its mode, which returns the events it gives:

- ``tasks``: :class:`~ai_infra_executor.graph_tasks.TaskTranslator`
  (``node_start`` / ``node_end`` / ``node_error``, ``state_update``, and the
  task lifecycle of :class:`~ai_infra_executor.graph_lifecycle.TaskLifecycle`
  read from the nodes :class:`TaskNodes` names);
- ``updates``: :class:`~ai_infra_executor.graph_interrupts.InterruptTranslator`
  (``interrupt``, and whether the run paused);
- ``custom``: :class:`~ai_infra_executor.graph_custom.CustomTranslator` (the
  events nodes wrote);
- ``messages``: :class:`~ai_infra_executor.chat_messages.MessageTranslator`
  (chat-model messages).

What a stream leaves open (tool calls without ``tool_end``, tasks LangGraph
reports no end for) is followed and closed by
:class:`~ai_infra_executor.graph_open_work.OpenWork`. The translators share the
run, its running tasks and its chat in one
:class:`~ai_infra_executor.graph_stream_state.StreamState`, which this
dispatcher owns.

When subgraphs are not shown (``show_subgraphs=False``) the stream is still
read with subgraphs: a subgraph's chat-model messages and custom events are
given live as its top-level node's, and its nodes give no events.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ai_infra_executor.events import ExecutorStreamEvent, from_core_event
from ai_infra_executor.graph_custom import CustomTranslator
from ai_infra_executor.graph_interrupts import InterruptTranslator
from ai_infra_executor.graph_lifecycle import TaskLifecycle, TaskNodes
from ai_infra_executor.graph_open_work import OpenWork
from ai_infra_executor.graph_run import Run
from ai_infra_executor.graph_stream_state import StreamState
from ai_infra_executor.graph_tasks import TaskTranslator
from ai_infra_executor.graph_values import Namespace, get_field

__all__ = ["ChunkTranslator", "TaskNodes"]


class ChunkTranslator:
    """Turns the ``(namespace, mode, chunk)`` triples of one stream into executor events.

    Knows nothing of how the stream is driven; every method returns the events
    one chunk gives, before filtering by the streaming config. Chat-model
    messages go to :attr:`chat`, whose ``flush_tool_calls()`` gives the
    ``tool_start`` events still held back when the stream ends.

    Args:
        run: the run being streamed; its state, task and counts are updated.
        nodes: the nodes and state keys of the task lifecycle.
        include_state: put a state snapshot in ``node_start`` / ``node_end``.
        progress_events: emit ``progress`` when a task ends.
        state_updates: emit ``state_update`` after each top-level node.
        interval_s: the least time between two ``progress`` (or two
            ``state_update``) events, in seconds.
        show_subgraphs: show the nodes of subgraphs, with their namespace. When
            ``False``, a chunk from inside a subgraph (of a stream asked for with
            ``subgraphs=True``) gives only its chat-model messages and its
            custom events, as the top-level node's, as they come; see
            :meth:`from_hidden_subgraph`.
    """

    def __init__(
        self,
        run: Run,
        nodes: TaskNodes,
        *,
        include_state: bool,
        progress_events: bool,
        state_updates: bool,
        interval_s: float,
        show_subgraphs: bool = True,
    ) -> None:
        self.show_subgraphs = show_subgraphs
        self.state = StreamState(run)
        self.chat = self.state.chat
        self.lifecycle = TaskLifecycle(
            run, nodes, progress_events=progress_events, interval_s=interval_s
        )
        self.interrupts = InterruptTranslator(run)
        self.open_work = OpenWork(self.state)
        self.tasks = TaskTranslator(
            self.state,
            self.lifecycle,
            self.interrupts,
            self.open_work,
            include_state=include_state,
            state_updates=state_updates,
            interval_s=interval_s,
        )
        self.custom = CustomTranslator(self.state)

    def translate(self, item: Any, with_subgraphs: bool) -> list[ExecutorStreamEvent]:
        """The events one item of LangGraph's stream gives.

        Args:
            item: ``(mode, chunk)``, or ``(namespace, mode, chunk)`` with subgraphs.
            with_subgraphs: whether the stream was asked for with ``subgraphs=True``.
        """
        return self.open_work.note_tool_calls(self._translate(item, with_subgraphs))

    def _translate(self, item: Any, with_subgraphs: bool) -> list[ExecutorStreamEvent]:
        if with_subgraphs:
            raw_ns, mode, chunk = item
            ns: Namespace = tuple(str(part) for part in raw_ns)
        else:
            mode, chunk = item
            ns = ()
        if ns and not self.show_subgraphs:
            return self.from_hidden_subgraph(ns, mode, chunk)
        if mode == "tasks":
            return self.tasks.translate(ns, chunk)
        if mode == "custom":
            return self.custom.translate(ns, chunk)
        if mode == "messages":
            return self.message(ns, chunk)
        if mode == "updates":
            return self.interrupts.translate(ns, chunk)
        return []

    def from_hidden_subgraph(
        self, ns: Namespace, mode: str, chunk: Any
    ) -> list[ExecutorStreamEvent]:
        """The events of a chunk from inside a subgraph whose nodes are not shown.

        Chat-model messages and custom events stream live, as the top-level
        node's (the one whose subgraph it is: no namespace), with their real
        timing; the subgraph's nodes give no events; its interrupts are
        reported by the top-level node, as without subgraphs.

        Args:
            ns: the chunk's namespace (not empty).
            mode: its stream mode.
            chunk: the chunk.
        """
        node = ns[0].partition(":")[0]
        if mode == "messages":
            if not isinstance(chunk, tuple) or len(chunk) != 2:
                return []
            return self.chat.message(chunk[0], node, ())
        if mode == "custom":
            return [
                event if event.node_name is not None else from_core_event(event, node_name=node)
                for event in self.custom.translate((), chunk)
            ]
        if mode == "updates":
            return self.interrupts.translate(ns, chunk)
        return []

    def message(self, ns: Namespace, chunk: Any) -> list[ExecutorStreamEvent]:
        """The events of the ``messages`` *chunk* ``(message, metadata)`` from *ns*."""
        if not isinstance(chunk, tuple) or len(chunk) != 2:
            return []
        message, metadata = chunk
        node = get_field(metadata, "langgraph_node")
        node_name = str(node) if node is not None else (self.state.node_of(ns) or "")
        return self.chat.message(message, node_name, ns)

    # -- the end of the stream, as the executor drives it ---------------------

    def close_open(self, error: BaseException | None = None) -> list[ExecutorStreamEvent]:
        """The events that close what the stream leaves open, before it ends (see
        :meth:`~ai_infra_executor.graph_open_work.OpenWork.close_open`).

        Args:
            error: what the graph raised (``None``: the stream ended normally).
        """
        return self.open_work.close_open(error, paused=self.interrupts.interrupted)

    def graph_error(self, error: BaseException, graph_name: str) -> ExecutorStreamEvent:
        """``node_error`` for an error no node end reported: blamed on the top-level
        nodes still running (else on the graph itself)."""
        return self.tasks.graph_error(error, graph_name)

    def fail_current_task(self, error: BaseException) -> list[ExecutorStreamEvent]:
        """``task_failed`` for the task in progress when the graph raised, if any."""
        return self.lifecycle.fail_current_task(error)

    def trailing_state_update(self) -> list[ExecutorStreamEvent]:
        """The state update the interval held back, if any (sent before the stream ends)."""
        return self.tasks.trailing_state_update()

    def unclaimed_interrupts(
        self, next_nodes: Sequence[str], ns: Namespace = ()
    ) -> list[ExecutorStreamEvent]:
        """Interrupts no node end reported (static ones, or a node end never seen).

        Args:
            next_nodes: the nodes the run goes on with (``[]``: unknown).
            ns: the subgraph namespace of those nodes (``()``: the top level).
        """
        return self.interrupts.unclaimed_interrupts(next_nodes, ns)

    @property
    def pending_interrupts(self) -> dict[str, Any]:
        """The interrupts seen in ``updates`` and not yet reported, by id."""
        return self.interrupts.pending_interrupts

    @property
    def static_interrupt(self) -> bool:
        """Whether the run stopped at a static breakpoint not yet reported."""
        return self.interrupts.static_interrupt

    @property
    def interrupted(self) -> bool:
        """Whether the run paused: at an ``interrupt()`` call or at a static breakpoint
        (``interrupt_before`` / ``interrupt_after``), reported or not yet."""
        return self.interrupts.interrupted

    @property
    def top_level_error_reported(self) -> bool:
        """Whether a top-level node's ``node_error`` was given."""
        return self.state.top_level_error_reported
