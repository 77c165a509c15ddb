"""Many producers, one stream: 50 asyncio tasks and 8 threads write through
``stream_to_console`` to one stdout, read back through a real pipe.

The child process below does the writing; the test reads its stdout and parses
every line. What must hold:

* every event other than a token is on a line of its own, whole, exactly once;
* a token line holds whole tokens only. Tokens from different producers may
  share a line (inline means "on the stream's open token line", whoever wrote
  it), but never a line of another event, and no token is cut;
* in JSON every line is one object, every event is there exactly once;
* each producer's events come out in the order it wrote them.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import textwrap
from collections import Counter
from pathlib import Path

import orjson

TASKS = 50
THREADS = 8
PER_TASK = 60
PER_THREAD = 400
TIMEOUT = 60

CHILD = textwrap.dedent(
    """
    import asyncio
    import sys
    import threading

    from ai_infra_formatters import stream_to_console
    from ai_infra_formatters.writer import writer_for

    FMT, TASKS, THREADS, PER_TASK, PER_THREAD = sys.argv[1], *map(int, sys.argv[2:6])
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter can


    def events(producer, count):
        for i in range(count):
            if i % 3 == 2:
                yield {"type": "progress", "message": f"p{producer}-{i}", "data": {"i": i}}
            elif i % 7 == 6:
                yield {
                    "type": "node_end",
                    "node_name": f"n{producer}",
                    "message": f"p{producer}-{i} done",
                    "duration_ms": i,
                }
            elif i % 11 == 10:
                yield {"type": "token", "content": f"<t{producer}-{i}>\\n"}
            else:
                yield {"type": "token", "content": f"<t{producer}-{i}>"}


    def emit(event):
        stream_to_console(event, format=FMT, colors_enabled=False)


    def thread_producer(producer):
        for event in events(producer, PER_THREAD):
            emit(event)


    async def task_producer(producer):
        for event in events(producer, PER_TASK):
            emit(event)
            await asyncio.sleep(0)


    async def main():
        threads = [
            threading.Thread(target=thread_producer, args=(1000 + n,)) for n in range(THREADS)
        ]
        for thread in threads:
            thread.start()
        await asyncio.gather(*(task_producer(n) for n in range(TASKS)))
        await asyncio.to_thread(lambda: [thread.join() for thread in threads])


    asyncio.run(main())
    writer_for(sys.stdout).end_line()
    """
)


def expected_events(producer: int, count: int) -> list[tuple[str, str]]:
    """(kind, text) of what *producer* writes, as the plain layout shows it.

    Independent of the package: ``kind`` is ``token`` (the token's text without
    a trailing newline) or ``line`` (the whole line of a progress / node_end event).
    """
    out = []
    for i in range(count):
        if i % 3 == 2:
            out.append(("line", f"⋯ p{producer}-{i}"))
        elif i % 7 == 6:
            out.append(("line", f"← [n{producer}] p{producer}-{i} done ({i}ms)"))
        else:
            out.append(("token", f"<t{producer}-{i}>"))
    return out


def all_producers() -> dict[int, list[tuple[str, str]]]:
    producers = {n: expected_events(n, PER_TASK) for n in range(TASKS)}
    producers.update({1000 + n: expected_events(1000 + n, PER_THREAD) for n in range(THREADS)})
    return producers


def run_child(fmt: str, tmp_path: Path) -> bytes:
    """Run the producers in a child process; return what came through its stdout pipe."""
    script = tmp_path / "producers.py"
    script.write_text(CHILD, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONUNBUFFERED", "NO_COLOR")}
    env["PYTHONIOENCODING"] = "utf-8"
    result = subprocess.run(
        [sys.executable, str(script), fmt, *map(str, (TASKS, THREADS, PER_TASK, PER_THREAD))],
        capture_output=True,
        env=env,
        cwd=tempfile.gettempdir(),
        timeout=TIMEOUT,
        check=False,
    )
    assert result.stderr == b""
    assert result.returncode == 0
    return result.stdout


def producer_of(text: str) -> int:
    match = re.search(r"[pt](\d+)-\d+", text)
    assert match is not None, text
    return int(match.group(1))


TOKEN = re.compile(r"<t\d+-\d+>")


def test_plain_lines_are_never_interleaved(tmp_path: Path) -> None:
    out = run_child("plain", tmp_path).decode("utf-8")
    producers = all_producers()
    event_lines = {text for items in producers.values() for kind, text in items if kind == "line"}
    lines = out.split("\n")
    assert lines[-1] == ""  # the output ends with a newline: end_line() closed the last line
    seen: list[str] = []  # every event line and token, in output order
    for line in lines[:-1]:
        if line in event_lines:
            seen.append(line)
            continue
        # Not an event's line: then only whole tokens, from any producers.
        assert line, "an empty line: a newline was written twice"
        assert TOKEN.sub("", line) == "", f"a line mixes an event with tokens: {line!r}"
        seen.extend(TOKEN.findall(line))
    counts = Counter(seen)
    assert [item for item, n in counts.items() if n != 1] == []
    for producer, items in producers.items():
        mine = [text for text in seen if producer_of(text) == producer]
        assert mine == [text for _, text in items], f"producer {producer} lost order or events"
    assert len(seen) == sum(len(items) for items in producers.values())


def test_json_lines_are_never_interleaved(tmp_path: Path) -> None:
    out = run_child("json", tmp_path)
    lines = out.split(b"\n")
    assert lines[-1] == b""
    seen: list[str] = []
    for line in lines[:-1]:
        record = orjson.loads(line)  # every line is one whole JSON object
        assert isinstance(record, dict)
        if record["type"] == "token":
            assert TOKEN.fullmatch(record["content"].rstrip("\n"))
            seen.append(record["content"].rstrip("\n"))
        elif record["type"] == "progress":
            seen.append(f"⋯ {record['message']}")
            assert record["data"] == {"i": int(record["message"].rsplit("-", 1)[1])}
        else:
            assert record["type"] == "node_end"
            seen.append(
                f"← [{record['node_name']}] {record['message']} ({record['duration_ms']}ms)"
            )
    producers = all_producers()
    for producer, items in producers.items():
        mine = [text for text in seen if producer_of(text) == producer]
        assert mine == [text for _, text in items], f"producer {producer} lost order or events"
    assert len(seen) == sum(len(items) for items in producers.values())
