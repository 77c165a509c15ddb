"""Ctrl-C (KeyboardInterrupt) in the middle of a write: the line state follows the stream.

Issue 10, item 13: the writer marked the token line closed *before* writing the
newline that closes it, so an interrupted write left the writer believing a
line was closed that was still open; the next event (or the CLI's closing
``end_line``) then joined the token line. The writer now counts text as written
only once ``stream.write`` has returned, and after a write that raised it
assumes a line is open, so whatever comes next starts on a fresh line.

The streams here raise ``KeyboardInterrupt`` at a chosen call, as the signal
handler does when SIGINT arrives while a write blocks: deterministic stand-ins
for a terminal that stopped reading.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from ai_infra_formatters import ConsoleFormatter, EventWriter, stream_to_console

TOKEN = {"type": "token", "content": "partial answer"}
TOOL_START = {"type": "tool_start", "tool": "search"}
PROGRESS = {"type": "progress", "message": "working"}


class InterruptOnce(io.StringIO):
    """A text stream whose write number *on* raises ``KeyboardInterrupt``, once.

    The interrupted write first takes the first *taken* characters of its text
    (0: none of it), as a buffered stream may before a blocking flush is cut
    short. With *in_flush*, the write succeeds and the ``flush`` after it is
    interrupted instead.
    """

    def __init__(self, on: int, taken: int = 0, *, in_flush: bool = False) -> None:
        super().__init__()
        self.on = on
        self.taken = taken
        self.in_flush = in_flush
        self.writes = 0
        self._armed = True

    def write(self, text: str) -> int:
        self.writes += 1
        if self._armed and self.writes == self.on and not self.in_flush:
            self._armed = False
            super().write(text[: self.taken])
            raise KeyboardInterrupt
        return super().write(text)

    def flush(self) -> None:
        if self._armed and self.writes == self.on and self.in_flush:
            self._armed = False
            raise KeyboardInterrupt
        super().flush()


def plain_formatter() -> ConsoleFormatter:
    return ConsoleFormatter(colors_enabled=False, file=io.StringIO())


def interrupted(writer: EventWriter, event: dict[str, Any], formatter: ConsoleFormatter) -> None:
    with pytest.raises(KeyboardInterrupt):
        writer.write(event, formatter)


def test_an_interrupted_event_is_not_taken_as_written() -> None:
    stream = InterruptOnce(on=2)
    writer = EventWriter(stream)
    formatter = plain_formatter()
    writer.write(TOKEN, formatter)
    interrupted(writer, TOOL_START, formatter)  # the caller learns it was not written
    assert stream.getvalue() == "partial answer"
    writer.write(TOOL_START, formatter)  # the caller sends it again
    assert stream.getvalue() == "partial answer\n⚙ search\n"


def test_end_line_after_an_interrupt_closes_the_token_line() -> None:
    # What ai-infra-format does on Ctrl-C: end_line(), so the shell prompt starts
    # on a fresh line.
    stream = InterruptOnce(on=2)
    writer = EventWriter(stream)
    formatter = plain_formatter()
    writer.write(TOKEN, formatter)
    interrupted(writer, TOOL_START, formatter)
    writer.end_line()
    assert stream.getvalue() == "partial answer\n"
    writer.write(PROGRESS, formatter)
    assert stream.getvalue() == "partial answer\n⋯ working\n"


def test_a_write_cut_short_leaves_its_part_on_a_line_of_its_own() -> None:
    # "\n⚙ se" reached the stream, the rest did not: the next event must not
    # continue the cut line.
    stream = InterruptOnce(on=2, taken=len("\n⚙ se"))
    writer = EventWriter(stream)
    formatter = plain_formatter()
    writer.write(TOKEN, formatter)
    interrupted(writer, TOOL_START, formatter)
    writer.write(PROGRESS, formatter)
    assert stream.getvalue() == "partial answer\n⚙ se\n⋯ working\n"


def test_an_interrupted_flush_after_the_write_counts_the_text_as_written() -> None:
    # The stream took the whole text; only the flush was cut short. The line is
    # closed: no empty line follows.
    stream = InterruptOnce(on=2, in_flush=True)
    writer = EventWriter(stream)
    formatter = plain_formatter()
    writer.write(TOKEN, formatter)
    interrupted(writer, TOOL_START, formatter)
    writer.end_line()
    writer.write(PROGRESS, formatter)
    assert stream.getvalue() == "partial answer\n⚙ search\n⋯ working\n"


def test_the_shared_writer_of_stream_to_console_recovers_the_same_way() -> None:
    stream = InterruptOnce(on=2)
    stream_to_console(TOKEN, stream=stream, colors_enabled=False)
    with pytest.raises(KeyboardInterrupt):
        stream_to_console(TOOL_START, stream=stream, colors_enabled=False)
    stream_to_console(PROGRESS, stream=stream, colors_enabled=False)
    assert stream.getvalue() == "partial answer\n⋯ working\n"


def test_an_interrupt_is_never_swallowed_or_turned_into_an_error() -> None:
    stream = InterruptOnce(on=1)
    writer = EventWriter(stream)
    interrupted(writer, TOOL_START, plain_formatter())
    assert not writer.closed
    assert writer.error is None
