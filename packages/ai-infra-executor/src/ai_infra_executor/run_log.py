"""`RunLog`: the events of runs, kept so that anyone can watch a run, from anywhere,
and pick up again after a network blip without losing or repeating an event.

A run log holds, per run, its events in order, each with an id that orders them
(the id of Redis Streams: ``<ms>-<seq>``); whether the run has ended; and when it
started. Watchers read a run from a position (after an event id) and then tail it
until its end. Two backends implement it: :class:`~ai_infra_executor.run_log_memory.MemoryRunLog`
(one process, bounded) and :class:`~ai_infra_executor.run_log_redis.RedisRunLog`
(Redis Streams, the ``server`` extra).

Importing this module imports no server or Redis library.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "RESET_EVENT_TYPE",
    "LogEntry",
    "RunInfo",
    "RunLog",
    "UnknownRunError",
    "new_run_id",
]

#: The type of the event a reader gets first when the position it asked for is older
#: than what the log still holds: what follows starts at the oldest event kept.
RESET_EVENT_TYPE = "log_reset"


def new_run_id() -> str:
    """A new run id: 128 random bits, URL-safe (unguessable: it is a run's only name)."""
    return secrets.token_urlsafe(16)


class UnknownRunError(KeyError):
    """No run of that id is in the log (never was, or was dropped)."""


@dataclass(frozen=True)
class LogEntry:
    """One event of a run, as the log holds it.

    Attributes:
        id: its position in the run (``<ms>-<seq>``; later events have greater ids).
        event: the event's wire dict (what ``JsonFormatter`` writes for it).
    """

    id: str
    event: Mapping[str, Any]


@dataclass(frozen=True)
class RunInfo:
    """What the log knows of a run.

    Attributes:
        id: the run's id.
        status: ``running`` or ``ended``.
        started: when its first event was appended (Unix seconds).
        events: how many events it holds now.
    """

    id: str
    status: str
    started: float
    events: int


class RunLog(Protocol):
    """The events of runs, in order, readable from any position and tailed live."""

    async def append(self, run_id: str, event: Mapping[str, Any]) -> str:
        """Add *event* (a wire dict) to the run (made when new); its id."""
        ...

    async def end(self, run_id: str) -> None:
        """Mark the run ended: tails stop after its last event."""
        ...

    async def read(
        self, run_id: str, after: str | None = None, limit: int = 1000
    ) -> list[LogEntry]:
        """Up to *limit* events after the id *after* (``None``: from the start). When
        *after* is older than the oldest event kept, the first entry is a
        :data:`RESET_EVENT_TYPE` event, then the oldest kept.

        Raises:
            UnknownRunError: no such run.
        """
        ...

    def tail(self, run_id: str, after: str | None = None) -> AsyncIterator[LogEntry]:
        """The events after *after*, then each new one as it is appended, until the
        run's end (as :meth:`read`, reset event included).

        Raises:
            UnknownRunError: no such run (when iteration starts).
        """
        ...

    async def runs(self) -> list[RunInfo]:
        """Every run the log holds, the newest first."""
        ...

    async def info(self, run_id: str) -> RunInfo:
        """What the log knows of one run.

        Raises:
            UnknownRunError: no such run.
        """
        ...

    async def close(self) -> None:
        """Release what the log holds (connections); wakes tails, which end."""
        ...
