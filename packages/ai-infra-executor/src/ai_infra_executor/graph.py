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
from collections.abc import AsyncGenerator, Iterable, Mapping
from typing import Any, Final

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
    as_mapping,
    get_field,
    has_subgraphs,
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


def _thread_of(config: Mapping[str, Any] | None) -> str | None:
    configurable = get_field(config, "configurable") if config is not None else None
    thread = get_field(configurable, "thread_id") if configurable is not None else None
    return None if thread is None else readable(thread, "thread id")


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

    def _park(self, thread: str | None, run: Run) -> None:
        """Remember *run*, paused at an interrupt, for its resume on *thread*."""
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

    def _new_run(self, state: Any) -> Run:
        values = as_mapping(state)
        nodes = self.task_nodes
        roadmap = self.roadmap_path or values.get(nodes.roadmap_key)
        if roadmap is None or (isinstance(roadmap, str) and not roadmap):
            roadmap = self._graph_name()
        todos = values.get(nodes.todos_key)
        total = self.total_tasks
        if total is None:
            if isinstance(todos, (list, tuple)):
                total = len(todos)
            else:
                given = values.get(nodes.total_tasks_key)
                total = given if isinstance(given, int) and not isinstance(given, bool) else 0
        return Run(time.perf_counter(), readable(roadmap, "roadmap path"), total, state=values)

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
        graph_input = initial_state
        if graph_input is None:
            graph_input = self.get_initial_state()
        if not cfg.enabled:
            async for _ in self.graph.astream(graph_input, config, stream_mode="updates"):
                pass
            return

        thread = _thread_of(config)
        run, opening = self._open_run(thread, graph_input)
        # The run is remembered (parked) only once it pauses at an interrupt,
        # and forgotten when it ends; a stream stopped early before it paused
        # leaves nothing behind.
        translator = ChunkTranslator(
            run,
            self.task_nodes,
            include_state=cfg.include_state_snapshot,
            progress_events=self.progress_events,
            state_updates=self.state_updates,
            interval_s=cfg.progress_interval_ms / 1000,
            show_subgraphs=with_subgraphs,
        )

        def shown(events: Iterable[ExecutorStreamEvent]) -> list[ExecutorStreamEvent]:
            return [shown for e in events if (shown := _visible(e, cfg)) is not None]

        for event in shown(opening):
            yield event

        modes = ["tasks", "updates", "custom"]
        if cfg.stream_tokens or cfg.show_llm_tools or cfg.show_llm_thinking:
            modes.append("messages")
        # Without subgraphs, LangGraph holds back a subgraph's chat messages until
        # its node ends, and drops some: they are asked for, its nodes hidden.
        asked = with_subgraphs or has_subgraphs(self.graph)
        stream = self.graph.astream(graph_input, config, stream_mode=modes, subgraphs=asked)
        parked = False
        try:
            async for item in stream:
                events = translator.translate(item, asked)
                if run.interrupt_node is not None and not parked:
                    # Paused: remembered before the consumer sees the interrupt,
                    # so that it may stop there and still resume.
                    self._park(thread, run)
                    parked = True
                for event in shown(events):
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
            for event in shown(closing):
                yield event
            if self.swallow_errors and isinstance(exc, Exception):
                return
            raise
        finally:
            with contextlib.suppress(Exception):
                await stream.aclose()

        closing = translator.close_open()
        if translator.pending_interrupts or translator.static_interrupt:
            closing += translator.unclaimed_interrupts(await self._next_nodes(config))
        closing += translator.trailing_state_update()
        if translator.interrupted:
            self._park(thread, run)
            for event in shown(closing):
                yield event
            return
        closing.append(self._end_run(thread, run))
        for event in shown(closing):
            yield event

    def _open_run(
        self, thread: str | None, graph_input: Any
    ) -> tuple[Run, list[ExecutorStreamEvent]]:
        """The run *graph_input* starts or resumes on *thread*, and its opening events.

        A paused run on *thread* is taken out of the table: it is put back only
        if it pauses again.
        """
        runs = self._runs()
        self._evict(runs, time.monotonic())
        run = runs.pop(thread, None)
        opening: list[ExecutorStreamEvent] = []
        resuming = isinstance(graph_input, Command)
        if resuming and graph_input.resume is not None:
            node = run.interrupt_node if run is not None else None
            opening.append(create_resume_event(plain(graph_input.resume), node))
        if run is None or not resuming:
            run = self._new_run(None if resuming else graph_input)
            opening.append(create_run_start_event(run.roadmap_path, run.total_tasks))
        run.interrupt_node = None
        run.paused_at = None
        return run, opening

    def _end_run(self, thread: str | None, run: Run) -> ExecutorStreamEvent:
        """``run_end`` for *run* on *thread*, which is then forgotten."""
        self._forget(thread, run)
        completed, failed, skipped = run.counts()
        duration_ms = (time.perf_counter() - run.started) * 1000
        return create_run_end_event(completed, failed, skipped, duration_ms)

    def _graph_name(self) -> str:
        return str(getattr(self.graph, "name", None) or "graph")

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
