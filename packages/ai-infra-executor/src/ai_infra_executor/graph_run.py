"""`Run`: what the streaming executor remembers of one run between its streams.

A run is one LangGraph thread: it may pause at an interrupt and go on in a later
stream, so its counts, current task and throttling clocks outlive one
:class:`~ai_infra_executor.graph_events.ChunkTranslator`.
:class:`~ai_infra_executor.graph.StreamingExecutorMixin` opens and ends runs;
the translator updates the one it streams.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Run"]


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
        last_progress: when the last ``progress`` event was sent.
        last_state_update: when the last ``state_update`` event was sent.
        pending_state_update: the node whose ``state_update`` the interval held
            back (``None``: none).
        paused_at: when the run last paused at an interrupt (``time.monotonic()``;
            ``None``: it is not paused).
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
    last_progress: float = float("-inf")
    last_state_update: float = float("-inf")
    pending_state_update: str | None = None
    paused_at: float | None = None

    def counts(self) -> tuple[int, int, int]:
        """``(completed, failed, skipped)``: each task counted once, by how it last ended."""
        outcomes = list(self.outcomes.values())
        return (
            outcomes.count("completed"),
            outcomes.count("failed"),
            outcomes.count("skipped"),
        )
