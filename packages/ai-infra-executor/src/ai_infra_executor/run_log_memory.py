"""`MemoryRunLog`: the run log of one process, in memory, bounded.

Each run keeps at most ``max_events_per_run`` events (the oldest are dropped; a
reader whose position was dropped gets the reset event first, then the oldest
kept) and the log keeps at most ``max_runs`` runs (the oldest ended runs are
dropped first, then the oldest running ones). Numbered appends (``first_seq``)
skip the events the run already holds, by number. Tails wait on an :class:`asyncio.Event`
that every append and end replace, so any number of them share one wake-up.

Not thread-safe: use it from one event loop.
"""

from __future__ import annotations

import asyncio
import bisect
import time
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from typing import Any

from ai_infra_executor.run_log import (
    LogEntry,
    RunInfo,
    UnknownRunError,
    each_entry,
    parse_event_id,
    reset_entry,
)

__all__ = ["MemoryRunLog"]


class _Run:
    """One run's events (``entries``, oldest first) and what is known of it."""

    __slots__ = (
        "changed",
        "dropped",
        "ended",
        "entries",
        "keys",
        "last_dropped",
        "last_key",
        "seq",
        "started",
    )

    def __init__(self) -> None:
        self.entries: deque[LogEntry] = deque()
        # The ids of ``entries`` as ordered pairs, for bisect.
        self.keys: deque[tuple[int, int]] = deque()
        self.last_key = (0, 0)
        #: How many events were dropped, and the id of the newest of them.
        self.dropped = 0
        self.last_dropped: tuple[int, int] | None = None
        self.ended = False
        #: The highest number of a numbered event appended (0: none).
        self.seq = 0
        self.started = time.time()
        # Set (and replaced) on every append and on end: the tails' wake-up.
        self.changed = asyncio.Event()

    def next_key(self) -> tuple[int, int]:
        """A key greater than every earlier one: the clock's ms, or the last ms and seq + 1."""
        ms = int(time.time() * 1000)
        last_ms, last_seq = self.last_key
        key = (ms, 0) if ms > last_ms else (last_ms, last_seq + 1)
        self.last_key = key
        return key

    def wake(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()

    def position(self, after: tuple[int, int] | None) -> int:
        """The absolute index (counting dropped events) of the first event after *after*."""
        if after is None or (self.last_dropped is not None and after < self.last_dropped):
            return 0  # before some dropped event: slice() gives the reset entry
        return self.dropped + bisect.bisect_right(self.keys, after)

    def slice(self, start: int, limit: int) -> tuple[list[LogEntry], int]:
        """Up to *limit* entries from absolute index *start* (reset entry first when
        *start* was dropped), and the absolute index after them."""
        out: list[LogEntry] = []
        if start < self.dropped:
            assert self.last_dropped is not None
            out.append(reset_entry(_format_key(self.last_dropped)))
            start = self.dropped
        first = start - self.dropped
        stop = min(len(self.entries), first + limit)
        if first == 0 and stop == len(self.entries):
            out.extend(self.entries)
        else:
            out.extend(self.entries[i] for i in range(first, stop))
        return out, self.dropped + stop


def _format_key(key: tuple[int, int]) -> str:
    return f"{key[0]}-{key[1]}"


class MemoryRunLog:
    """A :class:`~ai_infra_executor.run_log.RunLog` in this process's memory.

    Args:
        max_events_per_run: how many events a run keeps; older ones are dropped.
        max_runs: how many runs the log keeps; when a new run would exceed it, the
            oldest ended run is dropped (the oldest running one if none has ended).
    """

    def __init__(self, max_events_per_run: int = 100_000, max_runs: int = 100) -> None:
        if max_events_per_run < 1 or max_runs < 1:
            raise ValueError("max_events_per_run and max_runs must be at least 1")
        self.max_events_per_run = max_events_per_run
        self.max_runs = max_runs
        self._runs: dict[str, _Run] = {}  # insertion order: the oldest first
        self._closed = False

    def _run(self, run_id: str) -> _Run:
        run = self._runs.get(run_id)
        if run is None:
            raise UnknownRunError(run_id)
        return run

    def _new_run(self, run_id: str) -> _Run:
        if self._closed:
            raise RuntimeError("the run log is closed")
        while len(self._runs) >= self.max_runs:
            victim = next((rid for rid, r in self._runs.items() if r.ended), None)
            if victim is None:
                victim = next(iter(self._runs))
            dropped = self._runs.pop(victim)
            dropped.ended = True
            dropped.wake()
        run = self._runs[run_id] = _Run()
        return run

    async def append(self, run_id: str, event: Mapping[str, Any]) -> str:
        """Add *event* (a wire dict) to the run (made when new); its id."""
        return (await self.append_many(run_id, (event,)))[0]

    async def append_many(
        self,
        run_id: str,
        events: Sequence[Mapping[str, Any]],
        *,
        first_seq: int | None = None,
    ) -> list[str]:
        """Add *events*, in order, at once; the ids of those added (numbered events
        the run already holds, by *first_seq*, are skipped)."""
        if first_seq is not None and first_seq < 1:
            raise ValueError("first_seq must be at least 1")
        if not events:
            return []
        run = self._runs.get(run_id) or self._new_run(run_id)
        if run.ended:
            raise ValueError(f"run {run_id!r} has ended")
        if first_seq is not None:
            last_seq = first_seq + len(events) - 1
            events = events[max(0, run.seq - first_seq + 1) :]  # skip those held
            if not events:
                return []
            run.seq = last_seq
        ids: list[str] = []
        for event in events:
            key = run.next_key()
            event_id = _format_key(key)
            run.entries.append(LogEntry(event_id, event))
            run.keys.append(key)
            ids.append(event_id)
        excess = len(run.entries) - self.max_events_per_run
        if excess > 0:
            for _ in range(excess):
                run.entries.popleft()
                run.last_dropped = run.keys.popleft()
            run.dropped += excess
        if ids:
            run.wake()
        return ids

    async def end(self, run_id: str) -> None:
        """Mark the run ended: tails stop after its last event."""
        run = self._run(run_id)
        if not run.ended:
            run.ended = True
            run.wake()

    async def read(
        self, run_id: str, after: str | None = None, limit: int = 1000
    ) -> list[LogEntry]:
        """Up to *limit* events after *after* (reset entry first when some were dropped)."""
        run = self._run(run_id)
        key = None if after is None else parse_event_id(after)
        entries, _ = run.slice(run.position(key), limit)
        return entries

    def tail(self, run_id: str, after: str | None = None) -> AsyncIterator[LogEntry]:
        """The events after *after*, then each new one, until the run's end."""
        return each_entry(self.tail_batches(run_id, after))

    async def tail_batches(
        self, run_id: str, after: str | None = None
    ) -> AsyncGenerator[Sequence[LogEntry], None]:
        """As :meth:`tail`, in the runs the events are there in (never empty): a reader
        that takes many at once (the server's event streams) steps once per batch."""
        run = self._run(run_id)
        key = None if after is None else parse_event_id(after)
        position = run.position(key)
        while True:
            changed = run.changed
            entries, position = run.slice(position, 1000)
            if entries:
                yield entries
                continue  # more may have come while the reader held the last ones
            if run.ended or self._closed:
                return
            await changed.wait()

    async def runs(self) -> list[RunInfo]:
        """Every run the log holds, the newest first."""
        return [_info(rid, run) for rid, run in reversed(self._runs.items())]

    async def info(self, run_id: str) -> RunInfo:
        """What the log knows of one run."""
        return _info(run_id, self._run(run_id))

    async def close(self) -> None:
        """Drop every run; wakes tails, which end."""
        self._closed = True
        for run in self._runs.values():
            run.wake()
        self._runs.clear()


def _info(run_id: str, run: _Run) -> RunInfo:
    return RunInfo(run_id, "ended" if run.ended else "running", run.started, len(run.entries))
