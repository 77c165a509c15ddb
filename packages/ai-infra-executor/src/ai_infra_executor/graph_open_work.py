"""Closing what a stream leaves open: tool calls without ``tool_end``, tasks without end.

Every ``tool_start`` gets its ``tool_end`` and every ``node_start`` its
``node_end`` or ``node_error`` by the end of a run (unless it paused at an
interrupt). LangGraph reports no end for a task that handed off with a
``Command`` to its parent graph (the ``tools`` task running a ``transfer_to_*``
handoff of langgraph-supervisor or -swarm), and streams the handoff's answer
only in the parent node's update: :class:`OpenWork` follows the open tool calls,
answers them from a node's update, and closes what a task's end (or the
stream's) leaves open.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ai_infra_executor.builders import create_node_end_event, create_node_error_event, error_text
from ai_infra_executor.events import ExecutorStreamEvent
from ai_infra_executor.graph_lifecycle import task_error
from ai_infra_executor.graph_stream_state import Running, StreamState
from ai_infra_executor.graph_values import Namespace, placed, tool_call_ids, tool_message_answers

__all__ = ["OpenWork"]


@dataclass(frozen=True)
class _OpenCall:
    """A tool call that got its ``tool_start`` and no ``tool_end`` yet."""

    node: str
    """The node whose chat model made the call."""
    namespace: Namespace


class OpenWork:
    """The open tool calls of one stream, and the closing of what is left open.

    Args:
        state: the stream's shared state (its running tasks are closed here).
    """

    def __init__(self, state: StreamState) -> None:
        self.state = state
        self.open_calls: dict[str, _OpenCall] = {}

    def note_tool_calls(self, events: list[ExecutorStreamEvent]) -> list[ExecutorStreamEvent]:
        """*events*, whose ``tool_start`` / ``tool_end`` open and close tool calls."""
        for event in events:
            call_id = event.tool_id
            if call_id is None:
                continue
            if event.type == "tool_start":
                where = tuple(event.namespace or ())
                self.open_calls[call_id] = _OpenCall(event.node_name or "", where)
            elif event.type == "tool_end":
                self.open_calls.pop(call_id, None)
        return events

    def _runner_of(self, call_id: str, call: _OpenCall) -> str:
        """The node running tool call *call_id*: the task in the call's namespace
        that was handed it, else the node that made it."""
        for task in self.state.running.values():
            if task.namespace == call.namespace and call_id in tool_call_ids(task.input):
                return task.name
        return call.node

    def answered(self, update: Mapping[str, Any]) -> list[ExecutorStreamEvent]:
        """``tool_end`` for the open tool calls a node's update answers.

        A handoff tool (``transfer_to_*`` of langgraph-supervisor or -swarm)
        answers with a ``ToolMessage`` inside the ``Command`` it raises to the
        parent graph: LangGraph streams that answer nowhere but in the update of
        the parent's node.
        """
        if not self.open_calls:
            return []
        events: list[ExecutorStreamEvent] = []
        for call_id, message in tool_message_answers(update).items():
            call = self.open_calls.get(call_id)
            if call is not None:
                node = self._runner_of(call_id, call)
                chat = self.state.chat
                events += self.note_tool_calls(chat.message(message, node, call.namespace))
        return events

    def close_inside(self, ended: Running | None, error: Any) -> list[ExecutorStreamEvent]:
        """What the end of task *ended* leaves open, closed.

        LangGraph reports no end for a task that handed off with a ``Command``
        to its parent graph (``ParentCommand``), nor for the tool calls it ran:
        once the task whose subgraph they ran in ends, they are closed with a
        ``tool_end`` carrying an error (no answer came) and a ``node_end``
        (``node_error`` with the task's *error*) whose ``data["closed_by"]``
        names that task. When *ended* failed (*error* set), the tool calls it
        was handed are closed too, with its error.
        """
        if ended is None:
            return []
        if error is None:
            why = f"no result: {ended.name} ended without answering this call"
        else:
            why = error_text(task_error(error))
        own = set(tool_call_ids(ended.input)) if error is not None else set()
        events: list[ExecutorStreamEvent] = []
        for call_id, call in list(self.open_calls.items()):
            if call_id in own and call.namespace == ended.namespace:
                node = ended.name
            elif ended.holds(call.namespace):
                node = self._runner_of(call_id, call)
            else:
                continue
            del self.open_calls[call_id]
            events.append(self.state.chat.unanswered_tool_end(call_id, node, call.namespace, why))
        inner = [task for task in self.state.running.values() if ended.holds(task.namespace)]
        events += self._close_tasks(inner, error, ended.name)
        return events

    def _close_tasks(
        self, tasks: list[Running], error: Any, closed_by: str
    ) -> list[ExecutorStreamEvent]:
        """``node_end`` (``node_error`` with *error*) for *tasks*, innermost first."""
        events = []
        now = time.perf_counter()
        for task in sorted(tasks, key=lambda t: len(t.namespace), reverse=True):
            self.state.running.pop((task.namespace, task.task_id), None)
            took = (now - task.started) * 1000
            if error is None:
                event = create_node_end_event(task.name, took)
            else:
                event = create_node_error_event(task.name, task_error(error), took)
            event.data["task_id"] = task.task_id
            event.data["closed_by"] = closed_by
            events.append(placed(event, task.namespace))
        return events

    def close_open(self, error: BaseException | None, *, paused: bool) -> list[ExecutorStreamEvent]:
        """The events that close what the stream leaves open, before it ends.

        The ``tool_start`` events still held back; then, unless the run paused at
        an interrupt, a ``tool_end`` carrying an error for every tool call with
        no answer, and a ``node_end`` (``node_error`` when the graph raised
        *error*) with ``data["closed_by"] == "run_end"`` for every task LangGraph
        did not report ended. Top-level tasks still running when the graph raised
        are left to :meth:`~ai_infra_executor.graph_tasks.TaskTranslator.graph_error`,
        unless a top-level ``node_error`` was already reported.

        Args:
            error: what the graph raised (``None``: the stream ended normally).
            paused: the run paused at an interrupt.
        """
        events = self.note_tool_calls(self.state.chat.flush_tool_calls())
        if error is None and paused:
            return events
        if error is None:
            why = "no result: the run ended before this call was answered"
        else:
            why = error_text(error)
        for call_id, call in list(self.open_calls.items()):
            node = self._runner_of(call_id, call)
            events.append(self.state.chat.unanswered_tool_end(call_id, node, call.namespace, why))
        self.open_calls.clear()
        spare_top_level = error is not None and not self.state.top_level_error_reported
        tasks = [t for t in self.state.running.values() if t.namespace or not spare_top_level]
        events += self._close_tasks(tasks, error, "run_end")
        return events
