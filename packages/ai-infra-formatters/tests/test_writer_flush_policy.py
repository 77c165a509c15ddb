"""When EventWriter flushes (issue 12, speed): not after every line of a bulk stream,
but tokens at once where a reader may watch, and everything soon after the producer
goes idle, in order, with nothing lost, also at exit.

No timing is asserted: a test that waits for data to appear waits with a generous
timeout, and the flush counts checked hold at any speed (the delays are long).
"""

from __future__ import annotations

import errno
import io
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fmt_support import SAMPLE_EVENTS

from ai_infra_formatters import (
    ConsoleFormatter,
    EventWriter,
    StreamClosedError,
    StreamWriteError,
    stream_to_console,
)

#: Long enough that no deferred flush comes due while a test writes.
LONG = 3600.0
#: How long a test waits for output that must appear (never reached when it works).
PATIENCE = 30.0

LINE = SAMPLE_EVENTS["node_start"]


def plain() -> ConsoleFormatter:
    return ConsoleFormatter(colors_enabled=False, file=io.StringIO())


def token(text: str) -> dict[str, Any]:
    return {"type": "token", "content": text}


def wait_for(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return condition()


class Recorder(io.StringIO):
    """A StringIO that counts its flushes and, with *fd*, says it is that file."""

    def __init__(self, fd: int | None = None) -> None:
        super().__init__()
        self.fd = fd
        self.flushes = 0
        self.flushed = ""
        self.fail_with: Exception | None = None

    def fileno(self) -> int:
        if self.fd is None:
            raise io.UnsupportedOperation("fileno")
        return self.fd

    def flush(self) -> None:
        self.flushes += 1
        if self.fail_with is not None:
            raise self.fail_with
        self.flushed = self.getvalue()
        super().flush()


@pytest.fixture
def regular_fd() -> Iterator[int]:
    fd, path = tempfile.mkstemp()
    try:
        yield fd
    finally:
        os.close(fd)
        os.unlink(path)


@pytest.fixture
def pipe() -> Iterator[tuple[int, Any]]:
    """(read end, buffered text stream on the write end) of a real pipe."""
    read_fd, write_fd = os.pipe()
    stream = os.fdopen(write_fd, "w", encoding="utf-8")
    try:
        yield read_fd, stream
    finally:
        stream.close()
        os.close(read_fd)


def read_available(fd: int, want: str) -> str:
    """What the pipe's reader gets, waiting (generously) until it has *want*."""
    got = b""
    deadline = time.monotonic() + PATIENCE
    while want.encode() not in got and time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            got += os.read(fd, 65536)
    return got.decode()


def pending_in_pipe(fd: int) -> bytes:
    """What the pipe holds right now, without waiting."""
    got = b""
    while select.select([fd], [], [], 0)[0]:
        got += os.read(fd, 65536)
    return got


# -- which streams are watched live -----------------------------------------------


def test_terminals_pipes_and_unknown_streams_are_watched_live(
    pipe: tuple[int, Any], regular_fd: int
) -> None:
    from ai_infra_formatters.writer import is_watched_live

    _, stream = pipe
    assert is_watched_live(stream)
    assert is_watched_live(io.StringIO())
    assert not is_watched_live(Recorder(regular_fd))
    with open(os.devnull, "w") as devnull:
        assert not is_watched_live(devnull)


# -- a bulk stream is not flushed per line ------------------------------------------


def test_a_bulk_stream_of_lines_is_not_flushed_per_line() -> None:
    stream = Recorder()
    writer = EventWriter(stream, flush_delay=LONG)
    formatter = plain()
    for _ in range(100):
        writer.write(LINE, formatter)
    assert stream.flushes == 1  # the first line, after a quiet spell; the rest wait
    assert stream.getvalue() == "→ [plan] Node started\n" * 100
    writer.flush()
    assert stream.flushed == stream.getvalue()


def test_stream_to_console_into_a_file_is_not_flushed_per_line(regular_fd: int) -> None:
    stream = Recorder(regular_fd)
    formatter = plain()
    for n in range(1000):
        stream_to_console(token(f"word{n} "), formatter=formatter, stream=stream)
        stream_to_console(LINE, formatter=formatter, stream=stream)
    # At most one flush at once and one by the timer per flush delay (50 ms): far
    # fewer than one per line, however slow the machine.
    assert stream.flushes < 500


def test_tokens_to_a_regular_file_are_not_flushed_per_token(regular_fd: int) -> None:
    stream = Recorder(regular_fd)
    writer = EventWriter(stream, flush_delay=LONG)
    formatter = plain()
    for word in ("one", " two", " three", " four"):
        writer.write(token(word), formatter)
    writer.end_line()
    assert stream.flushes == 1
    assert stream.getvalue() == "one two three four\n"


def test_flush_delay_zero_flushes_every_event() -> None:
    stream = Recorder()
    writer = EventWriter(stream, flush_delay=0)
    formatter = plain()
    for _ in range(5):
        writer.write(LINE, formatter)
    assert stream.flushes == 5


# -- tokens are live, an idle producer's lines arrive ----------------------------------


def test_each_token_reaches_a_pipe_reader_at_once(pipe: tuple[int, Any]) -> None:
    read_fd, stream = pipe
    writer = EventWriter(stream, flush_delay=LONG)
    formatter = plain()
    writer.write(LINE, formatter)
    writer.write(LINE, formatter)  # deferred: a line just went out
    for word in ("Hel", "lo", " world"):
        writer.write(token(word), formatter)
        # Flushed before write() returned: in the pipe now, no waiting.
        assert pending_in_pipe(read_fd).decode().endswith(word)


def test_a_line_before_the_producer_goes_idle_reaches_the_reader(pipe: tuple[int, Any]) -> None:
    read_fd, stream = pipe
    writer = EventWriter(stream, flush_delay=0.05)
    formatter = plain()
    writer.write(SAMPLE_EVENTS["tool_start"], formatter)
    writer.write(SAMPLE_EVENTS["error"], formatter)  # left for the timer
    writer.write(SAMPLE_EVENTS["done"], formatter)  # left for the timer
    # The producer now does nothing more: the timer must flush the last lines.
    got = read_available(read_fd, "Done")
    assert got == "⚙ web_search\n✗ rate limited by provider\n■ Done · 2 tools called\n"


def test_a_producer_that_never_pauses_is_still_flushed_now_and_then() -> None:
    stream = Recorder()
    writer = EventWriter(stream, flush_delay=0.01)
    formatter = plain()
    deadline = time.monotonic() + PATIENCE
    while stream.flushes < 4 and time.monotonic() < deadline:
        writer.write(LINE, formatter)  # no pause: the timer never sees an idle writer
    assert stream.flushes >= 4
    assert stream.flushed.endswith("Node started\n")


def test_stream_to_console_into_a_pipe_arrives_whole_and_in_order(
    pipe: tuple[int, Any],
) -> None:
    read_fd, stream = pipe
    events: list[dict[str, Any]] = []
    for n in range(300):
        events.append(token(f"t{n} "))
        if n % 7 == 0:
            events.append({"type": "progress", "message": f"step {n}"})
    expected = io.StringIO()
    reference = EventWriter(expected)
    formatter = plain()
    for event in events:
        reference.write(event, formatter)
    reference.end_line()
    received: list[str] = []
    reader = threading.Thread(
        target=lambda: received.append(read_available(read_fd, "t299 \n")), daemon=True
    )
    reader.start()
    for event in events:
        stream_to_console(event, formatter=formatter, stream=stream)
    stream_to_console({"type": "token", "content": "\n"}, formatter=formatter, stream=stream)
    reader.join(PATIENCE + 5)
    assert received == [expected.getvalue()]


# -- failures of a deferred flush are reported once, by the next call --------------------


@pytest.mark.parametrize("delay", [0.01, LONG])
def test_a_reader_gone_during_a_deferred_flush_is_reported_once(delay: float) -> None:
    stream = Recorder()
    writer = EventWriter(stream, flush_delay=delay)
    formatter = plain()
    writer.write(LINE, formatter)  # flushed at once
    stream.fail_with = BrokenPipeError(errno.EPIPE, "Broken pipe")
    writer.write(LINE, formatter)  # left for the timer, whose flush fails
    if delay == LONG:
        with pytest.raises(StreamClosedError):
            writer.flush()
    else:
        assert wait_for(lambda: stream.flushes == 2)
        with pytest.raises(StreamClosedError) as raised:
            writer.write(LINE, formatter)
        assert raised.value.errno == errno.EPIPE
    assert writer.closed
    writer.write(LINE, formatter)  # dropped quietly from now on
    writer.end_line()
    writer.flush()


def test_a_full_disk_during_a_deferred_flush_fails_every_later_call() -> None:
    stream = Recorder()
    writer = EventWriter(stream, flush_delay=0.01)
    formatter = plain()
    writer.write(LINE, formatter)
    stream.fail_with = OSError(errno.ENOSPC, "No space left on device")
    writer.write(LINE, formatter)
    assert wait_for(lambda: stream.flushes == 2)
    for _ in range(2):
        with pytest.raises(StreamWriteError) as raised:
            writer.write(LINE, formatter)
        assert raised.value.errno == errno.ENOSPC
        assert not isinstance(raised.value, StreamClosedError)
    assert stream.flushes == 2  # failed: the stream is not touched again
    stream.fail_with = None
    writer.reset()
    writer.write(LINE, formatter)
    writer.flush()
    assert stream.flushed.count("Node started") == 3


def test_a_stream_closed_before_a_deferred_flush_is_reported_once() -> None:
    stream = Recorder()
    writer = EventWriter(stream, flush_delay=0.01)
    formatter = plain()
    writer.write(LINE, formatter)
    stream.fail_with = ValueError("I/O operation on closed file.")
    writer.write(LINE, formatter)
    assert wait_for(lambda: stream.flushes == 2)
    stream.close()
    with pytest.raises(StreamClosedError) as raised:
        writer.write(LINE, formatter)
    assert raised.value.errno == errno.EBADF
    writer.write(LINE, formatter)


# -- nothing is lost at exit ----------------------------------------------------------


CHILD = """
import sys
from ai_infra_formatters import ConsoleFormatter, EventWriter, stream_to_console

out = open(sys.argv[1], "w", encoding="utf-8")
writer = EventWriter(out, flush_delay=3600)  # the timer never comes due
formatter = ConsoleFormatter(colors_enabled=False)
for n in range(1000):
    writer.write({"type": "progress", "message": f"step {n}"}, formatter)
    stream_to_console({"type": "progress", "message": f"step {n}"}, stream=sys.stdout,
                      colors_enabled=False)
writer.write({"type": "token", "content": "last"}, formatter)
# Exit without flushing or closing anything.
"""


def test_what_is_written_before_exit_is_never_lost(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(target)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    lines = "".join(f"⋯ step {n}\n" for n in range(1000))
    assert target.read_text("utf-8") == lines + "last"
    assert done.stdout == lines
