"""Writing to a closed stream: one `StreamClosedError`, then later events dropped quietly.

Issue 10, item 10: a closed ``io.StringIO`` or file made every write raise a raw
``ValueError("I/O operation on closed file.")``.
"""

from __future__ import annotations

import errno
import io
from pathlib import Path
from typing import Any

import pytest

from ai_infra_formatters import (
    ConsoleFormatter,
    EventWriter,
    JsonFormatter,
    StreamClosedError,
    stream_to_console,
)
from ai_infra_formatters.writer import StreamWriteError, writer_for

TOOL_START = {"type": "tool_start", "tool": "search"}
TOKEN = {"type": "token", "content": "partial"}


class CountingFormatter:
    """A plain formatter that counts the events it formats."""

    inline_tokens = True

    def __init__(self) -> None:
        self.calls = 0
        self._inner = ConsoleFormatter(colors_enabled=False, file=io.StringIO())

    def format(self, event: Any) -> str:
        self.calls += 1
        return self._inner.format(event)


class ClosingStream(io.StringIO):
    """A StringIO that counts writes; ``close_after`` writes succeed, then it closes itself."""

    def __init__(self, close_after: int) -> None:
        super().__init__()
        self.close_after = close_after
        self.attempts = 0
        self.kept = ""

    def write(self, text: str) -> int:
        self.attempts += 1
        if self.attempts > self.close_after and not self.closed:
            self.kept = self.getvalue()
            self.close()
        return super().write(text)


def closed_string_io() -> io.StringIO:
    stream = io.StringIO()
    stream.close()
    return stream


def test_closed_string_io_raises_stream_closed_once_then_drops() -> None:
    stream = closed_string_io()
    writer = EventWriter(stream)
    formatter = CountingFormatter()
    with pytest.raises(StreamClosedError) as caught:
        writer.write(TOOL_START, formatter)
    error = caught.value
    assert isinstance(error, BrokenPipeError)  # handled like a reader gone away
    assert isinstance(error, StreamWriteError)
    assert error.errno == errno.EBADF
    assert "a StringIO stream is closed" in str(error)
    assert isinstance(error.__context__, ValueError)
    assert error.__suppress_context__
    assert writer.closed
    calls = formatter.calls
    for _ in range(100):
        writer.write(TOOL_START, formatter)  # no ValueError, no StreamClosedError
        writer.write(TOKEN, formatter)
    writer.end_line()
    assert formatter.calls == calls  # dropped without being formatted


def test_closed_file_raises_stream_closed_once_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / "events.log"
    handle = path.open("w", encoding="utf-8")
    handle.close()
    with pytest.raises(StreamClosedError, match=r"events\.log is closed"):
        stream_to_console(TOOL_START, stream=handle, colors_enabled=False)
    for _ in range(3):
        stream_to_console(TOOL_START, stream=handle, colors_enabled=False)
        stream_to_console(TOOL_START, format="json", stream=handle)
    assert writer_for(handle).closed


def test_a_stream_closed_while_in_use_keeps_what_was_written() -> None:
    stream = ClosingStream(close_after=1)
    writer = EventWriter(stream)
    formatter = JsonFormatter()
    writer.write(TOOL_START, formatter)
    with pytest.raises(StreamClosedError):
        writer.write(TOOL_START, formatter)
    writer.write(TOOL_START, formatter)
    assert stream.attempts == 2
    assert stream.kept == '{"type":"tool_start","tool":"search"}\n'


def test_end_line_on_a_closed_stream_raises_stream_closed_once() -> None:
    stream = ClosingStream(close_after=1)
    writer = EventWriter(stream)
    formatter = CountingFormatter()
    writer.write(TOKEN, formatter)  # leaves a token line open
    with pytest.raises(StreamClosedError):
        writer.end_line()
    writer.end_line()
    assert writer.closed


def test_a_value_error_of_an_open_stream_is_not_taken_for_closing() -> None:
    class Picky(io.StringIO):
        def write(self, text: str) -> int:
            raise ValueError("this stream refuses text")

    writer = EventWriter(Picky())
    with pytest.raises(ValueError, match="refuses") as caught:
        writer.write(TOOL_START, CountingFormatter())
    assert not isinstance(caught.value, OSError)
    assert not writer.closed


def test_reset_after_a_closed_stream_tries_again() -> None:
    stream = closed_string_io()
    writer = EventWriter(stream)
    with pytest.raises(StreamClosedError):
        writer.write(TOOL_START, CountingFormatter())
    writer.reset()
    with pytest.raises(StreamClosedError):
        writer.write(TOOL_START, CountingFormatter())
