"""LangGraph stream chunks -> executor events, and the task lifecycle they show.

:class:`ChunkTranslator` reads the ``tasks``, ``updates``, ``custom`` and
``messages`` chunks of one ``astream`` call and returns the events each gives:
``node_start`` / ``node_end`` / ``node_error``, the task lifecycle
(``task_start``, ``task_complete``, ``task_failed``, ``task_skipped``,
``progress``) read from the nodes :class:`TaskNodes` names, ``state_update``,
``interrupt``, and the events nodes wrote to the custom stream. Chat-model
messages are handed to :class:`~ai_infra_executor.chat_messages.MessageTranslator`.
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
)

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
    name: str
    namespace: Namespace
    started: float
    input: Any


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
    ) -> None:
        self.run = run
        self.nodes = nodes
        self.include_state = include_state
        self.progress_events = progress_events
        self.state_updates = state_updates
        self.interval_s = interval_s
        self.running: dict[tuple[Namespace, str], _Running] = {}
        self.chat = MessageTranslator()
        self.pending_interrupts: dict[str, Any] = {}
        self.reported_interrupts: set[str] = set()
        self.static_interrupt = False
        self.top_level_error_reported = False

    def translate(self, item: Any, with_subgraphs: bool) -> list[ExecutorStreamEvent]:
        """The events one item of LangGraph's stream gives.

        Args:
            item: ``(mode, chunk)``, or ``(namespace, mode, chunk)`` with subgraphs.
            with_subgraphs: whether the stream was asked for with ``subgraphs=True``.
        """
        if with_subgraphs:
            raw_ns, mode, chunk = item
            ns: Namespace = tuple(str(part) for part in raw_ns)
        else:
            mode, chunk = item
            ns = ()
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
        now = time.perf_counter()
        node_input = chunk.get("input")
        self.running[(ns, str(chunk.get("id")))] = _Running(name, ns, now, node_input)
        if not ns and isinstance(node_input, Mapping):
            self.run.state = as_mapping(node_input)
        event = create_node_start_event(name, node_input, self.include_state)
        return [placed(event, ns)]

    def task_ended(self, ns: Namespace, chunk: Mapping[str, Any]) -> list[ExecutorStreamEvent]:
        name = str(chunk.get("name", ""))
        running = self.running.pop((ns, str(chunk.get("id"))), None)
        now = time.perf_counter()
        duration_ms = (now - running.started) * 1000 if running is not None else 0.0
        events = self.chat.flush_tool_calls(node=name, ns=ns)
        interrupts = chunk.get("interrupts") or ()
        if interrupts:
            events += self._interrupted(name, ns, interrupts)
            return events
        error = chunk.get("error")
        if error is not None:
            if not ns:
                self.top_level_error_reported = True
            events.append(placed(create_node_error_event(name, error, duration_ms), ns))
            return events
        result = as_mapping(chunk.get("result"))
        if not ns:
            entering = self.run.state
            self.run.state = {**entering, **result}
            events.append(
                create_node_end_event(name, duration_ms, self.run.state, self.include_state)
            )
            events += self._lifecycle(name, entering, result, running)
            events += self._state_update(name, now)
        else:
            events.append(
                placed(create_node_end_event(name, duration_ms, result, self.include_state), ns)
            )
        return events

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
        return create_node_error_event(", ".join(names) or graph_name, error, took)

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
        self.run.interrupt_node = node
        event = placed(create_interrupt_event(node, self.run.task), ns)
        event.data = {"value": value}
        if interrupt_id is not None:
            event.data["interrupt_id"] = interrupt_id
        return event

    def unclaimed_interrupts(self, next_nodes: Sequence[str]) -> list[ExecutorStreamEvent]:
        """Interrupts no node end reported (static ones, or a node end never seen)."""
        node = ", ".join(next_nodes) if next_nodes else "graph"
        events = [
            self.interrupt_event(node, (), value, interrupt_id)
            for interrupt_id, value in self.pending_interrupts.items()
            if interrupt_id not in self.reported_interrupts
        ]
        self.pending_interrupts.clear()
        if self.static_interrupt and not events:
            events.append(self.interrupt_event(node, (), None, None))
        self.static_interrupt = False
        return events

    @property
    def interrupted(self) -> bool:
        return (
            bool(self.reported_interrupts) or self.static_interrupt or bool(self.pending_interrupts)
        )

    # -- custom stream ----------------------------------------------------------

    def custom(self, ns: Namespace, chunk: Any) -> list[ExecutorStreamEvent]:
        try:
            event = from_core_event(chunk)
        except Exception:
            return []  # not an event (or not a readable one): data for some other consumer
        where: dict[str, Any] = {}
        if event.node_name is None:
            node = self._node_of(ns)
            if node is not None:
                where["node_name"] = node
        if event.namespace is None and ns:
            where["namespace"] = ns
        return [from_core_event(event, **where) if where else event]

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
