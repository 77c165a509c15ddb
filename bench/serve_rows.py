"""Bench rows of publishing runs and watching them over HTTP (issue 15).

* ``publish_redis``: a real ``StreamingExecutor`` run (the demo graph, no scripted
  latency, a roadmap of :data:`DEMO_TASKS` tasks) writing its JSON lines to
  /dev/null, against the same run also publishing every event to a real
  ``redis-server`` with a :class:`~ai_infra_executor.publish.Publisher`; each timed
  until the publisher is closed (every event appended, the run ended). Interleaved
  rounds, best of each.
* ``watchers_200`` (live) and ``watchers_200_replay``: a run of
  :data:`RUN_EVENTS` events delivered by ``ai-infra-executor serve --redis`` (a
  child process: the real server, the real backend) to 200 watchers, against the
  same delivered to one. The watchers are another child process
  (``packages/ai-infra-executor/tests/sse_watchers.py``, the test's own client).
  Live: the run is appended by this process (a ``Publisher``, as fast as Redis
  takes it) while the watchers watch; timed from the first event after they are
  all connected until the last watcher has the stream's end. Replay: a run that
  has ended and that the server has not read yet (a new one each round, nothing
  of it cached); timed in the watchers' process from opening the connections until
  the last has the end. Every watcher's stream is checked (one sequence for all, every
  event and the ``end`` event) once the time is taken.

Each row is skipped, with the reason, when ``redis-server`` is not installed or the
``server`` extra (or, for ``publish_redis``, LangGraph) is missing.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, Protocol

REPO_ROOT: Final = Path(__file__).resolve().parents[1]
#: The watchers' process: the 200-watchers test's client script.
WATCHERS_SCRIPT: Final = REPO_ROOT / "packages" / "ai-infra-executor" / "tests" / "sse_watchers.py"

#: The tasks of the demo roadmap the ``publish_redis`` run works through.
DEMO_TASKS: Final = 40
#: The events of the run the watchers rows deliver.
RUN_EVENTS: Final = 10_000
#: The watchers of the many-watchers side.
WATCHERS: Final = 200

#: The rows, in run.py's ROWS form: id, figure, baseline, op, target, unit.
SERVE_ROWS: Final[tuple[tuple[str, str, str, str, float, str], ...]] = (
    ("publish_redis", f"demo run ({DEMO_TASKS} tasks, no latency), json to /dev/null, "
     "+ Publisher to redis-server", "the same run without publishing", "<=", 1.5, "x"),
    ("watchers_200", f"serve --redis: a live {RUN_EVENTS:,}-event run to {WATCHERS} watchers",
     "the same to 1 watcher", "<=", 3.0, "x"),
    ("watchers_200_replay", f"serve --redis: an ended {RUN_EVENTS:,}-event run to "
     f"{WATCHERS} watchers", "the same to 1 watcher", "<=", 3.0, "x"),
)  # fmt: skip


class _Row(Protocol):
    """What these rows use of run.py's ``Row``."""

    detail: dict[str, Any]

    def judge(self, value: float, *, extra_ok: bool = True, note: str = "") -> None: ...

    def skip(self, why: str) -> None: ...


def _missing(*modules: str) -> str | None:
    """Why these rows cannot run here, or ``None``."""
    if shutil.which("redis-server") is None:
        return "redis-server is not installed (apt-get install redis-server)"
    for name in modules:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            found = False
        if not found:
            return f"{name} is not importable (pip install 'ai-infra-executor[server,langgraph]')"
    return None


# -- processes --------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_listening(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"{what} exited at start") from None
            time.sleep(0.02)
    raise RuntimeError(f"{what} did not listen on {port} within 30 s")


@contextlib.contextmanager
def _process(args: Sequence[str], port: int, what: str) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_listening(port, process, what)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A ``redis-server`` of its own (nothing on disk); its URL."""
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="ai-infra-bench-redis-") as tmp:
        args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                "--appendonly", "no", "--dir", tmp]  # fmt: skip
        with _process(args, port, "redis-server"):
            yield f"redis://127.0.0.1:{port}/0"


@contextlib.contextmanager
def serve(redis_url: str) -> Iterator[tuple[int, int]]:
    """``ai-infra-executor serve --redis`` as a child process; its port and pid."""
    port = _free_port()
    args = [sys.executable, "-m", "ai_infra_executor", "serve", "--redis", redis_url,
            "--port", str(port)]  # fmt: skip
    with _process(args, port, "ai-infra-executor serve") as process:
        yield port, process.pid


def cpu_seconds(pid: int) -> float | None:
    """The CPU seconds (user + system) process *pid* has used (``None``: not on Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- publish_redis ------------------------------------------------------------------


def _roadmap(directory: Path, tasks: int) -> Path:
    path = directory / "ROADMAP.md"
    lines = [f"- [ ] Task {n} (app/m{n}.py, tests/test_m{n}.py)" for n in range(1, tasks + 1)]
    path.write_text("# Bench roadmap\n\n" + "\n".join(lines) + "\n", "utf-8")
    return path


async def _demo_run(roadmap: Path, redis_url: str | None, thread: str) -> tuple[float, int]:
    """One demo run, its JSON lines to /dev/null (and published to *redis_url*):
    its seconds until the publisher is closed, and its events."""
    from ai_infra_executor import ExecutorStreamConfig, stream_to_console
    from ai_infra_executor.demo.graph import build_demo_graph
    from ai_infra_executor.demo.roadmap import initial_state
    from ai_infra_executor.graph import StreamingExecutor
    from ai_infra_executor.publish import Publisher
    from ai_infra_executor.run_log_redis import RedisRunLog

    state = initial_state(roadmap)
    graph = build_demo_graph(latency_scale=0.0)
    events = 0
    with open(os.devnull, "w", encoding="utf-8") as sink:
        config = dataclasses.replace(ExecutorStreamConfig.json_output(), output_stream=sink)
        executor = StreamingExecutor(graph, streaming_config=config, subgraphs=True)
        run_config = {"configurable": {"thread_id": thread},
                      "recursion_limit": 10 + 8 * len(state["todos"])}  # fmt: skip
        start = time.perf_counter()
        publisher = Publisher(RedisRunLog(redis_url)) if redis_url is not None else None
        async for event in executor.astream_events(state, run_config):
            events += 1
            stream_to_console(event, config)
            if publisher is not None:
                publisher.put(event)
        if publisher is not None:
            await publisher.aclose()
            await publisher.log.close()
        elapsed = time.perf_counter() - start
    return elapsed, events


def bench_publish(row: _Row, rounds: int) -> None:
    """The ``publish_redis`` row."""
    why = _missing("redis", "starlette", "langgraph")
    if why is not None:
        row.skip(why)
        return
    times: dict[str, list[float]] = {"plain": [], "publish": []}
    counts: set[int] = set()
    with redis_server() as url, tempfile.TemporaryDirectory(prefix="ai-infra-bench-") as tmp:
        roadmap = _roadmap(Path(tmp), DEMO_TASKS)

        async def measure() -> None:
            await _demo_run(roadmap, url, "warm-up")
            names = list(times)
            for r in range(rounds):
                k = r % len(names)
                for name in names[k:] + names[:k]:
                    seconds, events = await _demo_run(
                        roadmap, url if name == "publish" else None, f"{name}-{r}"
                    )
                    times[name].append(seconds)
                    counts.add(events)

        asyncio.run(measure())
    plain, published = min(times["plain"]), min(times["publish"])
    row.detail = {
        "events": sorted(counts),
        "seconds": {k: [round(s, 4) for s in v] for k, v in times.items()},
        "rounds": rounds,
    }
    row.judge(published / plain, note=f"{published:.3f} vs {plain:.3f} s, best of {rounds}")


# -- watchers rows ------------------------------------------------------------------


async def _watchers(
    url: str, count: int
) -> tuple[asyncio.subprocess.Process, asyncio.StreamReader]:
    child = await asyncio.create_subprocess_exec(
        sys.executable, str(WATCHERS_SCRIPT), url, str(count), stdout=asyncio.subprocess.PIPE
    )
    assert child.stdout is not None
    line = await child.stdout.readline()
    if line.strip() != b"ready":
        await child.wait()
        raise RuntimeError(f"the watchers did not connect: {line!r}")
    return child, child.stdout


async def _finish(
    child: asyncio.subprocess.Process,
    out: asyncio.StreamReader,
    count: int,
    events: int,
    line: list[bytes],
) -> tuple[float, float, float]:
    """The watchers' ``done`` figures from *line* (seconds since ready, since
    connecting, their CPU seconds); checks what each got."""
    if not line or line[0] != b"done":
        await child.wait()
        raise RuntimeError(f"the watchers failed: {line!r}")
    summary = json.loads(await out.readline())
    if await child.wait() != 0:
        raise RuntimeError("the watchers' process failed")
    expected = [{"watchers": count, "frames": events + 1}]  # and the end event
    if summary != expected:
        raise RuntimeError(f"the watchers did not all get the run: {summary} != {expected}")
    return float(line[1]), float(line[2]), float(line[3])


async def _live_round(
    redis_url: str, port: int, count: int, events: Sequence[Any]
) -> tuple[float, float]:
    """Seconds from the run's second event (the first made it) until *count* watchers
    have its end; the watchers' CPU seconds."""
    from ai_infra_executor.publish import Publisher
    from ai_infra_executor.run_log import UnknownRunError
    from ai_infra_executor.run_log_redis import RedisRunLog

    log = RedisRunLog(redis_url)
    try:
        publisher = Publisher(log)
        publisher.put(events[0])
        while True:
            with contextlib.suppress(UnknownRunError):
                await log.info(publisher.run_id)
                break
            await asyncio.sleep(0.005)
        url = f"http://127.0.0.1:{port}/runs/{publisher.run_id}/events"
        child, out = await _watchers(url, count)
        start = time.perf_counter()
        for event in events[1:]:
            await publisher.put_wait(event)
            if publisher.behind:
                await asyncio.sleep(0)
        await publisher.aclose()
        line = (await out.readline()).split()
        elapsed = time.perf_counter() - start
        _, _, cpu = await _finish(child, out, count, len(events), line)
        return elapsed, cpu
    finally:
        await log.close()


async def _ended_run(redis_url: str, events: Sequence[Any]) -> str:
    from ai_infra_executor.publish import publish
    from ai_infra_executor.run_log_redis import RedisRunLog

    log = RedisRunLog(redis_url)
    try:
        return await publish(events, log)
    finally:
        await log.close()


async def _replay_round(port: int, run_id: str, count: int, events: int) -> tuple[float, float]:
    """Seconds from opening *count* connections until the last has the ended run's end;
    the watchers' CPU seconds."""
    child, out = await _watchers(f"http://127.0.0.1:{port}/runs/{run_id}/events", count)
    _, opened, cpu = await _finish(child, out, count, events, (await out.readline()).split())
    return opened, cpu


def _rounded(pair: tuple[float, float | None]) -> list[float | None]:
    return [None if x is None else round(x, 3) for x in pair]


def bench_watchers(
    rows: Mapping[str, _Row], events: Sequence[Any], rounds: int, watchers: int
) -> None:
    """The ``watchers_200`` rows (live, and replayed) for the first :data:`RUN_EVENTS`
    of *events*, to *watchers* watchers against one."""
    ids = ("watchers_200", "watchers_200_replay")
    why = _missing("redis", "starlette", "uvicorn")
    if why is None and not WATCHERS_SCRIPT.is_file():
        why = f"the watchers' script is not in this tree ({WATCHERS_SCRIPT})"
    if why is not None:
        for row_id in ids:
            rows[row_id].skip(why)
        return
    run = list(events[:RUN_EVENTS])
    cases = [("live", 1), ("live", watchers), ("replay", 1), ("replay", watchers)]
    times: dict[tuple[str, int], list[float]] = {case: [] for case in cases}
    cpu: dict[tuple[str, int], list[tuple[float, float | None]]] = {case: [] for case in cases}
    with redis_server() as redis_url, serve(redis_url) as (port, pid):

        async def measure() -> None:
            for r in range(rounds):
                k = r % len(cases)
                for kind, count in cases[k:] + cases[:k]:
                    # A replay is of a run the server has not read yet (nothing cached).
                    ended = await _ended_run(redis_url, run) if kind == "replay" else ""
                    before = cpu_seconds(pid)
                    if kind == "live":
                        seconds, watching = await _live_round(redis_url, port, count, run)
                    else:
                        seconds, watching = await _replay_round(port, ended, count, len(run))
                    after = cpu_seconds(pid)
                    served = None if after is None or before is None else after - before
                    times[kind, count].append(seconds)
                    cpu[kind, count].append((watching, served))

        asyncio.run(measure())
    for row_id, kind in zip(ids, ("live", "replay"), strict=True):
        one, many = min(times[kind, 1]), min(times[kind, watchers])
        row = rows[row_id]
        row.detail = {
            "events": len(run),
            "watchers": watchers,
            "seconds_1": [round(s, 4) for s in times[kind, 1]],
            f"seconds_{watchers}": [round(s, 4) for s in times[kind, watchers]],
            # per round: (the watchers' process, the server's), CPU seconds
            "cpu_1": [_rounded(c) for c in cpu[kind, 1]],
            f"cpu_{watchers}": [_rounded(c) for c in cpu[kind, watchers]],
            "server": "ai-infra-executor serve --redis (child process), watchers in another",
            "rounds": rounds,
        }
        row.judge(many / one, note=f"{many:.2f} vs {one:.3f} s, best of {rounds}")
