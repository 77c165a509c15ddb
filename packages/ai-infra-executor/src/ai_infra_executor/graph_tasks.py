"""The ``tasks`` stream mode: node starts and ends, and what a node's end brings.

A task's start gives ``node_start``; its end gives the ``tool_start`` events its
chat model still held back, then its ``interrupt`` (it paused), ``node_error``
(it raised) or ``node_end``, after closing what it leaves open
(:mod:`~ai_infra_executor.graph_open_work`). A top-level node's end moves the
run's state on and gives its task-lifecycle events
(:mod:`~ai_infra_executor.graph_lifecycle`) and ``state_update``.

Node events carry LangGraph's task id in ``data["task_id"]``: the parallel tasks
of one node (two tool calls run as two ``tools`` tasks) pair start to end by it.
A task started by ``Send()`` is handed a payload, not the graph's state: its
``node_start`` / ``node_end`` / ``state_update`` show the graph's state (none for
such a task inside a subgraph, whose state is not followed).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from ai_infra_executor.builders import (
    create_node_end_event,
    create_node_error_event,
    create_node_start_event,
    create_state_update_event,
)
from ai_infra_executor.events import ExecutorStreamEvent
from ai_infra_executor.graph_interrupts import InterruptTranslator
from ai_infra_executor.graph_lifecycle import TaskLifecycle
from ai_infra_executor.graph_open_work import OpenWork
from ai_infra_executor.graph_stream_state import Running, StreamState
from ai_infra_executor.graph_values import Namespace, as_mapping, placed, sent

__all__ = ["TaskTranslator"]


class TaskTranslator:
    """The events of ``tasks`` chunks.

    Args:
        state: the stream's shared state (its running tasks are kept here).
        lifecycle: gives the task-lifecycle events of a top-level node's end.
        interrupts: reports the interrupts a task ended with.
        open_work: closes what a task's end leaves open.
        include_state: put a state snapshot in ``node_start`` / ``node_end``.
        state_updates: emit ``state_update`` after each top-level node.
        interval_s: the least time between two ``state_update`` events, in seconds.
    """

    def __init__(
        self,
        state: StreamState,
        lifecycle: TaskLifecycle,
        interrupts: InterruptTranslator,
        open_work: OpenWork,
        *,
        include_state: bool,
        state_updates: bool,
        interval_s: float,
    ) -> None:
        self.state = state
        self.lifecycle = lifecycle
        self.interrupts = interrupts
        self.open_work = open_work
        self.include_state = include_state
        self.state_updates = state_updates
        self.interval_s = interval_s

    def translate(self, ns: Namespace, chunk: Mapping[str, Any]) -> list[ExecutorStreamEvent]:
        """The events of the ``tasks`` *chunk* from namespace *ns*: a start or an end."""
        if "input" in chunk:
            return self.task_started(ns, chunk)
        return self.task_ended(ns, chunk)

    def task_started(self, ns: Namespace, chunk: Mapping[str, Any]) -> list[ExecutorStreamEvent]:
        """``node_start`` for the task *chunk* announces."""
        name = str(chunk.get("name", ""))
        task_id = str(chunk.get("id"))
        now = time.perf_counter()
        node_input = chunk.get("input")
        self.state.running[(ns, task_id)] = Running(name, ns, now, node_input, task_id)
        shown: Any = node_input
        if sent(chunk.get("triggers")):
            # The input is the Send payload, not the graph's state (known only
            # at the top level).
            shown = None if ns else self.state.run.state
        elif not ns and isinstance(node_input, Mapping):
            self.state.run.state = as_mapping(node_input)
        event = create_node_start_event(name, shown, self.include_state)
        event.data["task_id"] = task_id
        return [placed(event, ns)]

    def task_ended(self, ns: Namespace, chunk: Mapping[str, Any]) -> list[ExecutorStreamEvent]:
        """The events of the end of the task *chunk* reports."""
        name = str(chunk.get("name", ""))
        task_id = str(chunk.get("id"))
        running = self.state.running.pop((ns, task_id), None)
        now = time.perf_counter()
        duration_ms = (now - running.started) * 1000 if running is not None else 0.0
        flushed = self.state.chat.flush_tool_calls(node=name, ns=ns)
        events = self.open_work.note_tool_calls(flushed)
        interrupts = chunk.get("interrupts") or ()
        if interrupts:
            events += self.interrupts.task_interrupted(name, ns, interrupts)
            return events
        error = chunk.get("error")
        if error is not None:
            if not ns:
                self.state.top_level_error_reported = True
            events += self.open_work.close_inside(running, error)
            event = create_node_error_event(name, error, duration_ms)
            event.data["task_id"] = task_id
            events.append(placed(event, ns))
            return events
        result = as_mapping(chunk.get("result"))
        events += self.open_work.answered(result)
        events += self.open_work.close_inside(running, None)
        if not ns:
            run = self.state.run
            entering = run.state
            run.state = {**entering, **result}
            event = create_node_end_event(name, duration_ms, run.state, self.include_state)
            event.data["task_id"] = task_id
            events.append(event)
            received = running.input if running is not None else entering
            events += self.lifecycle.node_ended(name, entering, result, received)
            events += self._state_update(name, now)
        else:
            event = create_node_end_event(name, duration_ms, result, self.include_state)
            event.data["task_id"] = task_id
            events.append(placed(event, ns))
        return events

    def graph_error(self, error: BaseException, graph_name: str) -> ExecutorStreamEvent:
        """``node_error`` for an error no node end reported: blamed on the top-level
        nodes still running (else on the graph itself)."""
        running = [r for r in self.state.running.values() if not r.namespace]
        names = sorted({r.name for r in running})
        started = min((r.started for r in running), default=time.perf_counter())
        took = (time.perf_counter() - started) * 1000
        event = create_node_error_event(", ".join(names) or graph_name, error, took)
        if len(running) == 1:
            event.data["task_id"] = running[0].task_id
        return event

    def _state_update(self, name: str, now: float) -> list[ExecutorStreamEvent]:
        if not self.state_updates:
            return []
        run = self.state.run
        if now - run.last_state_update >= self.interval_s:
            run.last_state_update = now
            run.pending_state_update = None
            return [create_state_update_event(name, run.state)]
        run.pending_state_update = name
        return []

    def trailing_state_update(self) -> list[ExecutorStreamEvent]:
        """The state update the interval held back, if any (sent before the stream ends)."""
        run = self.state.run
        name = run.pending_state_update
        if name is None:
            return []
        run.pending_state_update = None
        run.last_state_update = time.perf_counter()
        return [create_state_update_event(name, run.state)]
