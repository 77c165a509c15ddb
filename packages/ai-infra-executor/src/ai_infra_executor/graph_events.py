"""LangGraph stream chunks -> executor events, and the task lifecycle they show.

:class:`ChunkTranslator` reads the ``tasks``, ``updates``, ``custom`` and
``messages`` chunks of one ``astream`` call and returns the events each gives:
``node_start`` / ``node_end`` / ``node_error``, the task lifecycle
(``task_start``, ``task_complete``, ``task_failed``, ``task_skipped``,
``progress``) read from the nodes :class:`TaskNodes` names, ``state_update``,
``interrupt``, and the events nodes wrote to the custom stream. Chat-model
messages are handed to :class:`~ai_infra_executor.chat_messages.MessageTranslator`.

Node events carry LangGraph's task id in ``data["task_id"]``: the parallel tasks
of one node (two tool calls run as two ``tools`` tasks) pair start to end by it.
A task started by ``Send()`` is handed a payload, not the graph's state: its
``node_start`` / ``node_end`` / ``state_update`` show the graph's state (none for
such a task inside a subgraph, whose state is not followed).

Every ``tool_start`` gets its ``tool_end`` and every ``node_start`` its
``node_end`` or ``node_error`` by the end of a run (unless it paused at an
interrupt). LangGraph reports no end for a task that handed off with a
``Command`` to its parent graph (the ``tools`` task running a ``transfer_to_*``
handoff of langgraph-supervisor or -swarm), and streams the handoff's answer
only in the parent node's update: when a task ends, the tool calls its update
answers get their ``tool_end`` (a handoff's result is the tool's own message,
"Successfully transferred to bob"), and the tasks still open inside its
subgraph are closed (``data["closed_by"]`` names it). A task that raised first
closes the tool calls it was handed with a ``tool_end`` carrying its error.

When subgraphs are not shown (``show_subgraphs=False``) the stream is still
read with subgraphs: a subgraph's chat-model messages and custom events are
given live as its top-level node's, and its nodes give no events.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ai_infra_executor.builders import (
    create_interrupt_event,
    create_node_end_event,
    create_node_error_event,
    create_node_start_event,
    create_progress_event,
    create_state_update_event,
    create_task_complete_event,
    create_task_failed_event,
    create_task_skipped_event,
    create_task_start_event,
    error_text,
    task_to_dict,
)
from ai_infra_executor.chat_messages import MessageTranslator
from ai_infra_executor.events import ExecutorStreamEvent, from_core_event
from ai_infra_executor.graph_run import Run
from ai_infra_executor.graph_values import (
    Namespace,
    as_mapping,
    get_field,
    placed,
    plain,
    readable,
    sent,
    tool_call_ids,
    tool_message_answers,
)
from ai_infra_formatters.event_types import KNOWN_EVENT_TYPES
from ai_infra_formatters.events import event_type_of

__all__ = ["ChunkTranslator", "TaskNodes"]

_INTERRUPT_KEY: Final = "__interrupt__"


@dataclass(frozen=True)
class TaskNodes:
    """Which nodes make up a task's lifecycle, and which state keys they are read from.

    A task is *started* when the :attr:`pick` node ends, read from the state key
    :attr:`current_task_key` (a dict, or an object with id / title / status) of the
    state after that node's update. It is *complete* when :attr:`checkpoint` ends,
    *failed* when :attr:`failure` ends (the reason is the state's
    :attr:`error_key` as that node received it, else as it left it) and *skipped*
    when :attr:`skip` ends (the reason is :attr:`skip_reason_key`). Only nodes of
    the top-level graph count: a subgraph's nodes never start or end a task.

    Attributes:
        pick: the node that chooses the next task.
        checkpoint: the node that records a task as done.
        failure: the node that handles a failed task.
        skip: the node that passes over a task (``None``: no such node).
        current_task_key: the state key holding the task being worked on.
        todos_key: the state key listing every task (its length is the total, a
            task's position in it its number); may be absent.
        total_tasks_key: a state key holding the total as a number, read when
            :attr:`todos_key` is absent.
        error_key: the state key holding why a task failed.
        files_modified_key: the state key holding the files a task changed (a
            count, or a list whose length is the count).
        skip_reason_key: the state key holding why a task was skipped.
        roadmap_key: the state key holding the roadmap's path, for ``run_start``.
    """

    pick: str = "pick_task"
    checkpoint: str = "checkpoint"
    failure: str = "handle_failure"
    skip: str | None = "skip_task"
    current_task_key: str = "current_task"
    todos_key: str = "todos"
    total_tasks_key: str = "total_tasks"
    error_key: str = "error"
    files_modified_key: str = "files_modified"
    skip_reason_key: str = "skip_reason"
    roadmap_key: str = "roadmap_path"


def _task_key(task: Mapping[str, Any]) -> str:
    for name in ("id", "title"):
        value = task.get(name)
        if value is not None:
            text = readable(value, name)
            if text:
                return f"{name}:{text}"
    try:
        return f"repr:{task!r}"
    except Exception:
        return f"object:{id(task)}"


def _count_of(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return len(value)
    return 0


def _error_of(error: Any) -> BaseException | str:
    if isinstance(error, BaseException):
        return error
    text = "" if error is None else error_text(error)
    return text or "task failed"


def _first_set(value: Any, fallback: Any) -> Any:
    """*value* unless it is empty (``None``, ``""``, ``0``, ...), else *fallback*;
    a value whose truth cannot be read counts as set."""
    if value is None:
        return fallback
    try:
        return value or fallback
    except Exception:
        return value


@dataclass
class _Running:
    """A task LangGraph announced and has not reported ended."""

    name: str
    namespace: Namespace
    started: float
    input: Any
    task_id: str

    @property
    def path(self) -> Namespace:
        """The namespace of the subgraph this task runs, if it runs one."""
        return (*self.namespace, f"{self.name}:{self.task_id}")

    def holds(self, ns: Namespace) -> bool:
        """Whether namespace *ns* is inside this task's subgraph."""
        path = self.path
        return ns[: len(path)] == path


@dataclass(frozen=True)
class _OpenCall:
    """A tool call that got its ``tool_start`` and no ``tool_end`` yet."""

    node: str
    """The node whose chat model made the call."""
    namespace: Namespace


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
        self.run = run
        self.nodes = nodes
        self.include_state = include_state
        self.progress_events = progress_events
        self.state_updates = state_updates
        self.interval_s = interval_s
        self.show_subgraphs = show_subgraphs
        self.running: dict[tuple[Namespace, str], _Running] = {}
        self.open_calls: dict[str, _OpenCall] = {}
        self.chat = MessageTranslator()
        self.pending_interrupts: dict[str, Any] = {}
        self.reported_interrupts: set[str] = set()
        self.static_interrupt = False
        self.paused = False
        self.top_level_error_reported = False

    def translate(self, item: Any, with_subgraphs: bool) -> list[ExecutorStreamEvent]:
        """The events one item of LangGraph's stream gives.

        Args:
            item: ``(mode, chunk)``, or ``(namespace, mode, chunk)`` with subgraphs.
            with_subgraphs: whether the stream was asked for with ``subgraphs=True``.
        """
        return self._note_tool_calls(self._translate(item, with_subgraphs))

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
            if "input" in chunk:
                return self.task_started(ns, chunk)
            return self.task_ended(ns, chunk)
        if mode == "custom":
            return self.custom(ns, chunk)
        if mode == "messages":
            return self.message(ns, chunk)
        if mode == "updates":
            return self.updates(ns, chunk)
        return []

    # -- tasks ---------------------------------------------------------------

    def task_started(self, ns: Namespace, chunk: Mapping[str, Any]) -> list[ExecutorStreamEvent]:
        name = str(chunk.get("name", ""))
        task_id = str(chunk.get("id"))
        now = time.perf_counter()
        node_input = chunk.get("input")
        self.running[(ns, task_id)] = _Running(name, ns, now, node_input, task_id)
        state: Any = node_input
        if sent(chunk.get("triggers")):
            # The input is the Send payload, not the graph's state (known only
            # at the top level).
            state = None if ns else self.run.state
        elif not ns and isinstance(node_input, Mapping):
            self.run.state = as_mapping(node_input)
        event = create_node_start_event(name, state, self.include_state)
        event.data["task_id"] = task_id
        return [placed(event, ns)]

    def task_ended(self, ns: Namespace, chunk: Mapping[str, Any]) -> list[ExecutorStreamEvent]:
        name = str(chunk.get("name", ""))
        task_id = str(chunk.get("id"))
        running = self.running.pop((ns, task_id), None)
        now = time.perf_counter()
        duration_ms = (now - running.started) * 1000 if running is not None else 0.0
        events = self._note_tool_calls(self.chat.flush_tool_calls(node=name, ns=ns))
        interrupts = chunk.get("interrupts") or ()
        if interrupts:
            events += self._interrupted(name, ns, interrupts)
            return events
        error = chunk.get("error")
        if error is not None:
            if not ns:
                self.top_level_error_reported = True
            events += self._close_inside(running, error)
            event = create_node_error_event(name, error, duration_ms)
            event.data["task_id"] = task_id
            events.append(placed(event, ns))
            return events
        result = as_mapping(chunk.get("result"))
        events += self._answered(result)
        events += self._close_inside(running, None)
        if not ns:
            entering = self.run.state
            self.run.state = {**entering, **result}
            event = create_node_end_event(name, duration_ms, self.run.state, self.include_state)
            event.data["task_id"] = task_id
            events.append(event)
            events += self._lifecycle(name, entering, result, running)
            events += self._state_update(name, now)
        else:
            event = create_node_end_event(name, duration_ms, result, self.include_state)
            event.data["task_id"] = task_id
            events.append(placed(event, ns))
        return events

    # -- what a task leaves open ----------------------------------------------

    def _note_tool_calls(self, events: list[ExecutorStreamEvent]) -> list[ExecutorStreamEvent]:
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
        for task in self.running.values():
            if task.namespace == call.namespace and call_id in tool_call_ids(task.input):
                return task.name
        return call.node

    def _answered(self, update: Mapping[str, Any]) -> list[ExecutorStreamEvent]:
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
                events += self._note_tool_calls(self.chat.message(message, node, call.namespace))
        return events

    def _close_inside(self, ended: _Running | None, error: Any) -> list[ExecutorStreamEvent]:
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
            why = error_text(_error_of(error))
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
            events.append(self.chat.unanswered_tool_end(call_id, node, call.namespace, why))
        inner = [task for task in self.running.values() if ended.holds(task.namespace)]
        events += self._close_tasks(inner, error, ended.name)
        return events

    def _close_tasks(
        self, tasks: list[_Running], error: Any, closed_by: str
    ) -> list[ExecutorStreamEvent]:
        """``node_end`` (``node_error`` with *error*) for *tasks*, innermost first."""
        events = []
        now = time.perf_counter()
        for task in sorted(tasks, key=lambda t: len(t.namespace), reverse=True):
            self.running.pop((task.namespace, task.task_id), None)
            took = (now - task.started) * 1000
            if error is None:
                event = create_node_end_event(task.name, took)
            else:
                event = create_node_error_event(task.name, _error_of(error), took)
            event.data["task_id"] = task.task_id
            event.data["closed_by"] = closed_by
            events.append(placed(event, task.namespace))
        return events

    def close_open(self, error: BaseException | None = None) -> list[ExecutorStreamEvent]:
        """The events that close what the stream leaves open, before it ends.

        The ``tool_start`` events still held back; then, unless the run paused at
        an interrupt, a ``tool_end`` carrying an error for every tool call with
        no answer, and a ``node_end`` (``node_error`` when the graph raised
        *error*) with ``data["closed_by"] == "run_end"`` for every task LangGraph
        did not report ended. Top-level tasks still running when the graph raised
        are left to :meth:`graph_error`, unless a top-level ``node_error`` was
        already reported.

        Args:
            error: what the graph raised (``None``: the stream ended normally).
        """
        events = self._note_tool_calls(self.chat.flush_tool_calls())
        if error is None and self.interrupted:
            return events
        if error is None:
            why = "no result: the run ended before this call was answered"
        else:
            why = error_text(error)
        for call_id, call in list(self.open_calls.items()):
            node = self._runner_of(call_id, call)
            events.append(self.chat.unanswered_tool_end(call_id, node, call.namespace, why))
        self.open_calls.clear()
        spare_top_level = error is not None and not self.top_level_error_reported
        tasks = [t for t in self.running.values() if t.namespace or not spare_top_level]
        events += self._close_tasks(tasks, error, "run_end")
        return events

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
                for event in self.custom((), chunk)
            ]
        if mode == "updates":
            return self.updates(ns, chunk)
        return []

    # -- the task lifecycle ---------------------------------------------------

    def _lifecycle(
        self,
        name: str,
        entering: Mapping[str, Any],
        result: Mapping[str, Any],
        running: _Running | None,
    ) -> list[ExecutorStreamEvent]:
        nodes, run = self.nodes, self.run
        state = run.state
        if name == nodes.pick:
            task = state.get(nodes.current_task_key)
            if task is None:
                return []
            run.task = task_to_dict(task)
            run.task_started = time.perf_counter()
            run.tasks_started += 1
            total = self._total()
            number = self._number(run.task) or run.tasks_started
            return [create_task_start_event(task, number, total)]
        task = run.task
        if task is None:
            raw = _first_set(
                state.get(nodes.current_task_key), entering.get(nodes.current_task_key)
            )
            task = task_to_dict(raw) if raw is not None else None
        if task is None:
            return []
        took = (time.perf_counter() - run.task_started) * 1000 if run.task_started else 0.0
        if name == nodes.checkpoint:
            files = _count_of(state.get(nodes.files_modified_key))
            return self._ended(task, "completed", create_task_complete_event(task, took, files))
        if name == nodes.failure:
            received = running.input if running is not None else entering
            error = _first_set(get_field(received, nodes.error_key), result.get(nodes.error_key))
            event = create_task_failed_event(task, _error_of(error), took)
            return self._ended(task, "failed", event)
        if nodes.skip is not None and name == nodes.skip:
            reason = _first_set(
                result.get(nodes.skip_reason_key), entering.get(nodes.skip_reason_key)
            )
            event = create_task_skipped_event(task, "" if reason is None else readable(reason))
            return self._ended(task, "skipped", event)
        return []

    def _ended(
        self, task: dict[str, Any], outcome: str, event: ExecutorStreamEvent
    ) -> list[ExecutorStreamEvent]:
        run = self.run
        run.outcomes[_task_key(task)] = outcome
        run.task = None
        run.task_started = None
        return [event, *self.progress()]

    def graph_error(self, error: BaseException, graph_name: str) -> ExecutorStreamEvent:
        """``node_error`` for an error no node end reported: blamed on the top-level
        nodes still running (else on the graph itself)."""
        running = [r for r in self.running.values() if not r.namespace]
        names = sorted({r.name for r in running})
        started = min((r.started for r in running), default=time.perf_counter())
        took = (time.perf_counter() - started) * 1000
        event = create_node_error_event(", ".join(names) or graph_name, error, took)
        if len(running) == 1:
            event.data["task_id"] = running[0].task_id
        return event

    def fail_current_task(self, error: BaseException) -> list[ExecutorStreamEvent]:
        """``task_failed`` for the task in progress when the graph raised, if any."""
        task = self.run.task
        if task is None:
            return []
        started = self.run.task_started
        took = (time.perf_counter() - started) * 1000 if started else 0.0
        return self._ended(task, "failed", create_task_failed_event(task, error, took))

    def progress(self) -> list[ExecutorStreamEvent]:
        """A ``progress`` event, at most one per interval (the last task's always)."""
        if not self.progress_events:
            return []
        run = self.run
        now = time.perf_counter()
        done = sum(run.counts())
        total = self._total()
        last = total > 0 and done >= total
        if not (last or now - run.last_progress >= self.interval_s):
            return []
        run.last_progress = now
        return [create_progress_event(done, total)]

    def _total(self) -> int:
        state = self.run.state
        todos = state.get(self.nodes.todos_key)
        if isinstance(todos, (list, tuple)):
            return len(todos)
        total = state.get(self.nodes.total_tasks_key)
        if isinstance(total, int) and not isinstance(total, bool) and total > 0:
            return total
        return self.run.total_tasks

    def _number(self, task: Mapping[str, Any]) -> int:
        todos = self.run.state.get(self.nodes.todos_key)
        if not isinstance(todos, (list, tuple)):
            return 0
        wanted = task.get("id")
        if wanted is None:
            return 0
        wanted_text = readable(wanted, "id")
        for index, item in enumerate(todos, start=1):
            item_id = plain(get_field(item, "id"))
            if item_id is not None and readable(item_id, "id") == wanted_text:
                return index
        return 0

    # -- state updates --------------------------------------------------------

    def _state_update(self, name: str, now: float) -> list[ExecutorStreamEvent]:
        if not self.state_updates:
            return []
        run = self.run
        if now - run.last_state_update >= self.interval_s:
            run.last_state_update = now
            run.pending_state_update = None
            return [create_state_update_event(name, run.state)]
        run.pending_state_update = name
        return []

    def trailing_state_update(self) -> list[ExecutorStreamEvent]:
        """The state update the interval held back, if any (sent before the stream ends)."""
        name = self.run.pending_state_update
        if name is None:
            return []
        self.run.pending_state_update = None
        self.run.last_state_update = time.perf_counter()
        return [create_state_update_event(name, self.run.state)]

    # -- interrupts -----------------------------------------------------------

    def updates(self, ns: Namespace, chunk: Any) -> list[ExecutorStreamEvent]:
        if not isinstance(chunk, Mapping) or _INTERRUPT_KEY not in chunk:
            return []
        interrupts = chunk[_INTERRUPT_KEY] or ()
        if not interrupts:
            # interrupt_before / interrupt_after: no node is running to claim it.
            self.static_interrupt = True
        for item in interrupts:
            interrupt_id = str(get_field(item, "id"))
            self.pending_interrupts[interrupt_id] = get_field(item, "value")
        return []

    def _interrupted(
        self, name: str, ns: Namespace, interrupts: Iterable[Any]
    ) -> list[ExecutorStreamEvent]:
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
        self.paused = True
        self.run.interrupt_node = node
        self.run.interrupt_namespace = ns
        event = placed(create_interrupt_event(node, self.run.task), ns)
        event.data = {"value": value}
        if interrupt_id is not None:
            event.data["interrupt_id"] = interrupt_id
        return event

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
        return self.paused or self.static_interrupt or bool(self.pending_interrupts)

    # -- custom stream ----------------------------------------------------------

    def custom(self, ns: Namespace, chunk: Any) -> list[ExecutorStreamEvent]:
        try:
            event = from_core_event(chunk)
        except Exception as exc:
            return self._unreadable_custom(ns, chunk, exc)
        where: dict[str, Any] = {}
        if event.node_name is None:
            node = self._node_of(ns)
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
        return [placed(ExecutorStreamEvent("error", error=error, node_name=self._node_of(ns)), ns)]

    def _node_of(self, ns: Namespace) -> str | None:
        names = {r.name for (space, _), r in self.running.items() if space == ns}
        return names.pop() if len(names) == 1 else None

    # -- chat model messages ------------------------------------------------------

    def message(self, ns: Namespace, chunk: Any) -> list[ExecutorStreamEvent]:
        if not isinstance(chunk, tuple) or len(chunk) != 2:
            return []
        message, metadata = chunk
        node = get_field(metadata, "langgraph_node")
        node_name = str(node) if node is not None else (self._node_of(ns) or "")
        return self.chat.message(message, node_name, ns)
