"""The task lifecycle a graph's nodes show: which nodes, and the events their ends give.

:class:`TaskNodes` names the nodes and state keys of the lifecycle;
:class:`TaskLifecycle` turns the end of one of those top-level nodes into
``task_start``, ``task_complete``, ``task_failed`` or ``task_skipped``, and
``progress`` after a task ends.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ai_infra_executor.builders import (
    create_progress_event,
    create_task_complete_event,
    create_task_failed_event,
    create_task_skipped_event,
    create_task_start_event,
    error_text,
    task_to_dict,
)
from ai_infra_executor.events import ExecutorStreamEvent
from ai_infra_executor.graph_run import Run
from ai_infra_executor.graph_values import get_field, plain, readable

__all__ = ["TaskLifecycle", "TaskNodes", "task_error"]


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


def task_error(error: Any) -> BaseException | str:
    """A task's *error* as the builders take it: the exception itself, else its
    text (``"task failed"`` when it has none)."""
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


class TaskLifecycle:
    """The task-lifecycle events of one stream of *run*, read as *nodes* say.

    Args:
        run: the run being streamed; its task, counts and progress clock are updated.
        nodes: the nodes and state keys of the task lifecycle.
        progress_events: emit ``progress`` when a task ends.
        interval_s: the least time between two ``progress`` events, in seconds.
    """

    def __init__(
        self, run: Run, nodes: TaskNodes, *, progress_events: bool, interval_s: float
    ) -> None:
        self.run = run
        self.nodes = nodes
        self.progress_events = progress_events
        self.interval_s = interval_s

    def node_ended(
        self,
        name: str,
        entering: Mapping[str, Any],
        result: Mapping[str, Any],
        received: Any,
    ) -> list[ExecutorStreamEvent]:
        """The lifecycle events of top-level node *name* ending (none if it is
        not a lifecycle node).

        Args:
            name: the node.
            entering: the run's state before the node's update.
            result: the node's update (already merged into the run's state).
            received: what the node was given as input.
        """
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
            error = _first_set(get_field(received, nodes.error_key), result.get(nodes.error_key))
            event = create_task_failed_event(task, task_error(error), took)
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
