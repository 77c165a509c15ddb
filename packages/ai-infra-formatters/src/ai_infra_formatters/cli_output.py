"""`BlockOutput`: what ``ai-infra-format`` writes, held in memory and sent a block at a time.

An :class:`~ai_infra_formatters.writer.EventWriter` writes and flushes every
event; to a file or a pipe that is a system call an event. The command instead
gives its writer a :class:`BlockOutput`, which keeps the text, and calls
:meth:`BlockOutput.send` once the events of a block of input are written (and
before any message to stderr), so the reader gets them in one write and one
flush. A live stream arrives a few lines a read, so it is still shown as it
arrives; the bytes on the stream are the same as when each event is written on
its own.

Failures of the real stream surface in :meth:`BlockOutput.send`, as the
writer's exceptions (:class:`~ai_infra_formatters.writer.StreamClosedError`,
:class:`~ai_infra_formatters.writer.StreamWriteError`), so the command treats
them exactly as it treats the writer's.

This module does not import Rich.
"""

from __future__ import annotations

import codecs
import errno
import io
import os
import sys
from typing import Any, TextIO

from ai_infra_formatters.writer import is_closed, write_error, write_text

__all__ = ["BlockOutput"]


class BlockOutput:
    """A text stream for an :class:`EventWriter` that holds what is written until :meth:`send`.

    ``write`` and ``flush`` are those of an in-memory buffer (C calls, no
    system call); :meth:`write_utf8` adds ready UTF-8 text (NDJSON from
    :meth:`JsonFormatter.format_bytes`) after it.

    Args:
        stream: the real text stream (``sys.stdout``). What its encoding cannot
            hold is written as ``?``, as the writer does.
    """

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._held = io.StringIO()
        self.write = self._held.write
        self.flush = self._held.flush  # nothing to do: send() flushes the real stream
        self._bytes_out = _utf8_bytes_stream(stream)

    @property
    def stream(self) -> TextIO:
        """The real stream."""
        return self._stream

    @property
    def name(self) -> Any:
        """The real stream's name (the writer names the stream in its messages)."""
        return getattr(self._stream, "name", None)

    @property
    def encoding(self) -> Any:
        """The real stream's encoding."""
        return getattr(self._stream, "encoding", None)

    @property
    def closed(self) -> bool:
        """False: text can always be held; whether the real stream is closed shows in send()."""
        return False

    def isatty(self) -> bool:
        """Whether the real stream is a terminal."""
        try:
            return bool(self._stream.isatty())
        except (AttributeError, ValueError, OSError):
            return False

    def write_utf8(self, data: bytes | bytearray) -> None:
        """Add *data*, text already encoded as UTF-8 (orjson's output), to what is sent.

        To ``sys.stdout`` with a UTF-8 encoding (the command's NDJSON output) it
        goes as bytes to the stream's binary buffer, in order after the held
        text, without a decode and an encode; anywhere else it is decoded and
        held as text.
        """
        out = self._bytes_out
        if out is None:
            self._held.write(data.decode("utf-8"))
            return
        self.send()  # what is held goes first
        try:
            _write_all(out, data)
        except (OSError, ValueError) as exc:
            raise self._failure(exc) from None

    def send(self) -> None:
        """Write what is held to the real stream and flush it.

        Raises:
            StreamClosedError: the reader went away, or the stream was closed.
            StreamWriteError: any other ``OSError`` (a full disk).
        """
        held = self._held
        stream = self._stream
        try:
            if held.tell():
                text = held.getvalue()
                held.seek(0)
                held.truncate()
                write_text(stream, text)
            stream.flush()
        except (OSError, ValueError) as exc:
            raise self._failure(exc) from None

    def _failure(self, exc: OSError | ValueError) -> Exception:
        """The writer's exception for *exc*; a ``ValueError`` of an open stream is left as is."""
        if isinstance(exc, ValueError) and not is_closed(self._stream):
            return exc
        return write_error(self._stream, exc)


def _write_all(out: io.BufferedIOBase | io.RawIOBase, data: bytes | bytearray) -> None:
    """Write all of *data* to *out*, a buffered or a raw (``python -u``) binary stream.

    A raw stream may take part of it (a signal): the rest is written again.

    Raises:
        BlockingIOError: a non-blocking stream took nothing.
    """
    with memoryview(data) as whole:  # released on return: *data* may be resized again
        view = whole
        while view:
            taken = out.write(view)
            if taken is None:
                raise BlockingIOError(errno.EAGAIN, "the stream would block")
            if taken >= len(view):
                return
            view = view[taken:]


def _utf8_bytes_stream(stream: TextIO) -> io.BufferedIOBase | io.RawIOBase | None:
    """*stream*'s binary buffer, when writing UTF-8 bytes there gives what writing
    their text to *stream* gives; else ``None``.

    That is the process's own ``sys.stdout`` (``sys.__stdout__``) on a system whose
    interpreter writes its newlines untranslated (not Windows), once its encoding
    is UTF-8. The text stream is flushed before each write to the buffer.
    """
    if os.name == "nt" or stream is not sys.__stdout__ or not isinstance(stream, io.TextIOWrapper):
        return None
    try:
        if codecs.lookup(stream.encoding).name != "utf-8":
            return None
    except LookupError:
        return None
    buffer = getattr(stream, "buffer", None)
    # A raw stream: the interpreter's unbuffered mode (python -u, PYTHONUNBUFFERED).
    return buffer if isinstance(buffer, (io.BufferedIOBase, io.RawIOBase)) else None
