"""`RedisRunLog`: the run log on Redis Streams (the ``server`` extra).

Keys, under a prefix (``ai-infra:`` by default):

* ``events:<id>``, a stream per run: each event one entry whose ``e`` field
  is its wire dict as JSON (orjson); the stream id is the event id. Event *n* of
  a run (from 0) has the id ``<ms>-<n>`` (``<ms>``: when the run started; Redis
  numbers the entries, ``XADD <ms>-*``), so the first entry kept tells exactly
  how many were trimmed. Appends trim with an approximate ``MAXLEN``. Ending a run
  adds a last entry with an ``end`` field, which wakes the tails (``XREAD BLOCK``)
  so they stop.
* ``run:<id>``, a hash: ``status`` (``running``/``ended``), ``started`` (Unix
  seconds), ``ms`` (the ids' first part), ``seq`` (the highest number of a
  numbered event appended: a numbered append skips the events numbered at or
  below it, so a retry whose first try was applied adds nothing twice).
* ``runs``, a sorted set of run ids by start time, and ``ended``, the same for
  the ended runs only. The log keeps at most ``max_runs`` runs: making one more
  drops the oldest ended run (its hash and stream deleted), or when none has
  ended, the oldest running one (its stream gets the end entry, so its tails
  stop, and expires a minute later; its hash is deleted at once). A dropped run's
  id then names no run, as with ``MemoryRunLog``.

Appending, ending and reading are Lua scripts, each atomic (appending may drop
other runs' keys, which it names from the prefix: one Redis, not a Cluster): a reader learns in the
same step as its events whether any event after its position was trimmed, and
then gets the reset entry first instead of a silent gap. (``XADD MAXLEN ~`` does
not record what it trimmed: Redis 7's ``max-deleted-entry-id`` counts only
``XDEL``; hence the numbering.)

This is the only module that imports redis-py.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping, Sequence
from typing import Any

import orjson
import redis.asyncio as redis
from redis.exceptions import ResponseError

from ai_infra_executor.run_log import (
    LogEntry,
    RunInfo,
    UnknownRunError,
    each_entry,
    parse_event_id,
    reset_entry,
)
from ai_infra_executor.sized_cache import SizedCache

__all__ = ["RedisRunLog"]

# KEYS: run hash, stream, runs index, ended index.
# ARGV: run id, now, now in ms, maxlen, max runs, key prefix, first seq ('': none), event JSON...
_APPEND = """
local run = redis.call('HMGET', KEYS[1], 'status', 'ms', 'seq')
local status, ms = run[1], run[2]
if status == 'ended' then return redis.error_reply('ENDED the run has ended') end
if not status then
  ms = ARGV[3]
  redis.call('DEL', KEYS[2])  -- what a dropped run of this id left for its tails
  redis.call('HSET', KEYS[1], 'status', 'running', 'started', ARGV[2], 'ms', ms)
  redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
  local excess = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[5])
  while excess > 0 do
    local victim = redis.call('ZRANGE', KEYS[4], 0, 0)[1]
    local ended = victim ~= nil
    if not ended then
      local oldest = redis.call('ZRANGE', KEYS[3], 0, 1)
      victim = oldest[1]
      if victim == ARGV[1] then victim = oldest[2] end
    end
    local hash, stream = ARGV[6] .. 'run:' .. victim, ARGV[6] .. 'events:' .. victim
    if ended then
      redis.call('DEL', hash, stream)
    else
      local victim_ms = redis.call('HGET', hash, 'ms')
      if victim_ms then redis.call('XADD', stream, victim_ms .. '-*', 'end', '1') end
      redis.call('DEL', hash)
      redis.call('EXPIRE', stream, 60)
    end
    redis.call('ZREM', KEYS[3], victim)
    redis.call('ZREM', KEYS[4], victim)
    excess = excess - 1
  end
end
local first = 8
if ARGV[7] ~= '' then
  local numbered = tonumber(ARGV[7])
  local held = tonumber(run[3] or '0')
  if held >= numbered then first = first + held - numbered + 1 end
  if first <= #ARGV then redis.call('HSET', KEYS[1], 'seq', tostring(numbered + #ARGV - 8)) end
end
local ids = {}
for i = first, #ARGV do
  ids[#ids + 1] = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], ms .. '-*', 'e', ARGV[i])
end
return ids
"""

# KEYS: run hash, stream, ended index. ARGV: now, run id. 0 when there is no such run.
_END = """
local run = redis.call('HMGET', KEYS[1], 'status', 'ms', 'started')
if not run[1] then return 0 end
if run[1] ~= 'ended' then
  redis.call('HSET', KEYS[1], 'status', 'ended', 'ended', ARGV[1])
  redis.call('XADD', KEYS[2], run[2] .. '-*', 'end', '1')
  redis.call('ZADD', KEYS[3], run[3], ARGV[2])
end
return 1
"""

# KEYS: run hash, stream. ARGV: XRANGE start, count.
# {status, the first entry kept ({} if none), entries}; nil when there is no such run.
_READ = """
local status = redis.call('HGET', KEYS[1], 'status')
if not status then return false end
local first = redis.call('XRANGE', KEYS[2], '-', '+', 'COUNT', 1)
return {status, first, redis.call('XRANGE', KEYS[2], ARGV[1], '+', 'COUNT', ARGV[2])}
"""

#: What a read gives: the entries (reset first if needed), whether the run's end was
#: reached, the id to read after next.
_Read = tuple[list[LogEntry], bool, str | None]
#: How many events a tail behind reads from Redis at once: a watcher replaying a run
#: gets it in few large batches (fewer reads, fewer sends).
_TAIL_CHUNK = 5000
#: About how many events the kept reads of ended runs hold in all (a few chunks).
_ENDED_READS_EVENTS = 20_000

#: How long one ``XREAD BLOCK`` of a tail waits before looking again (ms).
_BLOCK_MS = 1000
_EVENT = b"e"


class RedisRunLog:
    """A :class:`~ai_infra_executor.run_log.RunLog` on Redis Streams.

    Args:
        url: the Redis server, e.g. ``redis://localhost:6379/0``.
        maxlen: about how many events a run keeps (``XADD MAXLEN ~``: Redis trims
            whole blocks, so a run may keep somewhat more).
        max_runs: how many runs the log keeps; making one more drops the oldest
            ended run (the oldest running one if none has ended).
        prefix: put before every key, to share a Redis database.
        max_connections: the most connections open at once (readers wait for one;
            each run being tailed holds one for its ``XREAD BLOCK``).
        window: how many of a run's newest events this process keeps for its tails
            (read once, shared); a tail further behind reads Redis itself.
    """

    def __init__(
        self,
        url: str,
        *,
        maxlen: int = 100_000,
        max_runs: int = 100,
        prefix: str = "ai-infra:",
        max_connections: int = 64,
        window: int = 10_000,
    ) -> None:
        if maxlen < 1 or max_runs < 1:
            raise ValueError("maxlen and max_runs must be at least 1")
        self.maxlen = maxlen
        self.max_runs = max_runs
        self.prefix = prefix
        pool = redis.BlockingConnectionPool.from_url(url, max_connections=max_connections)
        self._redis: redis.Redis = redis.Redis.from_pool(pool)
        self._feeds: dict[str, _Feed] = {}
        self._reads: dict[tuple[str, str | None, int], asyncio.Future[Any]] = {}
        # Recent reads of ended runs, which cannot change: watchers replaying a run
        # one after another read each chunk from Redis once (bounded, oldest out).
        self._ended_reads: SizedCache[tuple[str, str | None, int], _Read] = SizedCache(
            lambda read: len(read[0]), max_size=_ENDED_READS_EVENTS
        )
        self.window = window
        self._append = self._redis.register_script(_APPEND)
        self._end = self._redis.register_script(_END)
        self._read = self._redis.register_script(_READ)
        self._closed = False

    def _keys(self, run_id: str) -> list[str]:
        # Different leading words: no run id can name another run's key.
        return [f"{self.prefix}run:{run_id}", f"{self.prefix}events:{run_id}"]

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
        """Add *events*, in order, in one atomic step; the ids of those added
        (numbered events the run already holds, by *first_seq*, are skipped)."""
        if first_seq is not None and first_seq < 1:
            raise ValueError("first_seq must be at least 1")
        if not events:
            return []
        now = time.time()
        args: list[Any] = [
            run_id,
            repr(now),
            int(now * 1000),
            self.maxlen,
            self.max_runs,
            self.prefix,
            "" if first_seq is None else first_seq,
        ]
        args.extend(orjson.dumps(event) for event in events)
        keys = [*self._keys(run_id), f"{self.prefix}runs", f"{self.prefix}ended"]
        try:
            ids = await self._append(keys=keys, args=args)
        except ResponseError as exc:
            if "ENDED" in str(exc):
                raise ValueError(f"run {run_id!r} has ended") from None
            raise
        return [i.decode() for i in ids]

    async def end(self, run_id: str) -> None:
        """Mark the run ended (a last ``end`` entry wakes the tails, which stop)."""
        keys = [*self._keys(run_id), f"{self.prefix}ended"]
        if not await self._end(keys=keys, args=[repr(time.time()), run_id]):
            raise UnknownRunError(run_id)

    async def _read_raw(
        self, run_id: str, after: str | None, limit: int
    ) -> tuple[list[LogEntry], bool, str | None]:
        """The entries after *after* (reset first if needed), whether the run's end
        was among them or the run has ended with nothing after *after*, and the
        id to read after next.

        Identical reads in flight at once are made once: tails replaying a run
        together (watchers joining an ended run) read and parse each chunk once;
        the last reads of ended runs are kept, for those who join a little later.
        The entries may be shared: callers must not change them.
        """
        key = (run_id, after, limit)
        kept = self._ended_reads.get(key)
        if kept is not None:
            return kept
        pending = self._reads.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._read_once(run_id, after, limit))
            self._reads[key] = pending
            pending.add_done_callback(lambda done: self._read_done(key, done))
        return await asyncio.shield(pending)

    def _read_done(self, key: tuple[str, str | None, int], done: asyncio.Future[Any]) -> None:
        if self._reads.get(key) is done:
            del self._reads[key]
        if not done.cancelled():
            done.exception()  # retrieved: the readers that wait for it raise it

    async def _read_once(self, run_id: str, after: str | None, limit: int) -> _Read:
        key = None if after is None else parse_event_id(after)
        start = "-" if after is None else f"({after}"
        found = await self._read(keys=self._keys(run_id), args=[start, limit])
        if found is None:
            raise UnknownRunError(run_id)
        status, first, raw = found
        entries: list[LogEntry] = []
        if first:
            # Event n of a run (from 0) has the id <ms>-<n>: the first kept tells
            # how many were trimmed, and the newest of them.
            ms, kept = parse_event_id(first[0][0].decode())
            last_dropped = (ms, kept - 1)
            if kept and (key is None or key < last_dropped):
                entries.append(reset_entry(f"{ms}-{kept - 1}"))
        ended = False
        last = entries[0].id if entries else after
        for raw_id, fields in raw:
            last = raw_id.decode()
            # fields: [name, value, ...]; an event has one field, e.
            if fields[0] == _EVENT:
                entries.append(LogEntry(last, orjson.loads(fields[1])))
            else:
                ended = True
        if not raw and status == b"ended":
            ended = True
        result = entries, ended, last
        if status == b"ended":  # nothing can be appended or trimmed any more
            self._ended_reads.put((run_id, after, limit), result)
        return result

    async def read(
        self, run_id: str, after: str | None = None, limit: int = 1000
    ) -> list[LogEntry]:
        """Up to *limit* events after *after* (reset entry first when some were trimmed)."""
        entries, _, _ = await self._read_raw(run_id, after, limit)
        return list(entries)  # the caller's own: the read may be shared

    def tail(self, run_id: str, after: str | None = None) -> AsyncIterator[LogEntry]:
        """The events after *after*, then each new one, until the run's end.

        A tail behind reads from Redis itself (``XRANGE``, with the trim check);
        once caught up it follows the run's feed (``_Feed``): one ``XREAD BLOCK``
        per run in this process, each event parsed once for all its tails. Raises
        redis-py's errors when Redis cannot be reached (a reader resumes after the
        last id it got).
        """
        return each_entry(self.tail_batches(run_id, after))

    async def tail_batches(
        self, run_id: str, after: str | None = None
    ) -> AsyncGenerator[Sequence[LogEntry], None]:
        """As :meth:`tail`, the events in the runs they come in (one read from Redis,
        or what the run's feed got since the tail last looked; never empty): a
        reader that takes many at once (the server's event streams) steps once per
        batch, not once per event. The batches may be shared: do not change them.
        """
        last = after
        if after is not None:
            parse_event_id(after)
        feed: _Feed | None = None
        try:
            while not self._closed:
                if feed is None or not feed.covers(last):
                    if feed is not None:
                        feed.detach()
                        feed = None
                    shared = self._feeds.get(run_id)
                    if shared is not None and shared.covers(last):
                        feed = shared  # caught up with the feed: follow it
                        feed.attach()
                        continue
                    entries, ended, last = await self._read_raw(run_id, last, _TAIL_CHUNK)
                    if entries:
                        yield entries
                    if ended:
                        return
                    if entries or last is None:
                        continue
                    feed = self._feed(run_id, last)
                    feed.attach()
                    continue
                changed = feed.changed
                entries, ended = feed.after(last)
                if entries:
                    yield entries
                    last = entries[-1].id
                    continue
                if ended:
                    return
                feed.raise_error()
                if feed.done:  # stopped (the log is closing): look again
                    feed.detach()
                    feed = None
                    continue
                await changed.wait()
        finally:
            if feed is not None:
                feed.detach()

    def _forget(self, run_id: str, feed: _Feed) -> None:
        if self._feeds.get(run_id) is feed:
            del self._feeds[run_id]

    def _feed(self, run_id: str, position: str) -> _Feed:
        feed = self._feeds.get(run_id)
        if feed is None or not feed.covers(position):
            feed = _Feed(self._redis, self._keys(run_id)[1], position, self.window)
            self._feeds[run_id] = feed
            feed.on_done = lambda done: self._forget(run_id, done)
        return feed

    async def runs(self) -> list[RunInfo]:
        """Every run the log holds, the newest first."""
        found: list[Any] = await self._redis.zrevrange(f"{self.prefix}runs", 0, -1)
        ids = [bytes(i).decode() for i in found]
        return [info for info in await self._infos(ids) if info is not None]

    async def info(self, run_id: str) -> RunInfo:
        """What the log knows of one run."""
        (found,) = await self._infos([run_id])
        if found is None:
            raise UnknownRunError(run_id)
        return found

    async def _infos(self, run_ids: list[str]) -> list[RunInfo | None]:
        async with self._redis.pipeline(transaction=False) as pipe:
            for run_id in run_ids:
                run_key, stream = self._keys(run_id)
                pipe.hmget(run_key, ["status", "started"])
                pipe.xlen(stream)
            replies = await pipe.execute()
        infos: list[RunInfo | None] = []
        for i, run_id in enumerate(run_ids):
            (status, started), length = replies[2 * i], replies[2 * i + 1]
            if status is None:
                infos.append(None)
                continue
            ended = status == b"ended"
            # An ended run's stream holds the end entry too.
            events = max(0, length - 1) if ended else length
            infos.append(RunInfo(run_id, status.decode(), float(started), events))
        return infos

    async def close(self) -> None:
        """Close the connections; tails end."""
        self._closed = True
        self._ended_reads.clear()
        feeds = list(self._feeds.values())
        self._feeds.clear()
        for feed in feeds:
            await feed.stop()
        await self._redis.aclose()


class _Feed:
    """The new events of one run, read once (``XREAD BLOCK``) for all of this
    process's tails of it, kept in a bounded window.

    Event *n* of a run has the id ``<ms>-<n>``, so the window is indexed by *n*
    and a jump in *n* shows that Redis trimmed events the feed had not read: the
    window then starts again after the jump, and a tail before it falls back to
    reading Redis itself (and gets the reset entry). Runs while tails are
    attached; stops at the run's end, on an error (which its tails raise), or
    when the last tail detaches.
    """

    def __init__(self, client: redis.Redis, stream: str, position: str, window: int) -> None:
        self._client = client
        self._stream = stream
        self._ms, seq = parse_event_id(position)
        self._base = seq + 1  # the number of entries[0]
        self._entries: list[LogEntry] = []
        self._window = window
        self._ended = False
        self._error: BaseException | None = None
        self._attached = 0
        self.changed = asyncio.Event()
        self.done = False
        self.on_done: Callable[[_Feed], None] | None = None
        self._task = asyncio.get_running_loop().create_task(self._run())

    def covers(self, position: str | None) -> bool:
        """Whether the event after *position* is in the window or yet to come (a
        feed that failed or was stopped covers nothing; one at the run's end still
        serves its window)."""
        if position is None or (self.done and not self._ended):
            return False
        ms, seq = parse_event_id(position)
        return ms == self._ms and seq + 1 >= self._base

    def after(self, position: str | None) -> tuple[list[LogEntry], bool]:
        """The window's events after *position* (covered), and whether the run has
        ended with none left after it."""
        assert position is not None
        start = parse_event_id(position)[1] + 1 - self._base
        entries = self._entries[start:]
        return entries, not entries and self._ended

    def raise_error(self) -> None:
        if self._error is not None:
            raise self._error

    def attach(self) -> None:
        self._attached += 1

    def detach(self) -> None:
        self._attached -= 1

    def _wake(self) -> None:
        self.changed.set()
        self.changed = asyncio.Event()

    async def _run(self) -> None:
        position = self._base - 1
        try:
            # The tail that made the feed attached at once; the feed stops with the last.
            while self._attached > 0:
                replies: Any = await self._client.xread(
                    {self._stream: f"{self._ms}-{position}"}, count=1000, block=_BLOCK_MS
                )
                if not replies:
                    continue
                for raw_id, fields in replies[0][1]:
                    seq = parse_event_id(bytes(raw_id).decode())[1]
                    if seq != position + 1:  # trimmed before the feed read it
                        self._entries.clear()
                        self._base = seq
                    position = seq
                    data = fields.get(_EVENT)
                    if data is None:
                        self._ended = True
                        break
                    self._entries.append(LogEntry(f"{self._ms}-{seq}", orjson.loads(data)))
                excess = len(self._entries) - self._window
                if excess > 0:
                    del self._entries[:excess]
                    self._base += excess
                self._wake()
                if self._ended:
                    break
        except Exception as exc:
            self._error = exc
        finally:
            self.done = True
            self._wake()
            if self.on_done is not None:
                self.on_done(self)

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        if not self.done:  # cancelled before it ever ran: its ``finally`` did not
            self.done = True
            self._wake()
