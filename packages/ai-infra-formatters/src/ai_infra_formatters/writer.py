"""`EventWriter`: writes formatted events to one stream, whole lines, shared by threads.

Writing to a stream can fail. :class:`EventWriter` (and so
:func:`~ai_infra_formatters.output.stream_to_console`)
never retries a failed write, never prints a traceback of its own and raises
one clear exception that names the stream:

* **The reader went away** (``BrokenPipeError``: stdout piped into ``head -1``,
  a closed socket): the first write raises :class:`StreamClosedError` (a
  ``BrokenPipeError``); the writer is then *closed* and every later event for
  that stream is dropped quietly, without being formatted. When the stream is
  the process's standard output or error (file descriptor 1 or 2), that
  descriptor is pointed at ``os.devnull``, as Python's documentation on
  ``SIGPIPE`` recommends, so the text the stream still buffers cannot make the
  interpreter print ``Exception ignored ... BrokenPipeError`` at exit.
* **Any other OSError** (a full disk: ``ENOSPC``, an I/O error): the write raises
  :class:`StreamWriteError` (an ``OSError`` with the same ``errno``; the
  original exception is :attr:`EventWriter.error`). The writer is then
  *failed*: every later write or :meth:`EventWriter.end_line` raises
  :class:`StreamWriteError` again at once without touching the stream (no
  retry, no partial lines, no event dropped silently), until
  :meth:`EventWriter.reset` is called.
* **Text the stream's encoding cannot hold** (a non-UTF-8 locale): the
  characters it cannot encode are written as ``?`` instead of raising.

The recipe for a program whose output may be cut short (``| head -1``)::

    import sys
    from ai_infra_formatters import StreamClosedError, stream_to_console

    def main() -> int:
        try:
            for event in produce_events():
                stream_to_console(event)
        except StreamClosedError:
            pass  # the reader has all it wanted: stop producing
        return 0

    if __name__ == "__main__":
        sys.exit(main())

It exits with status 0 and prints nothing to stderr.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Any, TextIO

from ai_infra_formatters.events import event_type_of
from ai_infra_formatters.formats import OutputFormat
from ai_infra_formatters.protocol import StreamFormatter

__all__ = [
    "EventWriter",
    "StreamClosedError",
    "StreamWriteError",
    "silence_stream",
    "write_error",
    "writer_for",
]


class StreamWriteError(OSError):
    """Writing events to a stream failed (a full disk, an I/O error, a broken pipe).

    An ``OSError`` whose ``errno`` is the cause's and whose message names the
    stream and the cause. It is raised ``from None`` so that an uncaught one
    prints a single traceback; the stream's own exception is its ``__context__``
    (and :attr:`EventWriter.error` for a failed writer).

    Args:
        code: the ``errno`` of the failure (``None`` when the cause had none).
        message: what went wrong, for a reader.
        stream_name: the stream, as named in *message* (``"stdout"``, a path).
    """

    def __init__(self, code: int | None, message: str, stream_name: str = "") -> None:
        super().__init__(code, message)
        self.stream_name = stream_name


class StreamClosedError(StreamWriteError, BrokenPipeError):
    """The reader of a stream went away (a broken pipe): later events to it are dropped.

    Also a ``BrokenPipeError``, so code that already handles one keeps working.
    """


def _stream_name(stream: Any) -> str:
    """A short name for *stream* in error messages: ``stdout``, a path, or its type."""
    if stream is sys.__stdout__ or stream is sys.stdout:
        return "stdout"
    if stream is sys.__stderr__ or stream is sys.stderr:
        return "stderr"
    name = getattr(stream, "name", None)
    if isinstance(name, str) and name:
        return name
    if isinstance(name, int) and not isinstance(name, bool):
        return f"file descriptor {name}"
    return f"a {type(stream).__name__} stream"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


def silence_stream(stream: Any) -> None:
    """Point *stream*'s file descriptor at ``os.devnull`` (nothing happens without one).

    For a stream that can no longer be written (its reader went away, the disk is
    full): what it still buffers would otherwise fail again, noisily (``Exception
    ignored ... BrokenPipeError``), when the interpreter flushes it at exit. The
    command-line tools call it on ``sys.stdout`` before they exit.
    """
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
    except OSError:
        return
    try:
        os.dup2(devnull, fd)
    except OSError:
        pass
    finally:
        os.close(devnull)


def _is_standard_stream(stream: Any) -> bool:
    try:
        return stream.fileno() in (1, 2)
    except (AttributeError, OSError, ValueError):
        return False


class EventWriter:
    """Writes formatted events to one text stream, safe to share between threads.

    Tokens are written inline and flushed at once; every other event goes on a
    line of its own, after a newline that closes any line tokens left open. One
    event's text is written (and flushed) under a lock, so concurrent producers
    never interleave inside a line.

    With several producers, "inline" is per stream, not per producer: tokens
    from different producers that arrive while a token line is open join that
    line in arrival order (they interleave with each other at token
    granularity), but no token ever lands inside another event's line, and an
    event's line is always whole.

    A write that fails raises :class:`StreamClosedError` (the reader went away;
    later events are dropped quietly) or :class:`StreamWriteError` (any other
    ``OSError``; later calls raise it again until :meth:`reset`), as the module
    documentation describes.

    Args:
        stream: the text stream to write to (``write`` and ``flush`` are used).
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._lock = threading.Lock()
        self._line_open = False
        self._formatters: dict[tuple[OutputFormat | str, bool], StreamFormatter] = {}
        self._closed = False
        self._error: OSError | None = None

    @property
    def closed(self) -> bool:
        """True once the stream's reader went away: events are dropped from then on."""
        return self._closed

    @property
    def error(self) -> OSError | None:
        """The ``OSError`` that made the writer fail (``None`` when it has not failed)."""
        return self._error

    def reset(self) -> None:
        """Forget an earlier failure or closing, so the next write tries the stream again.

        For a stream that can recover (space was freed on a full disk). Whatever
        the stream buffered when it failed is still in it.
        """
        with self._lock:
            self._closed = False
            self._error = None

    def formatter_for(self, format: OutputFormat | str, colors_enabled: bool) -> StreamFormatter:
        """A formatter for this stream, made once per (format, colours)."""
        # OutputFormat is a str enum: "json" and OutputFormat.JSON are one key.
        formatter = self._formatters.get((format, colors_enabled))
        if formatter is None:
            fmt = OutputFormat.parse(format)
            formatter = self._formatters.get((fmt, colors_enabled))
            if formatter is None:
                # Imported here: ai_infra_formatters.output imports this module.
                from ai_infra_formatters.output import get_formatter

                formatter = get_formatter(fmt, colors_enabled, stream=self.stream)
                self._formatters[(fmt, colors_enabled)] = formatter
            self._formatters[(format, colors_enabled)] = formatter
        return formatter

    def write(self, event: Any, formatter: StreamFormatter) -> None:
        """Format *event* with *formatter* and write it.

        Raises:
            StreamClosedError: the stream's reader went away during this write.
            StreamWriteError: this write failed with another ``OSError``, or an
                earlier one did (see :attr:`error`).
        """
        if self._closed:
            return  # the reader is gone: drop the event without formatting it
        text = formatter.format(event)
        # A formatter without the attribute writes tokens inline (the protocol's default).
        inline = getattr(formatter, "inline_tokens", True) and event_type_of(event) == "token"
        with self._lock:
            if self._dropping():
                return
            if inline:
                if text:
                    self._emit(text)
                    self._line_open = not text.endswith("\n")
                return
            if not text:
                return
            if self._line_open:
                text = "\n" + text
                self._line_open = False
            self._emit(text + "\n")

    def end_line(self) -> None:
        """Close a line that tokens left open (call when a stream of tokens ends).

        Raises:
            StreamClosedError: the stream's reader went away during this write.
            StreamWriteError: this write failed with another ``OSError``, or an
                earlier one did.
        """
        with self._lock:
            if self._dropping() or not self._line_open:
                return
            self._emit("\n")
            self._line_open = False

    # -- under the lock -------------------------------------------------------

    def _dropping(self) -> bool:
        """True when the stream is closed; raises when an earlier write failed."""
        if self._closed:
            return True
        error = self._error
        if error is not None:
            name = _stream_name(self.stream)
            raise StreamWriteError(
                error.errno,
                f"cannot write events to {name}: an earlier write failed ({_reason(error)})",
                name,
            ) from None
        return False

    def _emit(self, text: str) -> None:
        """Write and flush *text*, turning a failure into the documented exception."""
        stream = self.stream
        try:
            try:
                stream.write(text)
            except UnicodeEncodeError:
                stream.write(_encodable(text, stream))
            stream.flush()
        except BrokenPipeError as exc:
            self._closed = True
            raise write_error(stream, exc) from None
        except OSError as exc:
            self._error = exc
            raise write_error(stream, exc) from None


def write_error(stream: Any, exc: OSError) -> StreamWriteError:
    """The exception that reports *exc*, raised by a write to *stream*, as this module does.

    A broken pipe gives :class:`StreamClosedError` (and when *stream* is the
    process's standard output or error, its descriptor is pointed at
    ``os.devnull`` first, see :func:`silence_stream`); any other ``OSError``
    gives :class:`StreamWriteError`. Both name the stream and carry *exc*'s
    ``errno``. For code that writes to a stream by other means (a Rich live
    display) and wants the writer's errors.
    """
    name = _stream_name(stream)
    if isinstance(exc, BrokenPipeError):
        if _is_standard_stream(stream):
            silence_stream(stream)
        return StreamClosedError(
            exc.errno,
            f"the reader of {name} went away (broken pipe); later events to it are dropped",
            name,
        )
    return StreamWriteError(exc.errno, f"cannot write events to {name}: {_reason(exc)}", name)


def _encodable(text: str, stream: Any) -> str:
    """*text* with what *stream*'s encoding cannot hold replaced by ``?``."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        return text.encode(encoding, "replace").decode(encoding, "replace")
    except LookupError:
        return text.encode("ascii", "replace").decode("ascii")


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
