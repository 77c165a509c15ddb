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

import contextlib
import secrets
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "RESET_EVENT_TYPE",
    "BatchTail",
    "LogEntry",
    "RunInfo",
    "RunLog",
    "UnknownRunError",
    "each_entry",
    "new_run_id",
    "parse_event_id",
    "reset_entry",
]

#: The type of the event a reader gets first when the position it asked for is older
#: than what the log still holds: what follows starts at the oldest event kept.
RESET_EVENT_TYPE = "log_reset"


def new_run_id() -> str:
    """A new run id: 128 random bits, URL-safe (unguessable: it is a run's only name)."""
    return secrets.token_urlsafe(16)


def parse_event_id(event_id: str) -> tuple[int, int]:
    """*event_id* (``<ms>-<seq>``, two decimal integers) as a pair that orders ids.

    Raises:
        ValueError: *event_id* is not of that form (e.g. a malformed ``Last-Event-ID``).
    """
    ms, sep, seq = event_id.partition("-")
    if not (sep and ms.isdigit() and seq.isdigit() and ms.isascii() and seq.isascii()):
        raise ValueError(f"not an event id (<ms>-<seq>): {event_id[:40]!r}")
    if len(ms) > 20 or len(seq) > 20:
        raise ValueError(f"event id out of range: {event_id[:40]!r}")
    return int(ms), int(seq)


def reset_entry(last_dropped: str) -> LogEntry:
    """The entry a reader gets first when events after its position were dropped.

    Args:
        last_dropped: the id of the newest event the log dropped; it is the entry's
            id, so a reader resuming after it gets the oldest kept event next.
    """
    return LogEntry(
        last_dropped,
        {
            "type": RESET_EVENT_TYPE,
            "message": "Events after this position are no longer in the log; "
            "continuing from the oldest event kept.",
            "data": {"last_dropped": last_dropped},
        },
    )


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
        """Add *event* (a wire dict) to the run (made when new); its id.

        Raises:
            ValueError: the run has ended.
        """
        ...

    async def append_many(
        self,
        run_id: str,
        events: Sequence[Mapping[str, Any]],
        *,
        first_seq: int | None = None,
    ) -> list[str]:
        """Add *events*, in order, at once (all or none); the ids of those added. No
        events: no change (a run is made by its first event).

        Args:
            run_id: the run (made when new).
            events: the wire dicts to add.
            first_seq: the sender's number of ``events[0]`` (at least 1; the others
                follow, one more each). The run keeps the highest number it was given
                and skips any event numbered at or below it: an append retried after
                its reply was lost (it was applied) adds nothing twice. ``None``: the
                events are not numbered, and all are added.

        Raises:
            ValueError: the run has ended, or *first_seq* is below 1.
        """
        ...

    async def end(self, run_id: str) -> None:
        """Mark the run ended: tails stop after its last event. Ending twice is harmless.

        Raises:
            UnknownRunError: no such run.
        """
        ...

    async def read(
        self, run_id: str, after: str | None = None, limit: int = 1000
    ) -> list[LogEntry]:
        """Up to *limit* events after the id *after* (``None``: from the start). When
        the log dropped events after *after* (with ``None``: any event), the first
        entry is a :data:`RESET_EVENT_TYPE` event (:func:`reset_entry`; it comes on
        top of *limit*), then the oldest kept: never a silent gap.

        Raises:
            UnknownRunError: no such run.
            ValueError: *after* is not an event id (see :func:`parse_event_id`).
        """
        ...

    def tail(self, run_id: str, after: str | None = None) -> AsyncIterator[LogEntry]:
        """The events after *after*, then each new one as it is appended, until the
        run's end (as :meth:`read`, reset event included).

        Raises:
            UnknownRunError: no such run (when iteration starts).
            ValueError: *after* is not an event id (when iteration starts).
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


@runtime_checkable
class BatchTail(Protocol):
    """A run log that can also hand a tail's events over in batches (``MemoryRunLog``
    and ``RedisRunLog`` do): a reader that takes many at once (the server's event
    streams) then steps once per batch rather than once per event."""

    def tail_batches(
        self, run_id: str, after: str | None = None
    ) -> AsyncIterator[Sequence[LogEntry]]:
        """As :meth:`RunLog.tail`, in non-empty batches, in order; the batches may be
        shared between readers: do not change them."""
        ...


async def each_entry(
    batches: AsyncGenerator[Sequence[LogEntry], None],
) -> AsyncIterator[LogEntry]:
    """The entries of *batches*, one at a time; *batches* is closed when this is (a
    log's ``tail`` made of its ``tail_batches``)."""
    async with contextlib.aclosing(batches):
        async for batch in batches:
            for entry in batch:
                yield entry
