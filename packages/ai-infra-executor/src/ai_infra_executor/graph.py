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
interrupt ends its stream after the ``interrupt`` event: a dynamic one (a node
called ``interrupt()``; that node gets no ``node_end``: LangGraph runs it again
from its start on resume) or a static breakpoint (``interrupt_before`` /
``interrupt_after``, given to ``compile()`` or to :meth:`astream_events`; the
``interrupt`` names the nodes the run goes on with, and its ``value`` is
``None``). Streaming ``Command(resume=...)`` on the same thread, or ``None``
(LangGraph's "continue": a thread with work pending goes on where it stopped),
starts with a ``resume`` event (carrying the namespace of the node that paused,
inside a subgraph) and goes on to the run's ``run_end``, whose counts and
duration cover the whole run. A tool call open across the pause gets its
``tool_end`` latency without the time the run was paused.

``run_start`` names the run: the roadmap for an executor graph, else the graph
(its ``name``; for LangGraph's uninformative default ``"LangGraph"``, with its
nodes: ``"LangGraph (nodes: model, tools)"``), and then adds ``graph`` and
``nodes`` to its ``data``. The ``run_end`` of a run without tasks (its graph has
no :attr:`TaskNodes.pick` node and it saw no task) says what the run did
(``"3 nodes run, 1 tool call, 57 tokens (42 in, 15 out)"``) and adds those
counts to its ``data`` beside the (zero) task counts.

The executor remembers a run between its streams only while it is paused at an
interrupt, and only so many paused runs for so long
(:attr:`~StreamingExecutorMixin.max_paused_runs`,
:attr:`~StreamingExecutorMixin.paused_run_ttl_s`). A run that ended, failed, or
whose consumer stopped early (``break``, ``aclose()``, cancellation) before it
paused is forgotten. Resuming a run the executor no longer remembers still works:
its stream starts with ``resume`` then a fresh ``run_start``, and its ``run_end``
counts from the resume.

This module drives the stream and keeps the runs; the chunks are turned into
events by :mod:`ai_infra_executor.graph_events` (chat-model messages by
:mod:`ai_infra_executor.chat_messages`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from builtins import BaseExceptionGroup  # 3.11+, as this package
from collections.abc import AsyncGenerator, Iterable, Mapping, Sequence
from typing import Any, Final, Literal

from langgraph.types import Command

from ai_infra_executor.builders import (
    create_resume_event,
    create_run_end_event,
    create_run_start_event,
)
from ai_infra_executor.config import ExecutorStreamConfig
from ai_infra_executor.events import ExecutorStreamEvent
from ai_infra_executor.graph_events import ChunkTranslator, TaskNodes
from ai_infra_executor.graph_run import Run
from ai_infra_executor.graph_values import (
    Namespace,
    as_mapping,
    get_field,
    has_subgraphs,
    placed,
    plain,
    readable,
)
from ai_infra_formatters.event_types import CORE_EVENT_TYPES

__all__ = ["StreamingExecutor", "StreamingExecutorMixin", "TaskNodes"]

_CORE_TYPES: Final = frozenset(CORE_EVENT_TYPES)
_NODE_TYPES: Final = frozenset({"node_start", "node_end"})
_TASK_TYPES: Final = frozenset(
    {"task_start", "task_complete", "task_failed", "task_skipped", "progress"}
)
#: The name LangGraph gives a compiled graph that was given none.
_DEFAULT_GRAPH_NAME: Final = "LangGraph"
#: How many node names ``run_start`` lists at most for an unnamed graph.
_MAX_NAMED_NODES: Final = 8

#: Static breakpoints: node names, or ``"*"`` for every node (as LangGraph takes them).
Breakpoints = Sequence[str] | Literal["*"]


def _visible(event: ExecutorStreamEvent, cfg: ExecutorStreamConfig) -> ExecutorStreamEvent | None:
    """*event* as *cfg* shows it, or ``None`` when it shows nothing of it."""
    etype = event.type
    if etype in _NODE_TYPES:
        return event if cfg.show_node_transitions else None
    if etype in _TASK_TYPES:
        return event if cfg.show_task_progress else None
    if etype in _CORE_TYPES:
        return cfg.forwarded_llm_event(event)
    return event


def _shown(
    run: Run, cfg: ExecutorStreamConfig, events: Iterable[ExecutorStreamEvent]
) -> list[ExecutorStreamEvent]:
    """*events* as *cfg* shows them, each counted first in *run*'s activity (which
    only the ``run_end`` of a graph without the task nodes reads)."""
    counting = not run.task_graph
    visible = []
    for event in events:
        if counting:
            run.activity.record(event)
        if (seen := _visible(event, cfg)) is not None:
            visible.append(seen)
    return visible


def _run_label(name: str, nodes: list[str]) -> str:
    """How ``run_start`` names a run that has no roadmap: the graph's *name*, with
    its *nodes* when the name is LangGraph's default."""
    if name not in (_DEFAULT_GRAPH_NAME, "graph") or not nodes:
        return name
    shown = ", ".join(nodes[:_MAX_NAMED_NODES])
    if len(nodes) > _MAX_NAMED_NODES:
        shown += f", +{len(nodes) - _MAX_NAMED_NODES} more"
    return f"{name} (nodes: {shown})"


def _thread_of(config: Mapping[str, Any] | None) -> str | None:
    configurable = get_field(config, "configurable") if config is not None else None
    thread = get_field(configurable, "thread_id") if configurable is not None else None
    return None if thread is None else readable(thread, "thread id")


def _breakpoints(before: Breakpoints | None, after: Breakpoints | None) -> dict[str, Breakpoints]:
    """LangGraph's ``astream`` keyword arguments for the static breakpoints given."""
    given: dict[str, Breakpoints] = {}
    if before is not None:
        given["interrupt_before"] = before
    if after is not None:
        given["interrupt_after"] = after
    return given


def _paused_subgraph(snapshot: Any) -> Any:
    """The state of the subgraph *snapshot*'s run is paused in (``None``: none): the
    first task whose own state has nodes to go on with."""
    for task in getattr(snapshot, "tasks", ()) or ():
        inner = get_field(task, "state")
        if getattr(inner, "next", None):
            return inner
    return None


def _is_stop(exc: BaseException) -> bool:
    """Whether *exc* stops the stream from outside (the consumer closed or
    cancelled it) rather than reports a failure of the graph."""
    stops = (GeneratorExit, asyncio.CancelledError)
    if isinstance(exc, BaseExceptionGroup):
        return exc.subgroup(lambda e: isinstance(e, stops)) is not None
    return isinstance(exc, stops)


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
            ``namespace``). Without it, the chat-model messages and custom
            events of a subgraph stream live as its top-level node's.
        progress_events: emit a ``progress`` event when a task ends (at most one
            per ``progress_interval_ms``; the one for the last task always).
        state_updates: emit a ``state_update`` event after each top-level node
            (at most one per ``progress_interval_ms``; one held back is sent
            before the stream ends).
        swallow_errors: when the graph raises an ``Exception``, end the stream
            after ``run_end`` instead of re-raising (a ``BaseException`` that is
            not an ``Exception``, ``KeyboardInterrupt`` say, is always re-raised).
        max_paused_runs: how many runs paused at an interrupt are remembered for
            their resume (default 1,000); beyond it the one paused longest ago is
            forgotten first.
        paused_run_ttl_s: how long, in seconds, a paused run is remembered
            (default 24 h; ``math.inf``: no limit).

    A forgotten paused run can still be resumed: that stream starts with
    ``resume`` then a fresh ``run_start``, and its ``run_end`` counts only what
    happened after the resume.
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
    max_paused_runs: int = 1000
    paused_run_ttl_s: float = 24 * 60 * 60.0

    def get_initial_state(self) -> Any:
        """The state a run starts from when :meth:`astream_events` is given none."""
        raise NotImplementedError(f"{type(self).__name__} must define get_initial_state()")

    def _runs(self) -> dict[str | None, Run]:
        """The paused runs by thread id, the one paused longest ago first."""
        runs: dict[str | None, Run] | None = self.__dict__.get("_streaming_runs")
        if runs is None:
            runs = self.__dict__["_streaming_runs"] = {}
        return runs

    def _park(self, thread: str | None, run: Run, translator: ChunkTranslator) -> None:
        """Remember *run*, paused at an interrupt, for its resume on *thread*,
        with the clocks of the tool calls *translator* saw."""
        chat = translator.chat
        run.pause_tool_clocks(chat.tool_starts, chat.tool_names, time.perf_counter())
        runs = self._runs()
        runs.pop(thread, None)  # re-inserted last: the table stays in pause order
        run.paused_at = time.monotonic()
        runs[thread] = run
        self._evict(runs, run.paused_at)

    def _forget(self, thread: str | None, run: Run) -> None:
        """Forget *run* if it is the one remembered for *thread*."""
        runs = self._runs()
        if runs.get(thread) is run:
            del runs[thread]

    def _evict(self, runs: dict[str | None, Run], now: float) -> None:
        """Forget the paused runs beyond :attr:`max_paused_runs` or older than
        :attr:`paused_run_ttl_s`, the one paused longest ago first."""
        limit = max(self.max_paused_runs, 0)
        ttl = self.paused_run_ttl_s
        while runs:
            thread, oldest = next(iter(runs.items()))
            paused_at = oldest.paused_at if oldest.paused_at is not None else now
            if len(runs) <= limit and now - paused_at <= ttl:
                return
            del runs[thread]

    def _new_run(self, state: Any) -> tuple[Run, ExecutorStreamEvent]:
        """A run starting from *state*, and its ``run_start``."""
        values = as_mapping(state)
        nodes = self.task_nodes
        graph_name, node_names = self._graph_name(), self._node_names()  # read once
        roadmap = self.roadmap_path or values.get(nodes.roadmap_key)
        named_by_graph = roadmap is None or (isinstance(roadmap, str) and not roadmap)
        if named_by_graph:
            roadmap = _run_label(graph_name, node_names)
        todos = values.get(nodes.todos_key)
        total = self.total_tasks
        if total is None:
            if isinstance(todos, (list, tuple)):
                total = len(todos)
            else:
                given = values.get(nodes.total_tasks_key)
                total = given if isinstance(given, int) and not isinstance(given, bool) else 0
        run = Run(time.perf_counter(), readable(roadmap, "roadmap path"), total, state=values)
        run.task_graph = nodes.pick in node_names
        event = create_run_start_event(run.roadmap_path, run.total_tasks)
        if named_by_graph and event.data is not None:
            event.data["graph"] = graph_name
            event.data["nodes"] = node_names
        return run, event

    async def astream_events(
        self,
        initial_state: Any = None,
        config: Mapping[str, Any] | None = None,
        streaming_config: ExecutorStreamConfig | None = None,
        *,
        subgraphs: bool | None = None,
        interrupt_before: Breakpoints | None = None,
        interrupt_after: Breakpoints | None = None,
    ) -> AsyncGenerator[ExecutorStreamEvent, None]:
        """Run the graph and yield executor events as it runs.

        Args:
            initial_state: the graph's input: a state; a
                ``langgraph.types.Command`` such as ``Command(resume="approve")`` to
                resume a run paused by ``interrupt()``; or ``None``: as in LangGraph,
                a thread with work pending (paused at a breakpoint or an interrupt,
                per the checkpointer) goes on where it stopped, and otherwise (or
                without a checkpointer) a run starts from :meth:`get_initial_state`.
            config: LangGraph's run config; with a checkpointer it needs
                ``{"configurable": {"thread_id": ...}}``, and the thread id keys the
                run across its pauses.
            streaming_config: overrides :attr:`streaming_config` for this run.
            subgraphs: overrides :attr:`subgraphs` for this run.
            interrupt_before: static breakpoints for this call: pause before these
                nodes (``"*"``: every node); passed to LangGraph's ``astream``
                (``None``: the compiled graph's own).
            interrupt_after: the same, pausing after these nodes.

        Yields:
            ``run_start`` first (after ``resume`` when resuming a run this executor
            did not start), then node, task, agent and interrupt events as they
            happen, and ``run_end`` last, unless the run paused at an interrupt or
            a static breakpoint (then the ``interrupt`` event is the last).

        Raises:
            BaseException: whatever the graph raised, after ``node_error``,
                ``task_failed`` (for the task in progress) and ``run_end`` were
                yielded, unless :attr:`swallow_errors` is set and it is an
                ``Exception``. That holds for a ``BaseException`` that is not an
                ``Exception`` too (a custom one, an exception group holding
                ``KeyboardInterrupt``, or ``KeyboardInterrupt`` / ``SystemExit``
                themselves when they reach the stream).

        Stopping early (``break``, ``aclose()``, cancelling the consumer) closes
        LangGraph's stream, which cancels the nodes still running; no closing
        event is yielded. ``KeyboardInterrupt`` or ``SystemExit`` raised inside a
        node usually never reaches the stream: asyncio re-raises it out of the
        event loop at once (``asyncio.run`` raises it), and the stream is then
        cancelled like any early stop. Either way the run is forgotten, unless
        it had paused at an interrupt.
        """
        cfg = streaming_config or self.streaming_config or ExecutorStreamConfig()
        with_subgraphs = self.subgraphs if subgraphs is None else subgraphs
        graph_input, pending = await self._graph_input(initial_state, config)
        breakpoints = _breakpoints(interrupt_before, interrupt_after)
        if not cfg.enabled:
            quiet = self.graph.astream(graph_input, config, stream_mode="updates", **breakpoints)
            async for _ in quiet:
                pass
            return

        thread = _thread_of(config)
        run, opening = self._open_run(thread, graph_input, pending)
        # The run is remembered (parked) only once it pauses at an interrupt,
        # and forgotten when it ends; a stream stopped early before it paused
        # leaves nothing behind.
        translator = self._translator(run, cfg, show_subgraphs=with_subgraphs)

        for event in _shown(run, cfg, opening):
            yield event

        modes = ["tasks", "updates", "custom"]
        if cfg.stream_tokens or cfg.show_llm_tools or cfg.show_llm_thinking:
            modes.append("messages")
        # Without subgraphs, LangGraph holds back a subgraph's chat messages until
        # its node ends, and drops some: they are asked for, its nodes hidden.
        asked = with_subgraphs or has_subgraphs(self.graph)
        stream = self.graph.astream(
            graph_input, config, stream_mode=modes, subgraphs=asked, **breakpoints
        )
        parked = False
        try:
            async for item in stream:
                events = translator.translate(item, asked)
                if run.interrupt_node is not None and not parked:
                    # Paused: remembered before the consumer sees the interrupt,
                    # so that it may stop there and still resume.
                    self._park(thread, run, translator)
                    parked = True
                for event in _shown(run, cfg, events):
                    yield event
        except BaseException as exc:
            if _is_stop(exc):
                raise
            closing = translator.close_open(exc)
            if not translator.top_level_error_reported:
                closing.append(translator.graph_error(exc, self._graph_name()))
            closing += translator.fail_current_task(exc)
            closing += translator.trailing_state_update()
            closing.append(self._end_run(thread, run))
            for event in _shown(run, cfg, closing):
                yield event
            if self.swallow_errors and isinstance(exc, Exception):
                return
            raise
        finally:
            with contextlib.suppress(Exception):
                await stream.aclose()

        closing = translator.close_open()
        if translator.pending_interrupts or translator.static_interrupt:
            nodes, ns = await self._pause_point(config, inside=with_subgraphs)
            closing += translator.unclaimed_interrupts(nodes, ns)
        closing += translator.trailing_state_update()
        if translator.interrupted:
            self._park(thread, run, translator)
            for event in _shown(run, cfg, closing):
                yield event
            return
        closing.append(self._end_run(thread, run))
        for event in _shown(run, cfg, closing):
            yield event

    def _translator(
        self, run: Run, cfg: ExecutorStreamConfig, *, show_subgraphs: bool
    ) -> ChunkTranslator:
        """The translator of one stream of *run*, as *cfg* asks (*show_subgraphs*:
        the nodes of subgraphs are shown)."""
        translator = ChunkTranslator(
            run,
            self.task_nodes,
            include_state=cfg.include_state_snapshot,
            progress_events=self.progress_events,
            state_updates=self.state_updates,
            interval_s=cfg.progress_interval_ms / 1000,
            show_subgraphs=show_subgraphs,
        )
        # Tool calls opened before a pause are answered in this stream.
        translator.chat.tool_starts = run.resumed_tool_starts(time.perf_counter())
        translator.chat.tool_names = run.tool_names
        return translator

    async def _graph_input(
        self, initial_state: Any, config: Mapping[str, Any] | None
    ) -> tuple[Any, list[str]]:
        """What LangGraph is given for *initial_state*, and the nodes pending on the
        thread when that is ``None`` (LangGraph's "continue").

        ``None`` stays ``None`` when the thread has work pending, per the
        checkpointer; otherwise (nothing pending, no checkpointer, no config) it
        becomes :meth:`get_initial_state`.
        """
        if initial_state is not None:
            return initial_state, []
        pending = await self._next_nodes(config)
        if pending:
            return None, pending
        return self.get_initial_state(), []

    def _open_run(
        self, thread: str | None, graph_input: Any, pending: Sequence[str]
    ) -> tuple[Run, list[ExecutorStreamEvent]]:
        """The run *graph_input* starts or resumes on *thread*, and its opening events.

        Args:
            thread: the thread id (``None``: none given).
            graph_input: what LangGraph is given: a state, a ``Command``, or
                ``None`` to continue the thread's pending work.
            pending: the nodes the thread goes on with, when *graph_input* is
                ``None``.

        A paused run on *thread* is taken out of the table: it is put back only
        if it pauses again.
        """
        runs = self._runs()
        self._evict(runs, time.monotonic())
        run = runs.pop(thread, None)
        opening: list[ExecutorStreamEvent] = []
        continuing = graph_input is None
        resuming = continuing or isinstance(graph_input, Command)
        if continuing or (isinstance(graph_input, Command) and graph_input.resume is not None):
            opening.append(self._resume_event(graph_input, run, pending))
        if run is None or not resuming:
            run, start = self._new_run(None if resuming else graph_input)
            opening.append(start)
        run.interrupt_node = None
        run.interrupt_namespace = ()
        run.paused_at = None
        return run, opening

    @staticmethod
    def _resume_event(
        graph_input: Any, run: Run | None, pending: Sequence[str]
    ) -> ExecutorStreamEvent:
        """``resume`` for *graph_input* (a ``Command(resume=...)``, or ``None``:
        go on with the *pending* nodes), at the node *run* paused at, in its namespace."""
        node = run.interrupt_node if run is not None else None
        if isinstance(graph_input, Command):
            event = create_resume_event(plain(graph_input.resume), node)
        else:
            node = node or (", ".join(pending) if pending else None)
            event = create_resume_event(None, node)
            event.message = f"Resuming execution at {node}" if node else "Resuming execution"
        return placed(event, run.interrupt_namespace) if run is not None else event

    def _end_run(self, thread: str | None, run: Run) -> ExecutorStreamEvent:
        """``run_end`` for *run* on *thread*, which is then forgotten."""
        self._forget(thread, run)
        completed, failed, skipped = run.counts()
        duration_ms = (time.perf_counter() - run.started) * 1000
        event = create_run_end_event(completed, failed, skipped, duration_ms)
        if not run.has_tasks and event.data is not None:
            # Not an executor run: its summary says what it did instead.
            event.message = f"Executor run complete: {run.activity.summary()}"
            event.data.update(run.activity.as_data())
        return event

    def _graph_name(self) -> str:
        """The graph's name (its ``get_name()``, else ``name``; ``"graph"`` if none)."""
        graph = self.graph
        try:
            get_name = getattr(graph, "get_name", None)
            name = get_name() if callable(get_name) else getattr(graph, "name", None)
        except Exception:
            name = None
        text = readable(name, "graph name") if name is not None else ""
        return text or "graph"

    def _node_names(self) -> list[str]:
        """The graph's own nodes, in order (LangGraph's ``__start__`` and the like left out)."""
        try:
            nodes = getattr(self.graph, "nodes", None)
            names = [readable(name, "node name") for name in nodes] if nodes else []
        except Exception:
            return []
        return [name for name in names if not name.startswith("__")]

    async def _next_nodes(self, config: Mapping[str, Any] | None) -> list[str]:
        """The nodes a paused run resumes at, from the checkpointer (``[]`` if unknown)."""
        nodes, _ = await self._pause_point(config, inside=False)
        return nodes

    async def _pause_point(
        self, config: Mapping[str, Any] | None, *, inside: bool
    ) -> tuple[list[str], Namespace]:
        """Where a paused run goes on: the nodes, and the subgraph namespace they are in.

        Args:
            config: the run config naming the thread.
            inside: look inside the subgraphs the run paused in (a static
                breakpoint of a subgraph pauses its parent's node): the nodes are
                then the innermost subgraph's. ``False``: the top-level nodes.

        Returns:
            ``([], ())`` when unknown (no checkpointer, no config, nothing pending).
        """
        aget_state = getattr(self.graph, "aget_state", None)
        if aget_state is None or config is None:
            return [], ()
        try:
            snapshot = await aget_state(config, subgraphs=inside)
            nodes = [str(name) for name in getattr(snapshot, "next", ()) or ()]
            ns: Namespace = ()
            while inside and (inner := _paused_subgraph(snapshot)) is not None:
                snapshot = inner
                nodes = [str(name) for name in inner.next]
                configurable = get_field(get_field(inner, "config"), "configurable")
                ns = tuple(str(get_field(configurable, "checkpoint_ns") or "").split("|"))
        except Exception:
            return [], ()
        return nodes, ns


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
