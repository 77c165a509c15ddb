"""Publishing a run's events to a run log, without ever holding up the run.

:class:`Publisher` takes events as they come (:meth:`Publisher.put` never waits)
and appends them, in order and in batches, from a task of its own. When the log
cannot be reached (a Redis restart, a network blip) the events wait in a bounded
buffer and are retried, in order, until it is back. Past the bound, further
events are dropped: the publisher logs one line when it starts dropping, and once
the log is back it appends, where the events were lost, one ``error`` event saying
how many. Nothing is lost silently. Nothing is appended twice either: the
publisher numbers the events it appends (from 1, per run) and the log skips the
numbers it already holds, so retrying an append whose reply was lost (Redis
applied it, then the connection dropped) does not repeat its events.

What is appended is each event's wire dict exactly as the JSON format writes it
(``JsonFormatter``'s output, parsed back), so a watcher reads what ``--format
json`` would have printed.

:func:`publish` does it for a whole iterable (or async iterable, e.g. a
``StreamingExecutor`` run) with one call, and ends the run when the events end,
also when they raise or the task is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from dataclasses import dataclass
from itertools import islice
from types import TracebackType
from typing import Any

import orjson

from ai_infra_executor.events import ExecutorStreamEvent
from ai_infra_executor.run_log import RunLog, UnknownRunError, new_run_id
from ai_infra_formatters import JsonFormatter

__all__ = ["Publisher", "publish"]

logger = logging.getLogger(__name__)


@dataclass
class _Gap:
    """Events dropped, in a row, while the buffer was full."""

    lost: int


class Publisher:
    """Appends one run's events to a run log from a background task.

    Use it as an async context manager (or call :meth:`aclose`): leaving it
    appends what is buffered (waiting at most *close_timeout*) and ends the run.

    Args:
        log: where the events go.
        run_id: the run's id; ``None`` makes an unguessable one (:attr:`run_id`).
            One publisher per run: a run that already holds numbered events (of
            another publisher) skips this one's, which is logged as a warning.
        buffer: how many events may wait for the log; past it, events are
            dropped and an ``error`` event says how many.
        batch: at most this many events per append.
        retry_delay: the first wait before retrying a failed append (doubling up
            to *max_retry_delay*, in seconds).
        max_retry_delay: the longest wait between retries (seconds).
        close_timeout: how long closing waits for the buffer to drain and the
            run to end (seconds); what is still buffered then is reported lost
            in one log line.
    """

    def __init__(
        self,
        log: RunLog,
        run_id: str | None = None,
        *,
        buffer: int = 10_000,
        batch: int = 500,
        retry_delay: float = 0.05,
        max_retry_delay: float = 1.0,
        close_timeout: float = 10.0,
    ) -> None:
        if buffer < 1 or batch < 1:
            raise ValueError("buffer and batch must be at least 1")
        self.log = log
        self.run_id = run_id if run_id is not None else new_run_id()
        self.buffer = buffer
        self.batch = batch
        self.retry_delay = retry_delay
        self.max_retry_delay = max_retry_delay
        self.close_timeout = close_timeout
        #: How many events were dropped because the buffer was full.
        self.lost = 0
        #: How many events were put, and how many of them the log took (the notes
        #: of lost events not counted): see :attr:`unpublished`.
        self.put_count = 0
        self.published = 0
        self._appended = 0  # how many events were appended: the number of the last
        self._queue: deque[dict[str, Any] | _Gap] = deque()
        self._pending = 0  # events (not gaps) in the queue
        self._formatter = JsonFormatter()
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._room.set()
        self._reachable = True  # the last append worked (or none was tried)
        self._closing = False
        self._task: asyncio.Task[None] | None = None

    # -- taking events -------------------------------------------------------

    def put(self, event: Any) -> None:
        """Queue *event* (any event the formatters accept); never waits. Call it
        from the event loop's thread (the appends run as a task of that loop).

        Raises:
            RuntimeError: the publisher is closed.
        """
        if self._closing:
            raise RuntimeError("the publisher is closed")
        fields: dict[str, Any] = orjson.loads(self._formatter.format_bytes(event))
        self.put_count += 1
        if self._pending >= self.buffer:
            self._drop()
        else:
            self._queue.append(fields)
            self._pending += 1
            if self._pending >= self.buffer:
                self._room.clear()
        self._start()

    async def put_wait(self, event: Any) -> None:
        """Queue *event*, first waiting for room while the log is reachable (a
        replay or a demo: nothing to hold up). When it is not, as :meth:`put`."""
        while self._pending >= self.buffer and self._reachable and not self._closing:
            await self._room.wait()
        self.put(event)

    @property
    def unpublished(self) -> int:
        """How many of the events put never reached the log (dropped when the buffer
        was full, or still buffered when closing gave up): 0 once all were appended."""
        return self.put_count - self.published

    @property
    def behind(self) -> bool:
        """More than one batch is waiting: the caller should let the loop run."""
        return self._pending > self.batch

    def _drop(self) -> None:
        self.lost += 1
        last = self._queue[-1] if self._queue else None
        if isinstance(last, _Gap):
            last.lost += 1
            return
        self._queue.append(_Gap(1))
        logger.warning(
            "run %s: the run log is not keeping up or unreachable and %d events are "
            "waiting; dropping events until it is back (an error event in the run will "
            "say how many were lost)",
            self.run_id,
            self.buffer,
        )

    def _start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._drain())
        self._wake.set()

    # -- the background task ---------------------------------------------------

    def _lost_event(self, lost: int) -> dict[str, Any]:
        message = (
            f"{lost} events of this run were lost: the run log was unreachable and "
            f"the publisher's buffer of {self.buffer} events was full"
        )
        event = ExecutorStreamEvent("error", error=message, message=message, data={"lost": lost})
        fields: dict[str, Any] = orjson.loads(self._formatter.format_bytes(event))
        return fields

    async def _drain(self) -> None:
        """Append the queue, in order, retrying after failures, until closed and empty."""
        delay = self.retry_delay
        retrying = False  # the head of the queue failed to append before
        while True:
            if not self._queue:
                if self._closing:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            head = self._queue[0]
            if isinstance(head, _Gap):
                events = [self._lost_event(head.lost)]
                taken = 1
            else:
                events = []
                for item in islice(self._queue, self.batch):
                    if isinstance(item, _Gap):
                        break
                    events.append(item)
                taken = len(events)
            try:
                # Numbered: a retry of an append that was applied adds nothing again.
                ids = await self.log.append_many(self.run_id, events, first_seq=self._appended + 1)
            except ValueError:
                # The run was ended by someone else: nothing more can be appended.
                logger.warning(
                    "run %s has ended in the log; %d events not published",
                    self.run_id,
                    self._pending,
                )
                self._discard()
                return
            except Exception as exc:  # the log is unreachable: wait, retry the same
                self._reachable = False
                retrying = True
                self._room.set()  # put_wait() callers stop waiting and drop
                logger.debug("run %s: append failed (%r); retrying", self.run_id, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_retry_delay)
                continue
            if len(ids) < len(events) and not retrying:
                logger.warning(
                    "run %s already held %d of the events numbered from %d (another "
                    "publisher's?): they were not appended",
                    self.run_id,
                    len(events) - len(ids),
                    self._appended + 1,
                )
            self._reachable = True
            retrying = False
            delay = self.retry_delay
            self._appended += len(events)
            if not isinstance(head, _Gap):
                self.published += taken
            for _ in range(taken):
                self._queue.popleft()
            if not isinstance(head, _Gap):
                self._pending -= taken
                if self._pending < self.buffer:
                    self._room.set()

    def _discard(self) -> None:
        self._queue.clear()
        self._pending = 0
        self._room.set()

    # -- closing -------------------------------------------------------------

    async def aclose(self) -> None:
        """Append what is buffered, then end the run (each within *close_timeout*)."""
        if self._closing:
            return
        self._closing = True
        self._wake.set()
        self._room.set()
        task = self._task
        if task is None:
            return  # nothing was ever put: there is no run to end
        try:
            await asyncio.wait_for(asyncio.shield(task), self.close_timeout)
        except asyncio.TimeoutError:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            logger.warning(
                "run %s: the run log was unreachable for %.1f s at the end; "
                "%d buffered events were not published",
                self.run_id,
                self.close_timeout,
                self._pending,
            )
            self._discard()
        await self._retry(lambda: self.log.end(self.run_id), "end the run")

    async def _retry(self, call: Callable[[], Awaitable[None]], what: str) -> None:
        delay = self.retry_delay
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.close_timeout
        while True:
            try:
                await asyncio.wait_for(call(), max(0.0, deadline - loop.time()))
            except UnknownRunError:
                return  # nothing of the run reached the log
            except Exception as exc:
                if loop.time() + delay >= deadline:
                    logger.warning("run %s: could not %s: %r", self.run_id, what, exc)
                    return
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.max_retry_delay)
            else:
                return

    async def __aenter__(self) -> Publisher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


async def publish(
    events: Iterable[Any] | AsyncIterable[Any],
    log: RunLog,
    run_id: str | None = None,
    *,
    buffer: int = 10_000,
) -> str:
    """Append every event of *events* to *log* as one run, end it, and return its id.

    Args:
        events: the run's events: an async iterable (a live run, e.g. a
            ``StreamingExecutor`` stream: it is never held up; past *buffer*
            events waiting for the log, events are dropped and reported) or an
            iterable (events already made: it waits for room while the log is
            reachable).
        log: where they go.
        run_id: the run's id (make one first with
            :func:`~ai_infra_executor.run_log.new_run_id` to show it before the
            run ends); ``None`` makes one.
        buffer: see :class:`Publisher`.

    When *events* raises, or the task is cancelled, nothing more is taken from it:
    what was taken is appended, the run is ended, and the exception propagates.
    """
    async with Publisher(log, run_id, buffer=buffer) as publisher:
        if isinstance(events, AsyncIterable):
            async for event in events:
                publisher.put(event)
                if publisher.behind:
                    await asyncio.sleep(0)  # let the appends run
        else:
            for event in events:
                await publisher.put_wait(event)
                if publisher.behind:
                    await asyncio.sleep(0)
    return publisher.run_id
