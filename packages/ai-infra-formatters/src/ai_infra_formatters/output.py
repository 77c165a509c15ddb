"""`get_formatter` and `stream_to_console`: pick a formatter, write events to a stream.

Importing this module does not import Rich; only asking for a console format does.
"""

from __future__ import annotations

import sys
import threading
from typing import Any, TextIO

from ai_infra_formatters.events import event_type_of
from ai_infra_formatters.formats import OutputFormat
from ai_infra_formatters.json_format import JsonFormatter
from ai_infra_formatters.protocol import StreamFormatter

__all__ = ["EventWriter", "get_formatter", "stream_to_console", "writer_for"]


def get_formatter(
    format: OutputFormat | str = OutputFormat.PLAIN,
    colors_enabled: bool = True,
    show_timing: bool = True,
    *,
    visibility: str | None = None,
    stream: TextIO | None = None,
) -> StreamFormatter:
    """A formatter for *format*: :class:`JsonFormatter` for ``json``, else a
    :class:`ConsoleFormatter` in that layout whose terminal detection looks at
    *stream* (default ``sys.stdout``).

    Raises:
        ValueError: *format* names no :class:`OutputFormat`.
    """
    fmt = OutputFormat.parse(format)
    if fmt is OutputFormat.JSON:
        return JsonFormatter(visibility=visibility)
    from ai_infra_formatters.console import ConsoleFormatter

    return ConsoleFormatter(
        fmt,
        colors_enabled=colors_enabled,
        show_timing=show_timing,
        visibility=visibility,
        file=stream,
    )


def _inline_tokens(formatter: StreamFormatter) -> bool:
    return bool(getattr(formatter, "inline_tokens", True))


class EventWriter:
    """Writes formatted events to one text stream, safe to share between threads.

    Tokens are written inline and flushed at once; every other event goes on a
    line of its own, after a newline that closes any line tokens left open. One
    event's text is written under a lock, so concurrent producers never
    interleave inside a line.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._lock = threading.Lock()
        self._line_open = False
        self._formatters: dict[tuple[OutputFormat | str, bool], StreamFormatter] = {}

    def formatter_for(self, format: OutputFormat | str, colors_enabled: bool) -> StreamFormatter:
        """A formatter for this stream, made once per (format, colours)."""
        # OutputFormat is a str enum: "json" and OutputFormat.JSON are one key.
        formatter = self._formatters.get((format, colors_enabled))
        if formatter is None:
            fmt = OutputFormat.parse(format)
            formatter = self._formatters.get((fmt, colors_enabled))
            if formatter is None:
                formatter = get_formatter(fmt, colors_enabled, stream=self.stream)
                self._formatters[(fmt, colors_enabled)] = formatter
            self._formatters[(format, colors_enabled)] = formatter
        return formatter

    def write(self, event: Any, formatter: StreamFormatter) -> None:
        """Format *event* with *formatter* and write it."""
        text = formatter.format(event)
        inline = _inline_tokens(formatter) and event_type_of(event) == "token"
        with self._lock:
            if inline:
                if text:
                    self.stream.write(text)
                    self.stream.flush()
                    self._line_open = not text.endswith("\n")
                return
            if not text:
                return
            if self._line_open:
                text = "\n" + text
                self._line_open = False
            self.stream.write(text + "\n")
            self.stream.flush()

    def end_line(self) -> None:
        """Close a line that tokens left open (call when a stream of tokens ends)."""
        with self._lock:
            if self._line_open:
                self.stream.write("\n")
                self.stream.flush()
                self._line_open = False


# The writers of the streams stream_to_console() was last given, by id(stream). A
# writer holds its stream (and its formatters hold consoles on it), so the table
# is bounded rather than weak: the oldest entries go when it is full.
_MAX_WRITERS = 64
_writers: dict[int, EventWriter] = {}
_writers_lock = threading.Lock()


def writer_for(stream: TextIO) -> EventWriter:
    """The shared :class:`EventWriter` of *stream* (one per stream object)."""
    writer = _writers.get(id(stream))
    if writer is not None and writer.stream is stream:
        return writer
    with _writers_lock:
        writer = _writers.get(id(stream))
        if writer is None or writer.stream is not stream:
            while len(_writers) >= _MAX_WRITERS:
                del _writers[next(iter(_writers))]
            writer = _writers[id(stream)] = EventWriter(stream)
        return writer


def stream_to_console(
    event: Any,
    format: OutputFormat | str = OutputFormat.PLAIN,
    formatter: StreamFormatter | None = None,
    stream: TextIO | None = None,
    colors_enabled: bool = True,
) -> None:
    """Format *event* and write it to *stream* (default: the current ``sys.stdout``).

    Tokens are written inline and flushed so a reader sees them arrive; any other
    event starts on a fresh line. *formatter* overrides *format* and
    *colors_enabled*. The formatter made for a (stream, format, colours) is
    reused across calls.
    """
    target = stream if stream is not None else sys.stdout
    writer = writer_for(target)
    if formatter is None:
        formatter = writer.formatter_for(format, colors_enabled)
    writer.write(event, formatter)
