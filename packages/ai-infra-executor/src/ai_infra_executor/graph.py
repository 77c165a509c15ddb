"""`StreamingExecutor`: executor events while a compiled LangGraph graph runs.

Needs the ``langgraph`` extra (``pip install "ai-infra-executor[langgraph]"``);
nothing else in the package imports LangGraph.

The graph is run with ``astream(..., stream_mode=["tasks", "updates", "custom",
"messages"])`` and each chunk becomes executor events:

* ``tasks``: LangGraph announces a node before it runs and reports it when it
  ends (with its error or its interrupts). That gives ``node_start`` /
  ``node_end`` (the duration is the time between the two announcements),
  ``node_error``, and the task lifecycle, read from the nodes named in
  :class:`TaskNodes`.
* ``custom``: whatever a node wrote with ``langgraph.config.get_stream_writer()``:
  core events (for example from :func:`~ai_infra_executor.stream_agent`),
  executor events, or their dicts; forwarded in order, tagged with the node.
* ``messages``: LangChain chat models called inside a node: token chunks become
  core ``token`` events, tool calls ``tool_start`` and the tools' answers
  (``ToolMessage``) ``tool_end``, all tagged with the node.
* ``updates``: ``interrupt()`` calls, which become ``interrupt`` events; with
  :attr:`~StreamingExecutor.state_updates`, the state changes.

A run starts with ``run_start`` and ends with ``run_end``. A run paused by an
interrupt ends its stream after the ``interrupt`` event (the node that called
``interrupt()`` gets no ``node_end``: LangGraph runs it again from its start on
resume); streaming ``Command(resume=...)`` on the same thread starts with a
``resume`` event and goes on to the run's ``run_end``, whose counts and duration
cover the whole run.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncGenerator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Final, Literal

from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolMessage
from langgraph.types import Command

from ai_infra_executor.builders import (
    create_interrupt_event,
    create_node_end_event,
    create_node_error_event,
    create_node_start_event,
    create_progress_event,
    create_resume_event,
    create_run_end_event,
    create_run_start_event,
    create_state_update_event,
    create_task_complete_event,
    create_task_failed_event,
    create_task_skipped_event,
    create_task_start_event,
    task_to_dict,
)
from ai_infra_executor.config import ExecutorStreamConfig
from ai_infra_executor.core import filter_event_for_visibility, should_emit_event
from ai_infra_executor.events import ExecutorStreamEvent, from_core_event
from ai_infra_formatters.event_types import CORE_EVENT_TYPES

__all__ = ["StreamingExecutor", "StreamingExecutorMixin", "TaskNodes"]

_CORE_TYPES: Final = frozenset(CORE_EVENT_TYPES)
_NODE_TYPES: Final = frozenset({"node_start", "node_end"})
_TASK_TYPES: Final = frozenset(
    {"task_start", "task_complete", "task_failed", "task_skipped", "progress"}
)
_INTERRUPT_KEY: Final = "__interrupt__"

Namespace = tuple[str, ...]


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


def _get(obj: Any, key: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(key)
    return getattr(obj, key, None)


def _as_mapping(value: Any) -> dict[str, Any]:
    """A state or an update as a plain dict (a dataclass / pydantic state by its attributes)."""
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items()}
    if value is None:
        return {}
    fields = getattr(value, "__dict__", None)
    return {str(k): v for k, v in fields.items()} if isinstance(fields, dict) else {}


def _task_key(task: Mapping[str, Any]) -> str:
    for name in ("id", "title"):
        value = task.get(name)
        if value is not None and value != "":
            return f"{name}:{value}"
    return f"repr:{task!r}"


def _count_of(value: Any) -> int:
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return len(value)
    return 0


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


@dataclass
class _Run:
    """What the executor remembers of one run (one LangGraph thread) between streams."""

    started: float
    roadmap_path: str
    total_tasks: int
    state: dict[str, Any] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)
    tasks_started: int = 0
    task: dict[str, Any] | None = None
    task_started: float | None = None
    interrupt_node: str | None = None
    last_progress: float = float("-inf")
    last_state_update: float = float("-inf")
    pending_state_update: str | None = None

    def counts(self) -> tuple[int, int, int]:
        """``(completed, failed, skipped)``: each task counted once, by how it last ended."""
        outcomes = list(self.outcomes.values())
        return (
            outcomes.count("completed"),
            outcomes.count("failed"),
            outcomes.count("skipped"),
        )


@dataclass
class _Running:
    name: str
    namespace: Namespace
    started: float
    input: Any


class _Translator:
    """Turns the ``(namespace, mode, chunk)`` triples of one stream into executor events.

    Knows nothing of how the stream is driven; every method returns the events
    one chunk gives, before filtering by the streaming config.
    """

    def __init__(
        self,
        run: _Run,
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
        self.tool_starts: dict[str, float] = {}
        self.tool_names: dict[str, str] = {}
        self.pending_chunks: dict[str, tuple[AIMessageChunk, str, Namespace]] = {}
        self.pending_interrupts: dict[str, Any] = {}
        self.reported_interrupts: set[str] = set()
        self.static_interrupt = False
        self.top_level_error_reported = False

    # -- tasks ---------------------------------------------------------------

    def task_started(self, ns: Namespace, chunk: Mapping[str, Any]) -> list[ExecutorStreamEvent]:
        name = str(chunk.get("name", ""))
        now = time.perf_counter()
        node_input = chunk.get("input")
        self.running[(ns, str(chunk.get("id")))] = _Running(name, ns, now, node_input)
        if not ns and isinstance(node_input, Mapping):
            self.run.state = _as_mapping(node_input)
        event = create_node_start_event(name, node_input, self.include_state)
        return [self._placed(event, ns)]

    def task_ended(self, ns: Namespace, chunk: Mapping[str, Any]) -> list[ExecutorStreamEvent]:
        name = str(chunk.get("name", ""))
        running = self.running.pop((ns, str(chunk.get("id"))), None)
        now = time.perf_counter()
        duration_ms = (now - running.started) * 1000 if running is not None else 0.0
        events = self.flush_tool_calls(node=name, ns=ns)
        interrupts = chunk.get("interrupts") or ()
        if interrupts:
            events += self._interrupted(name, ns, interrupts)
            return events
        error = chunk.get("error")
        if error is not None:
            if not ns:
                self.top_level_error_reported = True
            events.append(self._placed(create_node_error_event(name, error, duration_ms), ns))
            return events
        result = _as_mapping(chunk.get("result"))
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
                self._placed(
                    create_node_end_event(name, duration_ms, result, self.include_state), ns
                )
            )
        return events

    def _placed(self, event: ExecutorStreamEvent, ns: Namespace) -> ExecutorStreamEvent:
        if ns:
            event.namespace = list(ns)
        return event

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
            raw = state.get(nodes.current_task_key) or entering.get(nodes.current_task_key)
            task = task_to_dict(raw) if raw is not None else None
        if task is None:
            return []
        took = (time.perf_counter() - run.task_started) * 1000 if run.task_started else 0.0
        if name == nodes.checkpoint:
            files = _count_of(state.get(nodes.files_modified_key))
            return self._ended(task, "completed", create_task_complete_event(task, took, files))
        if name == nodes.failure:
            received = running.input if running is not None else entering
            error = _get(received, nodes.error_key) or result.get(nodes.error_key)
            event = create_task_failed_event(task, _error_of(error), took)
            return self._ended(task, "failed", event)
        if nodes.skip is not None and name == nodes.skip:
            reason = result.get(nodes.skip_reason_key) or entering.get(nodes.skip_reason_key)
            event = create_task_skipped_event(task, "" if reason is None else str(reason))
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
        for index, item in enumerate(todos, start=1):
            item_id = _plain(_get(item, "id"))
            if wanted is not None and item_id is not None and str(item_id) == str(wanted):
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
            interrupt_id = str(_get(item, "id"))
            self.pending_interrupts[interrupt_id] = _get(item, "value")
        return []

    def _interrupted(
        self, name: str, ns: Namespace, interrupts: Iterable[Any]
    ) -> list[ExecutorStreamEvent]:
        events = []
        for item in interrupts:
            interrupt_id = str(_get(item, "id"))
            if interrupt_id in self.reported_interrupts:
                continue  # already reported by the node inside a subgraph that asked
            self.reported_interrupts.add(interrupt_id)
            value = self.pending_interrupts.pop(interrupt_id, _get(item, "value"))
            events.append(self.interrupt_event(name, ns, value, interrupt_id))
        return events

    def interrupt_event(
        self, node: str, ns: Namespace, value: Any, interrupt_id: str | None
    ) -> ExecutorStreamEvent:
        self.run.interrupt_node = node
        event = self._placed(create_interrupt_event(node, self.run.task), ns)
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
        except (TypeError, ValueError):
            return []  # not an event: custom data for some other consumer
        if event.node_name is None:
            event.node_name = self._node_of(ns)
        if event.namespace is None and ns:
            event.namespace = list(ns)
        return [event]

    def _node_of(self, ns: Namespace) -> str | None:
        names = {r.name for (space, _), r in self.running.items() if space == ns}
        return names.pop() if len(names) == 1 else None

    # -- chat model messages ------------------------------------------------------

    def message(self, ns: Namespace, chunk: Any) -> list[ExecutorStreamEvent]:
        if not isinstance(chunk, tuple) or len(chunk) != 2:
            return []
        message, metadata = chunk
        node = _get(metadata, "langgraph_node")
        node_name = str(node) if node is not None else (self._node_of(ns) or "")
        if isinstance(message, AIMessageChunk):
            events = self._text_events(message, node_name, ns)
            if message.tool_call_chunks:
                key = str(message.id)
                held = self.pending_chunks.get(key)
                merged = message if held is None else held[0] + message
                self.pending_chunks[key] = (merged, node_name, ns)
            if getattr(message, "chunk_position", None) == "last":
                events += self.flush_tool_calls(message_id=str(message.id))
            return events
        if isinstance(message, AIMessage):
            events = self.flush_tool_calls(message_id=str(message.id))
            events += self._text_events(message, node_name, ns)
            events += self._tool_starts(message.tool_calls, node_name, ns)
            return events
        if isinstance(message, ToolMessage):
            return [*self.flush_tool_calls(), self._tool_end(message, node_name, ns)]
        return []

    def _text_events(
        self, message: BaseMessage, node: str, ns: Namespace
    ) -> list[ExecutorStreamEvent]:
        events = []
        for kind, text in _content_parts(message.content):
            if text:
                events.append(
                    self._placed(ExecutorStreamEvent(kind, content=text, node_name=node), ns)
                )
        return events

    def flush_tool_calls(
        self, *, message_id: str | None = None, node: str | None = None, ns: Namespace | None = None
    ) -> list[ExecutorStreamEvent]:
        """``tool_start`` events for tool calls streamed in chunks and now complete."""
        events: list[ExecutorStreamEvent] = []
        for key in list(self.pending_chunks):
            merged, node_name, space = self.pending_chunks[key]
            if message_id is not None and key != message_id:
                continue
            if node is not None and (node_name != node or space != ns):
                continue
            del self.pending_chunks[key]
            events += self._tool_starts(merged.tool_calls, node_name, space)
        return events

    def _tool_starts(
        self, calls: Iterable[Mapping[str, Any]], node: str, ns: Namespace
    ) -> list[ExecutorStreamEvent]:
        events = []
        for call in calls:
            call_id = call.get("id")
            if call_id is not None and call_id in self.tool_starts:
                continue
            tool = str(call.get("name") or "")
            if call_id is not None:
                self.tool_starts[call_id] = time.perf_counter()
                self.tool_names[call_id] = tool
            arguments = call.get("args")
            event = ExecutorStreamEvent(
                "tool_start",
                tool=tool,
                tool_id=call_id,
                arguments=dict(arguments) if isinstance(arguments, Mapping) else None,
                node_name=node,
            )
            events.append(self._placed(event, ns))
        return events

    def _tool_end(self, message: ToolMessage, node: str, ns: Namespace) -> ExecutorStreamEvent:
        call_id = message.tool_call_id
        started = self.tool_starts.get(call_id)
        latency = (time.perf_counter() - started) * 1000 if started is not None else None
        content = message.content
        structured = isinstance(content, dict)
        result: str | dict[str, Any]
        if isinstance(content, (str, dict)):
            result = content
        else:
            result = "".join(text for _, text in _content_parts(content))
        event = ExecutorStreamEvent(
            "tool_end",
            tool=message.name or self.tool_names.get(call_id, ""),
            tool_id=call_id,
            result=result,
            result_structured=structured,
            latency_ms=latency,
            error=result if message.status == "error" and isinstance(result, str) else None,
            node_name=node,
        )
        return self._placed(event, ns)


_TextKind = Literal["token", "reasoning"]


def _content_parts(content: Any) -> list[tuple[_TextKind, str]]:
    """``(core type, text)`` pairs of a message's content: ``token`` for text,
    ``reasoning`` for reasoning / thinking blocks."""
    if isinstance(content, str):
        return [("token", content)]
    parts: list[tuple[_TextKind, str]] = []
    if not isinstance(content, list):
        return parts
    for block in content:
        if isinstance(block, str):
            parts.append(("token", block))
        elif isinstance(block, Mapping):
            kind = block.get("type")
            if kind == "text" and isinstance(block.get("text"), str):
                parts.append(("token", block["text"]))
            elif kind in ("reasoning", "thinking"):
                text = block.get("reasoning") or block.get("thinking") or block.get("text")
                if isinstance(text, str):
                    parts.append(("reasoning", text))
    return parts


def _error_of(error: Any) -> BaseException | str:
    if isinstance(error, BaseException):
        return error
    return "task failed" if error is None or error == "" else str(error)


def _allowed(event: ExecutorStreamEvent, cfg: ExecutorStreamConfig) -> bool:
    """Whether *cfg* shows *event* at all (its fields are filtered separately)."""
    etype = event.type
    if etype in _NODE_TYPES:
        return cfg.show_node_transitions
    if etype in _TASK_TYPES:
        return cfg.show_task_progress
    if etype in _CORE_TYPES:
        return cfg.forwards_llm_event(etype) and should_emit_event(etype, cfg.token_visibility)
    return True


def _shown(event: ExecutorStreamEvent, cfg: ExecutorStreamConfig) -> ExecutorStreamEvent:
    if event.type in _CORE_TYPES:
        return filter_event_for_visibility(event, cfg.token_visibility)
    return event


def _thread_of(config: Mapping[str, Any] | None) -> str | None:
    configurable = _get(config, "configurable") if config is not None else None
    thread = _get(configurable, "thread_id") if configurable is not None else None
    return None if thread is None else str(thread)


class StreamingExecutorMixin:
    """Gives a class holding a compiled LangGraph graph :meth:`astream_events`.

    The class provides ``graph`` (a compiled graph: anything with LangGraph's
    ``astream``) and ``get_initial_state()``; every other attribute below has a
    default and may be set on the class or the instance.

    Attributes:
        graph: the compiled LangGraph graph to run.
        streaming_config: what to stream (``None``: :class:`ExecutorStreamConfig`'s
            defaults); :meth:`astream_events` may override it per call.
        task_nodes: the nodes and state keys of the task lifecycle.
        roadmap_path: shown by ``run_start`` (``None``: read from the state's
            ``task_nodes.roadmap_key``).
        total_tasks: the number of tasks, when the state does not list them.
        subgraphs: stream the nodes of subgraphs too (their events carry a
            ``namespace``); chat models inside a subgraph only stream with it.
        progress_events: emit a ``progress`` event when a task ends (at most one
            per ``progress_interval_ms``; the one for the last task always).
        state_updates: emit a ``state_update`` event after each top-level node
            (at most one per ``progress_interval_ms``; one held back is sent
            before the stream ends).
        swallow_errors: when the graph raises, end the stream after ``run_end``
            instead of re-raising.
    """

    graph: Any
    streaming_config: ExecutorStreamConfig | None = None
    task_nodes: TaskNodes = TaskNodes()
    roadmap_path: str | None = None
    total_tasks: int | None = None
    subgraphs: bool = False
    progress_events: bool = False
    state_updates: bool = False
    swallow_errors: bool = False

    def get_initial_state(self) -> Any:
        """The state a run starts from when :meth:`astream_events` is given none."""
        raise NotImplementedError(f"{type(self).__name__} must define get_initial_state()")

    def _runs(self) -> dict[str | None, _Run]:
        runs: dict[str | None, _Run] | None = self.__dict__.get("_streaming_runs")
        if runs is None:
            runs = self.__dict__["_streaming_runs"] = {}
        return runs

    def _new_run(self, state: Any) -> _Run:
        values = _as_mapping(state)
        nodes = self.task_nodes
        roadmap = self.roadmap_path or values.get(nodes.roadmap_key)
        if roadmap is None or roadmap == "":
            roadmap = self._graph_name()
        todos = values.get(nodes.todos_key)
        total = self.total_tasks
        if total is None:
            if isinstance(todos, (list, tuple)):
                total = len(todos)
            else:
                given = values.get(nodes.total_tasks_key)
                total = given if isinstance(given, int) and not isinstance(given, bool) else 0
        return _Run(time.perf_counter(), str(roadmap), total, state=values)

    async def astream_events(
        self,
        initial_state: Any = None,
        config: Mapping[str, Any] | None = None,
        streaming_config: ExecutorStreamConfig | None = None,
        *,
        subgraphs: bool | None = None,
    ) -> AsyncGenerator[ExecutorStreamEvent, None]:
        """Run the graph and yield executor events as it runs.

        Args:
            initial_state: the graph's input: a state (``None``:
                :meth:`get_initial_state`), or a ``langgraph.types.Command`` such
                as ``Command(resume="approve")`` to resume a paused run.
            config: LangGraph's run config; with a checkpointer it needs
                ``{"configurable": {"thread_id": ...}}``, and the thread id keys the
                run across its pauses.
            streaming_config: overrides :attr:`streaming_config` for this run.
            subgraphs: overrides :attr:`subgraphs` for this run.

        Yields:
            ``run_start`` first (after ``resume`` when resuming a run this executor
            did not start), then node, task, agent and interrupt events as they
            happen, and ``run_end`` last, unless the run paused at an interrupt.

        Raises:
            Exception: whatever the graph raised, after ``node_error``,
                ``task_failed`` (for the task in progress) and ``run_end`` were
                yielded, unless :attr:`swallow_errors` is set.

        Stopping early (``break``, ``aclose()``) closes LangGraph's stream, which
        cancels the nodes still running.
        """
        cfg = streaming_config or self.streaming_config or ExecutorStreamConfig()
        with_subgraphs = self.subgraphs if subgraphs is None else subgraphs
        graph_input = initial_state
        if graph_input is None:
            graph_input = self.get_initial_state()
        if not cfg.enabled:
            async for _ in self.graph.astream(graph_input, config, stream_mode="updates"):
                pass
            return

        thread = _thread_of(config)
        run, opening = self._open_run(thread, graph_input)
        translator = _Translator(
            run,
            self.task_nodes,
            include_state=cfg.include_state_snapshot,
            progress_events=self.progress_events,
            state_updates=self.state_updates,
            interval_s=cfg.progress_interval_ms / 1000,
        )

        def shown(events: Iterable[ExecutorStreamEvent]) -> list[ExecutorStreamEvent]:
            return [_shown(e, cfg) for e in events if _allowed(e, cfg)]

        for event in shown(opening):
            yield event

        modes = ["tasks", "updates", "custom"]
        if cfg.stream_tokens or cfg.show_llm_tools or cfg.show_llm_thinking:
            modes.append("messages")
        stream = self.graph.astream(
            graph_input, config, stream_mode=modes, subgraphs=with_subgraphs
        )
        try:
            async for item in stream:
                for event in shown(self._translate(translator, item, with_subgraphs)):
                    yield event
        except Exception as exc:
            closing = translator.flush_tool_calls()
            if not translator.top_level_error_reported:
                closing.append(translator.graph_error(exc, self._graph_name()))
            closing += translator.fail_current_task(exc)
            closing += translator.trailing_state_update()
            closing.append(self._end_run(thread))
            for event in shown(closing):
                yield event
            if self.swallow_errors:
                return
            raise
        finally:
            with contextlib.suppress(Exception):
                await stream.aclose()

        closing = translator.flush_tool_calls()
        if translator.pending_interrupts or translator.static_interrupt:
            closing += translator.unclaimed_interrupts(await self._next_nodes(config))
        closing += translator.trailing_state_update()
        if translator.interrupted:
            for event in shown(closing):
                yield event
            return
        closing.append(self._end_run(thread))
        for event in shown(closing):
            yield event

    def _open_run(
        self, thread: str | None, graph_input: Any
    ) -> tuple[_Run, list[ExecutorStreamEvent]]:
        """The run *graph_input* starts or resumes on *thread*, and its opening events."""
        runs = self._runs()
        run = runs.get(thread)
        opening: list[ExecutorStreamEvent] = []
        resuming = isinstance(graph_input, Command)
        if resuming and graph_input.resume is not None:
            node = run.interrupt_node if run is not None else None
            opening.append(create_resume_event(_plain(graph_input.resume), node))
        if run is None or not resuming:
            run = self._new_run(None if resuming else graph_input)
            opening.append(create_run_start_event(run.roadmap_path, run.total_tasks))
        runs[thread] = run
        run.interrupt_node = None
        return run, opening

    def _end_run(self, thread: str | None) -> ExecutorStreamEvent:
        """``run_end`` for the run on *thread*, which is then forgotten."""
        run = self._runs().pop(thread)
        completed, failed, skipped = run.counts()
        duration_ms = (time.perf_counter() - run.started) * 1000
        return create_run_end_event(completed, failed, skipped, duration_ms)

    def _graph_name(self) -> str:
        return str(getattr(self.graph, "name", None) or "graph")

    def _translate(
        self, translator: _Translator, item: Any, with_subgraphs: bool
    ) -> list[ExecutorStreamEvent]:
        if with_subgraphs:
            raw_ns, mode, chunk = item
            ns: Namespace = tuple(str(part) for part in raw_ns)
        else:
            mode, chunk = item
            ns = ()
        if mode == "tasks":
            if "input" in chunk:
                return translator.task_started(ns, chunk)
            return translator.task_ended(ns, chunk)
        if mode == "custom":
            return translator.custom(ns, chunk)
        if mode == "messages":
            return translator.message(ns, chunk)
        if mode == "updates":
            return translator.updates(ns, chunk)
        return []

    async def _next_nodes(self, config: Mapping[str, Any] | None) -> list[str]:
        """The nodes a paused run resumes at, from the checkpointer (``[]`` if unknown)."""
        aget_state = getattr(self.graph, "aget_state", None)
        if aget_state is None or config is None:
            return []
        try:
            snapshot = await aget_state(config)
        except Exception:
            return []
        return [str(name) for name in getattr(snapshot, "next", ()) or ()]


class StreamingExecutor(StreamingExecutorMixin):
    """Stream executor events from any compiled LangGraph graph.

    >>> executor = StreamingExecutor(app, roadmap_path="ROADMAP.md")  # doctest: +SKIP
    >>> async for event in executor.astream_events({"todos": [...]}):  # doctest: +SKIP
    ...     print(event.message)

    Args:
        graph: the compiled graph (``StateGraph(...).compile(...)``).
        initial_state: the input used when :meth:`astream_events` is given none.
        streaming_config, task_nodes, roadmap_path, total_tasks, subgraphs,
        progress_events, state_updates, swallow_errors: see
            :class:`StreamingExecutorMixin`.
    """

    def __init__(
        self,
        graph: Any,
        *,
        initial_state: Any = None,
        streaming_config: ExecutorStreamConfig | None = None,
        task_nodes: TaskNodes | None = None,
        roadmap_path: str | None = None,
        total_tasks: int | None = None,
        subgraphs: bool = False,
        progress_events: bool = False,
        state_updates: bool = False,
        swallow_errors: bool = False,
    ) -> None:
        self.graph = graph
        self.initial_state = initial_state
        self.streaming_config = streaming_config
        self.task_nodes = task_nodes if task_nodes is not None else TaskNodes()
        self.roadmap_path = roadmap_path
        self.total_tasks = total_tasks
        self.subgraphs = subgraphs
        self.progress_events = progress_events
        self.state_updates = state_updates
        self.swallow_errors = swallow_errors

    def get_initial_state(self) -> Any:
        """A copy of the *initial_state* given at construction (``{}`` if none)."""
        state = self.initial_state
        if state is None:
            return {}
        return dict(state) if isinstance(state, Mapping) else state
