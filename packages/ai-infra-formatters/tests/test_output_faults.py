"""Output faults: a reader that goes away, a full disk, an encoding that cannot hold the text,
Ctrl-C while a token line is open.

The documented behaviour (``ai_infra_formatters.writer``):

* broken pipe: one :class:`StreamClosedError` (a ``BrokenPipeError``) naming the
  stream, then later events for it are dropped quietly; a program following the
  recipe and piped into ``head -1`` exits 0 with nothing on stderr;
* any other ``OSError`` (``ENOSPC``): one :class:`StreamWriteError` naming the
  stream and the cause, no retry; later calls raise again without touching the
  stream until :meth:`EventWriter.reset`.

The subprocess tests run with ``PYTHONUNBUFFERED`` removed from the environment:
with it set, Python writes straight through and the exit-time flush that prints
``Exception ignored ... BrokenPipeError`` could never happen, so the tests would
check nothing.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from fmt_support import SAMPLE_EVENTS, make_console

from ai_infra_formatters import ConsoleFormatter, EventWriter, JsonFormatter, stream_to_console
from ai_infra_formatters.writer import StreamClosedError, StreamWriteError, writer_for

TIMEOUT = 30
HEAD = shutil.which("head")
POSIX_ONLY = pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes and signals")
DEV_FULL = Path("/dev/full")


def child_env() -> dict[str, str]:
    """The environment of a child Python: buffered stdout (the default), UTF-8 output."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONUNBUFFERED", "NO_COLOR")}
    env["PYTHONIOENCODING"] = "utf-8"
    return env


class FailingStream(io.StringIO):
    """A text stream whose writes start failing with *error* after *good* successful ones.

    ``attempts`` counts every call of ``write``, failed or not.
    """

    def __init__(self, error: Callable[[], OSError], good: int = 0, name: str = "") -> None:
        """Fail with a fresh ``error()`` from write number *good* + 1 on."""
        super().__init__()
        self._error = error
        self._good = good
        self.attempts = 0
        if name:
            self.name = name

    def write(self, text: str) -> int:
        self.attempts += 1
        if self.attempts > self._good:
            raise self._error()
        return super().write(text)


class CountingFormatter:
    """A formatter that counts the events it is asked to format (plain, colours off)."""

    def __init__(self) -> None:
        """A counter at zero around a plain ConsoleFormatter."""
        self.calls = 0
        self._inner = ConsoleFormatter(colors_enabled=False, console=make_console())
        self.inline_tokens = True

    def format(self, event: Any) -> str:
        self.calls += 1
        return self._inner.format(event)


def broken_pipe() -> OSError:
    return BrokenPipeError(errno.EPIPE, "Broken pipe")


def disk_full() -> OSError:
    return OSError(errno.ENOSPC, "No space left on device")


# -- the reader went away ----------------------------------------------------------------


def test_broken_pipe_raises_once_then_drops_quietly() -> None:
    stream = FailingStream(broken_pipe, good=1, name="events.pipe")
    formatter = CountingFormatter()
    writer = EventWriter(stream)
    writer.write({"type": "token", "content": "first"}, formatter)
    with pytest.raises(StreamClosedError) as caught:
        writer.write(SAMPLE_EVENTS["tool_start"], formatter)
    error = caught.value
    assert isinstance(error, BrokenPipeError)
    assert isinstance(error, StreamWriteError)
    assert error.errno == errno.EPIPE
    assert error.stream_name == "events.pipe"
    assert "the reader of events.pipe went away" in str(error)
    assert isinstance(error.__context__, BrokenPipeError)
    assert error.__suppress_context__  # an uncaught one prints a single traceback
    assert writer.closed
    assert writer.error is None
    calls = formatter.calls
    for _ in range(1000):
        writer.write(SAMPLE_EVENTS["error"], formatter)
        writer.write({"type": "token", "content": "x"}, formatter)
    writer.end_line()
    assert stream.attempts == 2  # nothing was tried again
    assert formatter.calls == calls  # dropped events are not even formatted
    assert stream.getvalue() == "first"


def test_broken_pipe_through_stream_to_console_is_per_stream() -> None:
    broken = FailingStream(broken_pipe)
    healthy = io.StringIO()
    with pytest.raises(StreamClosedError, match="a FailingStream stream"):
        stream_to_console(SAMPLE_EVENTS["node_start"], stream=broken, colors_enabled=False)
    for _ in range(3):
        stream_to_console(SAMPLE_EVENTS["node_start"], stream=broken, colors_enabled=False)
        stream_to_console(SAMPLE_EVENTS["node_start"], stream=healthy, colors_enabled=False)
    assert broken.attempts == 1
    assert writer_for(broken).closed
    assert healthy.getvalue() == "→ [plan] Node started\n" * 3


def test_code_catching_broken_pipe_error_keeps_working() -> None:
    stream = FailingStream(broken_pipe)
    with pytest.raises(BrokenPipeError):
        EventWriter(stream).write(SAMPLE_EVENTS["done"], JsonFormatter())


@POSIX_ONLY
def test_a_real_pipe_whose_reader_is_gone() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    stream = open(write_end, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    try:
        writer = EventWriter(stream)
        with pytest.raises(StreamClosedError, match=f"file descriptor {write_end}"):
            writer.write(SAMPLE_EVENTS["run_start"], JsonFormatter())
        writer.write(SAMPLE_EVENTS["run_end"], JsonFormatter())
        writer.end_line()
        assert writer.closed
    finally:
        # What the stream still buffers cannot be written: its owner's business.
        with contextlib.suppress(BrokenPipeError):
            stream.close()


def test_only_one_of_many_threads_sees_the_broken_pipe() -> None:
    stream = FailingStream(broken_pipe, good=50)
    formatter = JsonFormatter()
    raised: list[BaseException] = []
    lock = threading.Lock()

    def produce(worker: int) -> None:
        for i in range(100):
            try:
                stream_to_console(
                    {"type": "progress", "message": f"{worker}-{i}"},
                    formatter=formatter,
                    stream=stream,
                )
            except Exception as exc:
                with lock:
                    raised.append(exc)
                return

    threads = [threading.Thread(target=produce, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(raised) == 1
    assert isinstance(raised[0], StreamClosedError)
    assert stream.attempts == 51
    lines = stream.getvalue().splitlines()
    assert len(lines) == 50
    assert all(orjson.loads(line)["type"] == "progress" for line in lines)


#: The recipe of the ai_infra_formatters.output docstring, producing events forever.
RECIPE = textwrap.dedent(
    """
    import itertools
    import sys

    from ai_infra_formatters import StreamClosedError, stream_to_console


    def produce_events():
        for i in itertools.count():
            yield {"type": "token", "content": f"token {i} "}
            yield {"type": "progress", "message": f"event {i}", "data": {"i": i}}


    def main() -> int:
        try:
            for event in produce_events():
                stream_to_console(event, format=sys.argv[1])
        except StreamClosedError:
            pass  # the reader has all it wanted: stop producing
        return 0


    if __name__ == "__main__":
        sys.exit(main())
    """
)

#: The same loop written to sys.stdout by hand, catching the BrokenPipeError: the
#: interpreter's final flush then fails, noisily, which is what the recipe avoids.
NAIVE = textwrap.dedent(
    """
    import itertools
    import sys

    try:
        for i in itertools.count():
            sys.stdout.write(f"event {i}\\n")
            sys.stdout.flush()
    except BrokenPipeError:
        pass
    """
)

UNCAUGHT = textwrap.dedent(
    """
    import itertools

    from ai_infra_formatters import stream_to_console

    for i in itertools.count():
        stream_to_console({"type": "progress", "message": f"event {i}"})
    """
)


def pipe_into_head(script: Path, *args: str) -> tuple[int, bytes, bytes]:
    """Run *script* with its stdout piped into a real ``head -1``.

    Returns the script's exit status and stderr, and what ``head`` printed.
    """
    assert HEAD is not None
    producer = subprocess.Popen(
        [sys.executable, str(script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_env(),
        cwd=tempfile.gettempdir(),
    )
    assert producer.stdout is not None
    assert producer.stderr is not None
    try:
        head = subprocess.run(
            [HEAD, "-1"], stdin=producer.stdout, capture_output=True, timeout=TIMEOUT, check=True
        )
        producer.stdout.close()  # head has gone: the script's stdout has no reader now
        err = producer.stderr.read()
        status = producer.wait(timeout=TIMEOUT)
    finally:
        if producer.poll() is None:
            producer.kill()
            producer.wait()
        producer.stderr.close()
    return status, err, head.stdout


@POSIX_ONLY
@pytest.mark.skipif(HEAD is None, reason="needs the head command")
@pytest.mark.parametrize("fmt", ["plain", "json"])
def test_the_documented_recipe_piped_into_head_exits_quietly(fmt: str, tmp_path: Path) -> None:
    script = tmp_path / "recipe.py"
    script.write_text(RECIPE, encoding="utf-8")
    status, err, first = pipe_into_head(script, fmt)
    assert err == b""
    assert status == 0
    if fmt == "json":
        assert orjson.loads(first) == {"type": "token", "content": "token 0 "}
    else:
        assert first == b"token 0 \n"  # the progress event closes the token line


@POSIX_ONLY
@pytest.mark.skipif(HEAD is None, reason="needs the head command")
def test_the_harness_sees_exit_noise_from_a_naive_program(tmp_path: Path) -> None:
    # Guards the test above: under this harness a program that does not follow
    # the recipe does print the noise the recipe avoids.
    script = tmp_path / "naive.py"
    script.write_text(NAIVE, encoding="utf-8")
    status, err, first = pipe_into_head(script)
    assert first == b"event 0\n"
    assert b"Exception ignored" in err
    assert b"BrokenPipeError" in err
    assert status != 0


@POSIX_ONLY
@pytest.mark.skipif(HEAD is None, reason="needs the head command")
def test_an_uncaught_broken_pipe_is_one_clear_traceback(tmp_path: Path) -> None:
    script = tmp_path / "uncaught.py"
    script.write_text(UNCAUGHT, encoding="utf-8")
    status, err, first = pipe_into_head(script)
    assert first == "⋯ event 0\n".encode()
    assert status == 1
    assert err.count(b"Traceback") == 1
    assert b"StreamClosedError: [Errno 32] the reader of stdout went away" in err
    assert b"Exception ignored" not in err


# -- a full disk, other OSErrors --------------------------------------------------------


def test_a_full_disk_raises_one_clear_error_and_does_not_retry() -> None:
    stream = FailingStream(disk_full, good=1, name="/var/log/run.log")
    formatter = CountingFormatter()
    writer = EventWriter(stream)
    writer.write({"type": "token", "content": "partial"}, formatter)
    with pytest.raises(StreamWriteError) as caught:
        writer.write(SAMPLE_EVENTS["tool_end"], formatter)
    error = caught.value
    assert not isinstance(error, BrokenPipeError)
    assert error.errno == errno.ENOSPC
    assert error.stream_name == "/var/log/run.log"
    assert str(error) == (
        "[Errno 28] cannot write events to /var/log/run.log: No space left on device"
    )
    assert error.__context__ is writer.error
    assert isinstance(writer.error, OSError)
    assert not writer.closed
    # Later calls fail at once, naming the first failure, without touching the stream.
    for call in (lambda: writer.write(SAMPLE_EVENTS["done"], formatter), writer.end_line):
        with pytest.raises(StreamWriteError, match="an earlier write failed") as again:
            call()
        assert again.value.errno == errno.ENOSPC
        assert "(No space left on device)" in str(again.value)
    assert stream.attempts == 2
    assert stream.getvalue() == "partial"


def test_reset_tries_the_stream_again() -> None:
    stream = FailingStream(disk_full, good=0)
    writer = EventWriter(stream)
    formatter = JsonFormatter()
    with pytest.raises(StreamWriteError):
        writer.write(SAMPLE_EVENTS["done"], formatter)
    stream._good = 10  # space was freed
    writer.reset()
    assert writer.error is None
    writer.write(SAMPLE_EVENTS["done"], formatter)
    assert orjson.loads(stream.getvalue()) == SAMPLE_EVENTS["done"]


@pytest.mark.skipif(not DEV_FULL.exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("fmt", ["plain", "json"])
def test_dev_full(fmt: str) -> None:
    stream = open(DEV_FULL, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    try:
        with pytest.raises(StreamWriteError) as caught:
            stream_to_console(SAMPLE_EVENTS["run_start"], format=fmt, stream=stream)
        assert caught.value.errno == errno.ENOSPC
        assert str(caught.value) == (
            "[Errno 28] cannot write events to /dev/full: No space left on device"
        )
        with pytest.raises(StreamWriteError, match="earlier write failed"):
            stream_to_console(SAMPLE_EVENTS["run_end"], format=fmt, stream=stream)
    finally:
        # The buffered text fails again on close.
        with pytest.raises(OSError, match="No space left"):
            stream.close()


@pytest.mark.skipif(not DEV_FULL.exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("fmt", ["plain", "json"])
def test_cli_writing_to_a_full_disk_reports_once(fmt: str) -> None:
    with DEV_FULL.open("wb") as full:
        result = subprocess.run(
            [sys.executable, "-m", "ai_infra_formatters", "--demo", "--format", fmt],
            stdout=full,
            stderr=subprocess.PIPE,
            env=child_env(),
            cwd=tempfile.gettempdir(),
            timeout=TIMEOUT,
            check=False,
        )
    assert result.returncode == 1
    assert result.stderr == (
        b"ai-infra-format: cannot write events to stdout: No space left on device\n"
    )


# -- encodings ----------------------------------------------------------------------------


def test_text_the_encoding_cannot_hold_is_replaced_not_raised() -> None:
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="ascii", write_through=True)
    formatter = ConsoleFormatter(colors_enabled=False, console=make_console())
    writer = EventWriter(stream)
    writer.write({"type": "token", "content": "café 東京"}, formatter)
    writer.write(SAMPLE_EVENTS["tool_start"], formatter)
    writer.write({"type": "progress", "message": "plain ascii"}, formatter)
    assert raw.getvalue() == b"caf? ??\n? web_search\n? plain ascii\n"
    assert writer.error is None


# -- Ctrl-C while a token line is open -----------------------------------------------------


@POSIX_ONLY
def test_sigint_with_a_token_line_open_ends_the_line_and_exits_130() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "ai_infra_formatters", "--format", "plain", "--no-color"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
        env=child_env(),
        cwd=tempfile.gettempdir(),
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    tokens = [{"type": "token", "content": "Hel"}, {"type": "token", "content": "lo"}]
    proc.stdin.write(b"".join(orjson.dumps(t) + b"\n" for t in tokens))
    seen = b""
    while seen != b"Hello":  # tokens are flushed as they arrive, no newline yet
        chunk = proc.stdout.read(5 - len(seen))
        assert chunk, "the CLI ended before streaming its tokens"
        seen += chunk
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 130
    assert rest == b"\n"  # the open token line is closed
    assert b"Traceback" not in err
    assert b"KeyboardInterrupt" not in err
