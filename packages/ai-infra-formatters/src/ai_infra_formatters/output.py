"""`get_formatter` and `stream_to_console`: pick a formatter, write events to a stream.

Importing this module does not import Rich; only asking for a console format does.
Writing goes through :class:`~ai_infra_formatters.writer.EventWriter`, whose module
documents what happens when a stream fails (a reader gone, a full disk).
"""

from __future__ import annotations

import sys
from typing import Any, TextIO

from ai_infra_formatters.formats import OutputFormat
from ai_infra_formatters.json_format import JsonFormatter
from ai_infra_formatters.protocol import StreamFormatter
from ai_infra_formatters.writer import writer_for

__all__ = ["end_stream", "get_formatter", "stream_to_console"]


def get_formatter(
    format: OutputFormat | str = OutputFormat.PLAIN,
    colors_enabled: bool = True,
    show_timing: bool = True,
    *,
    visibility: str | None = None,
    stream: TextIO | None = None,
    markdown: bool = False,
) -> StreamFormatter:
    """A formatter for *format*: :class:`JsonFormatter` for ``json``, a new web
    protocol encoder for ``ag-ui`` / ``vercel-ai`` (one a stream: end it with
    :func:`end_stream`), else a :class:`ConsoleFormatter` in that layout whose
    terminal detection looks at *stream* (default ``sys.stdout``). *markdown*
    renders the answer as Markdown on a terminal (the console formatter's
    ``markdown``; the other formats ignore it).

    Raises:
        ValueError: *format* names no :class:`OutputFormat`.
    """
    fmt = OutputFormat.parse(format)
    if fmt is OutputFormat.JSON:
        return JsonFormatter(visibility=visibility)
    if fmt is OutputFormat.AG_UI:
        from ai_infra_formatters.ag_ui import AgUiEncoder

        return AgUiEncoder()
    if fmt is OutputFormat.VERCEL_AI:
        from ai_infra_formatters.vercel_ai import VercelAiEncoder

        return VercelAiEncoder()
    from ai_infra_formatters.console import ConsoleFormatter

    return ConsoleFormatter(
        fmt,
        colors_enabled=colors_enabled,
        show_timing=show_timing,
        visibility=visibility,
        file=stream,
        markdown=markdown,
    )


def stream_to_console(
    event: Any,
    format: OutputFormat | str = OutputFormat.PLAIN,
    formatter: StreamFormatter | None = None,
    stream: TextIO | None = None,
    colors_enabled: bool = True,
) -> None:
    """Format *event* and write it to *stream* (default: the current ``sys.stdout``).

    Tokens are written inline, and flushed at once on a terminal or a pipe so a
    reader sees them arrive; any other event starts on a fresh line, flushed
    within a fraction of a second (not after every line of a bulk stream; see
    :mod:`ai_infra_formatters.writer`). *formatter* overrides *format* and
    *colors_enabled*. The formatter made for a (stream, format, colours) is
    reused across calls, and all calls for one stream share one
    :class:`EventWriter` (see :func:`writer_for`), so producers in many threads
    or tasks never interleave inside a line.

    Args:
        event: the event, in any shape :func:`~ai_infra_formatters.events.event_to_dict`
            accepts.
        format: the layout (``plain``, ``rich``, ``minimal`` or ``json``).
        formatter: a formatter to use instead of one made for *format*.
        stream: where to write (default: the current ``sys.stdout``).
        colors_enabled: ``False`` emits no escape codes whatever the terminal.

    Raises:
        StreamClosedError: the reader of *stream* went away (``| head -1``); raised
            once, later events for that stream are dropped quietly. See
            :mod:`ai_infra_formatters.writer` for the recipe that exits with status 0.
        StreamWriteError: writing failed with another ``OSError`` (a full disk);
            later calls for that stream raise it again without writing.
    """
    target = stream if stream is not None else sys.stdout
    writer = writer_for(target)
    if formatter is None:
        formatter = writer.formatter_for(format, colors_enabled)
    writer.write(event, formatter)


def end_stream(formatter: StreamFormatter, stream: TextIO | None = None) -> None:
    """End the output of *formatter* on *stream* (default: the current ``sys.stdout``):
    a web protocol encoder's closing frames (the run's end, ``[DONE]``), else the close
    of a line tokens left open. Call it once, when the events are over.

    Raises:
        StreamClosedError, StreamWriteError: as :func:`stream_to_console`.
    """
    writer_for(stream if stream is not None else sys.stdout).end_stream(formatter)
