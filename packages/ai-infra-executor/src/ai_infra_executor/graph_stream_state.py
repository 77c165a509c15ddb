"""What the translators of one LangGraph stream share: the run, its running tasks, its chat.

:class:`~ai_infra_executor.graph_events.ChunkTranslator` makes one
:class:`StreamState` per stream and hands it to the translators of the stream
modes (:mod:`~ai_infra_executor.graph_tasks`,
:mod:`~ai_infra_executor.graph_open_work`, :mod:`~ai_infra_executor.graph_custom`):
they read and change it there, never in each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ai_infra_executor.chat_messages import MessageTranslator
from ai_infra_executor.graph_run import Run
from ai_infra_executor.graph_values import Namespace

__all__ = ["Running", "StreamState"]


@dataclass
class Running:
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


@dataclass
class StreamState:
    """The state of one stream that more than one stream mode reads.

    Attributes:
        run: the run being streamed; its state, task and counts are updated.
        running: the tasks started and not yet ended, by ``(namespace, task id)``.
        chat: the translator of chat-model messages (it holds the tool calls
            it has seen start).
        top_level_error_reported: a top-level node's ``node_error`` was given.
    """

    run: Run
    running: dict[tuple[Namespace, str], Running] = field(default_factory=dict)
    chat: MessageTranslator = field(default_factory=MessageTranslator)
    top_level_error_reported: bool = False

    def node_of(self, ns: Namespace) -> str | None:
        """The node running in namespace *ns*, if exactly one is."""
        names = {r.name for (space, _), r in self.running.items() if space == ns}
        return names.pop() if len(names) == 1 else None
