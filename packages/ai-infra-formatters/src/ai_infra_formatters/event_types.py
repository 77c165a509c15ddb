"""The event type names this package knows (Rich-free, cheap to import)."""

from __future__ import annotations

from typing import Final

__all__ = [
    "CORE_EVENT_TYPES",
    "EXECUTOR_EVENT_TYPES",
    "KNOWN_EVENT_TYPES",
    "UNKNOWN_EVENT_TYPE",
]

#: The twelve event types of ``ai_infra.llm.streaming.StreamEvent`` (ai-infra 1.19).
CORE_EVENT_TYPES: Final[tuple[str, ...]] = (
    "thinking",
    "reasoning",
    "token",
    "tool_start",
    "tool_end",
    "usage",
    "turn_start",
    "turn_end",
    "intent",
    "todo",
    "done",
    "error",
)

#: The thirteen lifecycle event types an executor adds on top of the core ones.
EXECUTOR_EVENT_TYPES: Final[tuple[str, ...]] = (
    "run_start",
    "run_end",
    "node_start",
    "node_end",
    "node_error",
    "state_update",
    "task_start",
    "task_complete",
    "task_failed",
    "task_skipped",
    "progress",
    "interrupt",
    "resume",
)

KNOWN_EVENT_TYPES: Final[frozenset[str]] = frozenset(CORE_EVENT_TYPES + EXECUTOR_EVENT_TYPES)

#: The type given to an event that names none (it is still shown, never dropped).
UNKNOWN_EVENT_TYPE: Final[str] = "unknown"
