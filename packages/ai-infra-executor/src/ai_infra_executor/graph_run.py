"""`Run`: what the streaming executor remembers of one run between its streams.

A run is one LangGraph thread: it may pause at an interrupt and go on in a later
stream, so its counts, current task, throttling clocks, open tool calls and
activity outlive one :class:`~ai_infra_executor.graph_events.ChunkTranslator`.
:class:`~ai_infra_executor.graph.StreamingExecutorMixin` opens and ends runs;
the translator updates the one it streams.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ai_infra_executor.builders import counted
from ai_infra_executor.events import ExecutorStreamEvent
from ai_infra_executor.graph_values import Namespace

__all__ = ["Activity", "Run"]


def _tokens(value: Any) -> int:
    """A token count an event carries (``0`` unless a non-negative ``int``)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return 0


@dataclass
class Activity:
    """What a run did, counted from the events it gave (whatever the config shows).

    Attributes:
        nodes: nodes that ended (``node_end``), subgraph nodes included.
        node_errors: nodes that failed (``node_error``).
        tool_calls: tool calls the models made (``tool_start``).
        tool_errors: tool calls answered with an error (``tool_end`` with ``error``).
        input_tokens: input tokens the ``usage`` events reported.
        output_tokens: output tokens the ``usage`` events reported.
    """

    nodes: int = 0
    node_errors: int = 0
    tool_calls: int = 0
    tool_errors: int = 0
    input_tokens: int = 0
    output_tokens: int = 0

    def record(self, event: ExecutorStreamEvent) -> None:
        """Count *event*, if it is one of the kinds counted."""
        etype = event.type
        if etype == "node_end":
            self.nodes += 1
        elif etype == "node_error":
            self.node_errors += 1
        elif etype == "tool_start":
            self.tool_calls += 1
        elif etype == "tool_end":
            if event.error is not None:
                self.tool_errors += 1
        elif etype == "usage":
            self.input_tokens += _tokens(event.input_tokens)
            self.output_tokens += _tokens(event.output_tokens)

    def as_data(self) -> dict[str, int]:
        """The counts, as ``run_end`` puts them in its ``data``."""
        return {
            "nodes": self.nodes,
            "node_errors": self.node_errors,
            "tool_calls": self.tool_calls,
            "tool_errors": self.tool_errors,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
        }

    def summary(self) -> str:
        """The counts in words: "3 nodes run, 1 tool call, 57 tokens (42 in, 15 out)"."""
        parts = [counted(self.nodes, "node") + " run"]
        if self.node_errors:
            parts.append(f"{self.node_errors} failed")
        tools = counted(self.tool_calls, "tool call")
        if self.tool_errors:
            tools += f" ({self.tool_errors} failed)"
        parts.append(tools)
        tokens = self.input_tokens + self.output_tokens
        if tokens:
            parts.append(
                f"{counted(tokens, 'token')} ({self.input_tokens} in, {self.output_tokens} out)"
            )
        return ", ".join(parts)


@dataclass
class Run:
    """What the executor remembers of one run (one LangGraph thread) between streams.

    Attributes:
        started: when the run started (``time.perf_counter()``).
        roadmap_path: shown by ``run_start``.
        total_tasks: the number of tasks when the state does not list them.
        state: the top-level graph state as the last node left it.
        outcomes: how each task last ended (``completed`` / ``failed`` /
            ``skipped``), keyed by the task's id or title.
        tasks_started: how many tasks have started.
        task: the task in progress (``None``: none).
        task_started: when the task in progress started.
        interrupt_node: the node the run paused at, for the ``resume`` event.
        interrupt_namespace: the subgraph namespace of that node (``()``: the
            top-level graph).
        last_progress: when the last ``progress`` event was sent.
        last_state_update: when the last ``state_update`` event was sent.
        pending_state_update: the node whose ``state_update`` the interval held
            back (``None``: none).
        paused_at: when the run last paused at an interrupt (``time.monotonic()``;
            ``None``: it is not paused).
        tool_elapsed: for each tool call seen (by id), how long it had been open
            when the run paused, in seconds; its clock restarts on resume, so a
            ``tool_end`` after the resume has a latency that leaves out the pause.
        tool_names: each tool call's tool name, by id.
        activity: what the run did, for the ``run_end`` of a run without tasks.
        task_graph: whether the graph has the task lifecycle's nodes (its
            ``run_end`` then counts tasks, even when it started none).
    """

    started: float
    roadmap_path: str
    total_tasks: int
    state: dict[str, Any] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)
    tasks_started: int = 0
    task: dict[str, Any] | None = None
    task_started: float | None = None
    interrupt_node: str | None = None
    interrupt_namespace: Namespace = ()
    last_progress: float = float("-inf")
    last_state_update: float = float("-inf")
    pending_state_update: str | None = None
    paused_at: float | None = None
    tool_elapsed: dict[str, float] = field(default_factory=dict)
    tool_names: dict[str, str] = field(default_factory=dict)
    activity: Activity = field(default_factory=Activity)
    task_graph: bool = False

    @property
    def has_tasks(self) -> bool:
        """Whether the run is an executor run: its graph has the task nodes, or it
        knows of tasks, or it started one."""
        return (
            self.task_graph or self.total_tasks > 0 or self.tasks_started > 0 or bool(self.outcomes)
        )

    def pause_tool_clocks(
        self, starts: Mapping[str, float], names: Mapping[str, str], now: float
    ) -> None:
        """Keep the tool calls' clocks while the run is paused.

        Args:
            starts: when each tool call started (``time.perf_counter()``), by id.
            names: each tool call's tool name, by id.
            now: the time of the pause (``time.perf_counter()``).
        """
        self.tool_elapsed = {call_id: now - started for call_id, started in starts.items()}
        self.tool_names = dict(names)

    def resumed_tool_starts(self, now: float) -> dict[str, float]:
        """The tool calls' start times for a stream resuming at *now*
        (``time.perf_counter()``): each call's clock goes on from where it paused."""
        return {call_id: now - elapsed for call_id, elapsed in self.tool_elapsed.items()}

    def counts(self) -> tuple[int, int, int]:
        """``(completed, failed, skipped)``: each task counted once, by how it last ended."""
        outcomes = list(self.outcomes.values())
        return (
            outcomes.count("completed"),
            outcomes.count("failed"),
            outcomes.count("skipped"),
        )
