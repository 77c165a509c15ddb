"""`EventWriter`: writes formatted events to one stream, whole lines, shared by threads.

**When the stream is flushed.** A flush per event halves the throughput of a
bulk stream into a file or a pipe (each is a system call), so the writer
flushes only where a reader would notice:

* A token (or reasoning) written to a stream someone may be watching as it
  grows (a terminal, a pipe, a socket, or a stream with no file descriptor) is
  flushed at once: tokens appear live.
* Any other write (whole event lines, and tokens written to a regular file or
  ``/dev/null``) is flushed at once when the writer has not flushed such a
  write in the last :data:`FLUSH_DELAY` seconds (a lone event after a pause
  shows at once). Otherwise a timer thread looks again every
  :data:`FLUSH_DELAY` seconds: while the producer keeps writing, it has the
  producer flush at its next write (so a bulk stream is flushed about 20 times
  a second, never per line); once a whole delay passes without a write, it
  flushes itself. What a producer wrote before going idle reaches its reader
  within about twice :data:`FLUSH_DELAY`.
* What is still unflushed when the interpreter exits is flushed by an
  ``atexit`` handler; :meth:`EventWriter.flush` flushes at once.

A failure of a deferred flush (a reader gone, a full disk) is reported by the
next write or :meth:`EventWriter.end_line` exactly as if that write had failed.

**Markdown answers.** When the formatter asks for them (a
:class:`~ai_infra_formatters.console.ConsoleFormatter` made with ``markdown=True``,
see its :meth:`~ai_infra_formatters.console.ConsoleFormatter.markdown_console`) and
the stream is a terminal, the answer's tokens (not reasoning) go to a
:class:`~ai_infra_formatters.markdown_stream.MarkdownStream` instead of being
written inline: one per speaker's turn, on a console the formatter makes for this
stream. Any other event, :meth:`EventWriter.end_line` and
:meth:`EventWriter.flush` end the answer first (its last block is printed, the live
area is gone), so a line never meets the live area. A speaker's label goes on a
line of its own above its answer; another speaker's text is held back, as for
lines (:mod:`ai_infra_formatters.speakers`), until the answer reaches the end of a
block, ends, or the held text passes the limit. The unfinished block is redrawn
at most 8 times a second; when the text pauses, a timer thread draws its last
pieces (under the writer's lock). Everything Rich writes is flushed as it is
written; its failures are reported as below, as any write's (a failure of the
timer's drawing, by the next write, as a deferred flush's).
Elsewhere (a file, a pipe) the raw text is written, as without Markdown.

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
* **The stream was closed** (``close()`` was called on it, a ``ValueError`` on
  every write): treated as a reader gone away. The first write raises
  :class:`StreamClosedError` (``errno`` ``EBADF``) and the writer is *closed*:
  later events for that stream are dropped quietly.
* **Any other OSError** (a full disk: ``ENOSPC``, an I/O error): the write raises
  :class:`StreamWriteError` (an ``OSError`` with the same ``errno``; the
  original exception is :attr:`EventWriter.error`). The writer is then
  *failed*: every later write or :meth:`EventWriter.end_line` raises
  :class:`StreamWriteError` again at once without touching the stream (no
  retry, no partial lines, no event dropped silently), until
  :meth:`EventWriter.reset` is called.
* **Text the stream's encoding cannot hold** (a non-UTF-8 locale): the
  characters it cannot encode are written as ``?`` instead of raising.
* **An interrupt mid-write** (Ctrl-C while the terminal does not read, so the
  write blocks): the ``KeyboardInterrupt`` (or any other exception) leaves the
  write as it is, never swallowed nor retried. An event counts as written only
  once ``stream.write`` has returned. How much of an interrupted event reached
  the stream cannot be known (a buffered stream may hold all of it, part of it
  or none), so the writer does not claim it either way: it assumes a line is
  left open, and the next event, or :meth:`EventWriter.end_line`, starts on a
  fresh line. The interrupted event is never silently counted as delivered:
  the exception tells its caller, who may send it again (it then appears whole,
  on its own line, possibly after a cut copy of it) or stop. The cost of
  assuming the worst is at most one empty line when the interrupted write had
  in fact completed.

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

import atexit
import contextlib
import errno
import os
import stat
import sys
import threading
import time
import weakref
from collections.abc import Callable, Hashable, Mapping
from typing import TYPE_CHECKING, Any, Final, NoReturn, TextIO

from ai_infra_formatters.events import event_type_of, field_of
from ai_infra_formatters.formats import OutputFormat
from ai_infra_formatters.protocol import StreamFormatter
from ai_infra_formatters.speakers import (
    HOLD_LIMIT,
    Speakers,
    has_text,
    is_reasoning,
    same_source,
    speaker_of,
)

if TYPE_CHECKING:
    from rich.console import Console

    from ai_infra_formatters.markdown_stream import MarkdownStream

__all__ = [
    "FLUSH_DELAY",
    "EventWriter",
    "StreamClosedError",
    "StreamWriteError",
    "is_closed",
    "is_watched_live",
    "silence_stream",
    "write_error",
    "write_text",
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


def is_closed(stream: Any) -> bool:
    """True when *stream* says it is closed (its ``closed`` attribute); never raises.

    A ``ValueError`` from writing to such a stream ("I/O operation on closed file")
    means its reader is gone; from any other stream it is not the writer's to judge.
    """
    try:
        return bool(stream.closed)
    except Exception:
        return False


#: How often, in seconds, the writer flushes a stream it is not asked to flush at
#: once (see the module documentation).
FLUSH_DELAY: Final = 0.05


def is_watched_live(stream: Any) -> bool:
    """True when a reader may watch *stream* as it grows, so tokens are flushed at once.

    A terminal, a pipe and a socket are; so is a stream without a file
    descriptor (a ``StringIO``, a wrapper: nothing says otherwise). A regular
    file and a device that is no terminal (``/dev/null``) are not: their tokens
    are flushed as whole lines are.
    """
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (AttributeError, OSError, ValueError):
        return True
    if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
        return True
    if stat.S_ISCHR(mode):
        try:
            return bool(stream.isatty())
        except (AttributeError, OSError, ValueError):
            return True
    return False


def _is_standard_stream(stream: Any) -> bool:
    try:
        return stream.fileno() in (1, 2)
    except (AttributeError, OSError, ValueError):
        return False


def _speaker(event: Any, kind: str) -> Hashable | None:
    """:func:`~ai_infra_formatters.speakers.speaker_of`, read faster for the usual
    event: a dict or an object (not a mapping) with no ``namespace`` and a string
    ``node_name`` or none. Anything else is left to ``speaker_of`` itself."""
    cls = type(event)
    try:
        if cls is dict:
            namespace = event.get("namespace")
            node = event.get("node_name")
        elif _plain_object(cls):
            namespace = getattr(event, "namespace", None)
            node = getattr(event, "node_name", None)
        else:
            return speaker_of(event, kind)
    except Exception:
        return speaker_of(event, kind)
    if namespace is not None or not (node is None or type(node) is str):
        return speaker_of(event, kind)
    if kind == "reasoning":
        return (None, node, kind)
    return None if node is None else (None, node)


# Per class, whether it is no mapping (its fields are attributes).
_PLAIN_CLASSES: dict[type, bool] = {}


def _plain_object(cls: type) -> bool:
    plain = _PLAIN_CLASSES.get(cls)
    if plain is None:
        plain = _PLAIN_CLASSES[cls] = not issubclass(cls, Mapping)
    return plain


class _ConsoleWriteFailed(Exception):
    """A write of the Markdown console failed (*error*, an ``OSError`` or
    ``ValueError``). Not an ``OSError``: Rich would turn a broken pipe into
    ``SystemExit``; the writer reports it as its own writes' failures."""

    def __init__(self, error: OSError | ValueError) -> None:
        super().__init__(str(error))
        self.error = error


class _ConsoleFile:
    """The file of a Markdown console: the writer's stream, whose first failure is
    raised as :class:`_ConsoleWriteFailed`; later writes are dropped (so Rich can
    finish its live area without a stream, and the writer reports the failure once).

    Args:
        stream: the writer's stream (a ``weakref.proxy`` of a weakly held one).
    """

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.failed = False

    @property
    def encoding(self) -> str:
        encoding = getattr(self.stream, "encoding", None)
        return encoding if isinstance(encoding, str) and encoding else "utf-8"

    def isatty(self) -> bool:
        try:
            return bool(self.stream.isatty())
        except (AttributeError, OSError, ValueError, ReferenceError):
            return False

    def fileno(self) -> int:
        fileno: int = self.stream.fileno()
        return fileno

    def write(self, text: str) -> int:
        if not self.failed:
            try:
                write_text(self.stream, text)
            except (OSError, ValueError) as exc:
                self.failed = True
                raise _ConsoleWriteFailed(exc) from exc
        return len(text)

    def flush(self) -> None:
        if not self.failed:
            try:
                self.stream.flush()
            except (OSError, ValueError) as exc:
                self.failed = True
                raise _ConsoleWriteFailed(exc) from exc


class EventWriter:
    """Writes formatted events to one text stream, safe to share between threads.

    Tokens are written inline; every other event goes on a line of its own,
    after a newline that closes any line tokens left open. One event's text is
    written under a lock, so concurrent producers never interleave inside a
    line. Tokens are flushed at once where a reader may be watching, whole lines
    every *flush_delay* seconds (the module documentation says when).

    With several producers, "inline" is per stream, not per producer: tokens
    from different producers that arrive while a token line is open join that
    line in arrival order (they interleave with each other at token
    granularity), but no token ever lands inside another event's line, and an
    event's line is always whole.

    A write that fails raises :class:`StreamClosedError` (the reader went away
    or the stream was closed; later events are dropped quietly) or
    :class:`StreamWriteError` (any other ``OSError``; later calls raise it again
    until :meth:`reset`). A write interrupted by ``KeyboardInterrupt`` (or any
    other exception) lets it through and counts nothing of the event as
    written: the next event starts on a fresh line. The module documentation
    describes each case.

    Args:
        stream: the text stream to write to (``write`` and ``flush`` are used).
            The writer keeps it alive, except a writer made by
            :func:`writer_for`, which refers to its stream weakly.
        flush_delay: how often, in seconds, lines are flushed in a bulk stream (an
            idle writer's within about twice that); ``0`` flushes after every event.
    """

    def __init__(self, stream: TextIO, *, flush_delay: float = FLUSH_DELAY) -> None:
        self._stream: TextIO | None = stream
        self._stream_ref: weakref.ref[TextIO] | None = None
        self._lock = threading.Lock()
        # True when the stream may hold an unterminated line: set before every
        # write and made exact only once the write has returned.
        self._line_open = False
        self._formatters: dict[tuple[OutputFormat | str, bool], StreamFormatter] = {}
        self._speakers = Speakers()
        self._closed = False
        self._error: OSError | None = None
        self.flush_delay = flush_delay
        # Flushing (see the module documentation): whether the stream holds text
        # written since the last flush; whether a reader may watch it (None: not
        # asked yet); until when a write is left to the timer; the timer; how many
        # writes there were (the timer tells a busy producer from an idle one) and
        # how many it saw last; whether it asks the busy producer to flush; and the
        # failure of a flush the timer made, for the next write to report.
        self._unflushed = False
        self._live: bool | None = None
        self._quiet_until = 0.0
        self._timer: threading.Timer | None = None
        self._writes = 0
        self._writes_seen = 0
        self._flush_due = False
        self._deferred_failure: Exception | None = None
        # Markdown answers (see the module documentation): the formatter the console
        # was asked of and the console (None: raw text); the answer being shown and
        # its speaker; other speakers' text held back meanwhile ({speaker: [label,
        # text]}) and its size.
        self._markdown_source: object = None
        self._markdown_console: Console | None = None
        self._answer: MarkdownStream | None = None
        self._answer_speaker: Hashable | None = None
        self._answers_held: dict[Hashable | None, list[str]] = {}
        self._answers_held_size = 0
        self._redraw_timer: threading.Timer | None = None

    @classmethod
    def _weakly(cls, stream: TextIO, ref: weakref.ref[TextIO]) -> EventWriter:
        """A writer on *stream* that holds it only through *ref* (for :func:`writer_for`)."""
        writer = cls(stream)
        writer._stream = None
        writer._stream_ref = ref
        return writer

    @property
    def stream(self) -> TextIO:
        """The stream written to.

        Raises:
            ReferenceError: the writer came from :func:`writer_for` and its stream
                no longer exists (its events are dropped: nobody can read them).
        """
        stream = self._target()
        if stream is None:
            raise ReferenceError("the stream of this EventWriter no longer exists")
        return stream

    @stream.setter
    def stream(self, stream: TextIO) -> None:
        with self._lock, contextlib.suppress(Exception):
            self._end_answer()  # on the old stream: its failure is not the new one's
        self._stream = stream
        self._stream_ref = None
        self._live = None
        self._markdown_source = self._markdown_console = None

    def _target(self) -> TextIO | None:
        """The stream, or ``None`` when it was weakly held and no longer exists."""
        stream = self._stream
        if stream is None and self._stream_ref is not None:
            return self._stream_ref()
        return stream

    @property
    def closed(self) -> bool:
        """True once the stream's reader went away or it was closed: events are dropped."""
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
            self._deferred_failure = None

    def flush(self) -> None:
        """Flush what was written to the stream now (before handing it to other code,
        or closing it).

        Raises:
            StreamClosedError: the stream's reader went away, or the stream was
                closed (now, or in a deferred flush).
            StreamWriteError: flushing failed with another ``OSError``, now or in a
                deferred flush, or an earlier write did.
        """
        with self._lock:
            if self._dropping():
                return
            self._end_answer()
            self._flush()

    def formatter_for(self, format: OutputFormat | str, colors_enabled: bool) -> StreamFormatter:
        """A formatter for this stream, made once per (format, colours).

        Raises:
            ReferenceError: the stream of a :func:`writer_for` writer no longer exists.
        """
        # OutputFormat is a str enum: "json" and OutputFormat.JSON are one key.
        formatter = self._formatters.get((format, colors_enabled))
        if formatter is None:
            fmt = OutputFormat.parse(format)
            formatter = self._formatters.get((fmt, colors_enabled))
            if formatter is None:
                # Imported here: ai_infra_formatters.output imports this module.
                from ai_infra_formatters.output import get_formatter

                formatter = get_formatter(fmt, colors_enabled, stream=self._formatter_stream())
                self._formatters[(fmt, colors_enabled)] = formatter
            self._formatters[(format, colors_enabled)] = formatter
        return formatter

    def _formatter_stream(self) -> TextIO:
        """The stream a formatter may look at (its terminal), without keeping it alive.

        A weakly held stream is given as a ``weakref.proxy``: the formatters this
        writer caches (a console formatter's Rich console keeps its file) must
        not keep the stream alive either.
        """
        if self._stream is not None:
            return self._stream
        proxy: TextIO = weakref.proxy(self.stream)
        return proxy

    def write(self, event: Any, formatter: StreamFormatter) -> None:
        """Format *event* with *formatter* and write it.

        Raises:
            StreamClosedError: the stream's reader went away, or the stream was
                closed, during this write.
            StreamWriteError: this write failed with another ``OSError``, or an
                earlier one did (see :attr:`error`).
            KeyboardInterrupt: the write was interrupted; the event may not
                have reached the stream, or only in part (see the module
                documentation). Any exception of the stream passes the same way.
        """
        if self._closed:
            return  # the reader is gone: drop the event without formatting it
        text = formatter.format(event)
        if getattr(formatter, "writes_frames", False):
            self.write_frames(text)
            return
        # A formatter without the attribute writes tokens inline (the protocol's default);
        # reasoning only when the formatter says so.
        etype = event_type_of(event)
        markdown = False
        if etype == "token":
            inline = getattr(formatter, "inline_tokens", True)
            markdown = inline and getattr(formatter, "markdown", False) is True
        else:
            inline = (
                etype == "reasoning"
                and getattr(formatter, "inline_reasoning", False)
                and has_text(event)
            )
        with self._lock:
            failing = self._error is not None or self._deferred_failure is not None
            if (self._closed or failing) and self._dropping():
                return
            if markdown and self._write_answer(event, formatter):
                return
            if self._answer is not None:
                self._end_answer()
            if inline:
                if text:
                    label_of = getattr(formatter, "speaker_label", None)
                    if label_of is None:
                        self._emit(text, line_open=not text.endswith("\n"))
                    else:
                        self._write_token(event, etype, text, label_of)
                    if self._unflushed:
                        live = self._live
                        if live is None:
                            live = self._live = is_watched_live(self._target())
                        if live:
                            self._flush()
                        elif self._timer is None:
                            self._flush_soon()
                        elif self._flush_due:
                            self._flush()
                return
            if not text:
                return
            if self._speakers.holding:
                self._release_held()
            if self._line_open:
                text = "\n" + text
            self._emit(text + "\n", line_open=False)
            if self._timer is None:
                self._flush_soon()
            elif self._flush_due:
                self._flush()

    def write_frames(self, text: str) -> None:
        """Write *text*, whole protocol frames (SSE), as it is and flush it: a web
        client reads each frame as it comes. Raises as :meth:`write` does."""
        if not text:
            return
        with self._lock:
            if self._dropping():
                return
            if self._line_open:
                text = "\n" + text
            self._emit(text, line_open=False)
            self._flush()

    def end_stream(self, formatter: StreamFormatter, error: str | None = None) -> None:
        """End the stream *formatter* wrote, once the events are over: a web protocol
        encoder's closing frames (its ``close(error)``: the run's end, or its error),
        else the close of a line tokens left open. Raises as :meth:`write` does."""
        close = getattr(formatter, "close", None)
        if getattr(formatter, "writes_frames", False) and callable(close):
            self.write_frames(close(error))
        else:
            self.end_line()

    def end_line(self) -> None:
        """Close a line that tokens left open (call when a stream of tokens ends).

        After an interrupted write this writes a newline too: the line may be open.

        Raises:
            StreamClosedError: the stream's reader went away, or the stream was
                closed, during this write.
            StreamWriteError: this write failed with another ``OSError``, or an
                earlier one did.
        """
        with self._lock:
            if self._dropping():
                return
            self._end_answer()
            if self._speakers.holding:
                self._release_held()
            if self._line_open:
                self._emit("\n", line_open=False)
            if self._unflushed and self._timer is None:
                self._flush_soon()

    # -- under the lock -------------------------------------------------------

    def _write_token(
        self, event: Any, etype: str, text: str, label_of: Callable[[Any], str]
    ) -> None:
        """Write a token's *text* so that a line never mixes two speakers (see
        :mod:`ai_infra_formatters.speakers`)."""
        speakers = self._speakers
        speaker = _speaker(event, etype)
        if self._line_open:
            owner = speakers.owner
            if speaker == owner or (speaker is None and not is_reasoning(owner)):
                # The same speaker goes on; a token of unknown origin joins the line
                # (never a line of reasoning).
                stays_open = not text.endswith("\n")
                self._emit(text, line_open=stays_open)
                if speaker is not None:
                    speakers.wrote(speaker)
                if not stays_open:
                    self._after_token()
                return

        def label() -> str:
            return label_of(event)

        if self._line_open:
            owner = speakers.owner
            if owner is not None and speaker is not None and not same_source(owner, speaker):
                # Two speakers at once: hold this one's text back.
                if speakers.hold(speaker, text, label):
                    self._release_held()  # too much held back: end the open line for it
                return
            self._emit("\n", line_open=False)  # a line of unknown origin or reasoning ends
        self._emit(speakers.opening(speaker, label) + text, line_open=not text.endswith("\n"))
        speakers.wrote(speaker)
        self._after_token()

    def _after_token(self) -> None:
        """Once a token line has ended, write what other speakers held back."""
        if not self._line_open and self._speakers.holding:
            self._release_held()

    def _release_held(self) -> None:
        """End the open line, then write the text other speakers held back."""
        if self._line_open:
            self._emit("\n", line_open=False)
        text, open_line = self._speakers.release()
        if text:
            self._emit(text, line_open=open_line)

    # -- Markdown answers (under the lock) ---------------------------------------

    def _write_answer(self, event: Any, formatter: StreamFormatter) -> bool:
        """Show a token of the answer as Markdown; False when it is to be written as
        text instead (Markdown is off for this stream, or the token holds no text)."""
        if formatter is not self._markdown_source:
            self._end_answer()
            self._markdown_source = formatter
            self._markdown_console = self._new_markdown_console(formatter)
        console = self._markdown_console
        if console is None:
            return False
        try:
            text = field_of(event, "content")
        except Exception:
            return False
        if type(text) is not str:
            return False
        if not text:
            return True
        speaker = _speaker(event, "token")
        label_of: Callable[[Any], str] | None = getattr(formatter, "speaker_label", None)
        answer = self._answer
        if answer is not None:
            owner = self._answer_speaker
            if speaker == owner or speaker is None:
                self._markdown(answer.feed, text)
                if self._answers_held and answer.at_block_end:
                    self._release_answers(keep_last=True)
            elif owner is not None:
                # Two speakers at once: hold this one's text back.
                held = self._answers_held.get(speaker)
                if held is None:
                    label = label_of(event) if label_of is not None else ""
                    held = self._answers_held[speaker] = [label, ""]
                held[1] += text
                self._answers_held_size += len(text)
                if self._answers_held_size > HOLD_LIMIT:
                    self._release_answers(keep_last=True)
            else:
                self._end_answer()  # an answer of unknown origin ends: a speaker begins
                answer = None
        if answer is None:
            if self._speakers.holding:
                self._release_held()
            if self._line_open:
                self._emit("\n", line_open=False)
            label = ""
            if label_of is not None:
                label = self._speakers.opening(speaker, lambda: label_of(event))
            self._start_answer(console, speaker, label, text)
        self._schedule_redraw()
        if self._unflushed:
            self._flush()
        return True

    def _schedule_redraw(self) -> None:
        """Have the timer draw the answer's unfinished block when it may, if it has
        text not drawn yet (see :meth:`_on_redraw`)."""
        answer = self._answer
        if answer is None or self._redraw_timer is not None:
            return
        delay = answer.redraw_due
        if delay is None:
            return
        timer = threading.Timer(delay, self._on_redraw, args=(answer,))
        timer.daemon = True
        try:
            timer.start()
        except RuntimeError:  # the interpreter is exiting
            return
        self._redraw_timer = timer

    def _on_redraw(self, answer: MarkdownStream) -> None:
        """The timer (in its own thread): draw what *answer*'s producer paused on. A
        failure is kept for the next write to report (see :meth:`_dropping`)."""
        with self._lock:
            self._redraw_timer = None
            failing = self._error is not None or self._deferred_failure is not None
            if self._answer is not answer or self._closed or failing:
                return
            stream = self._target()
            try:
                answer.refresh()
            except _ConsoleWriteFailed as failed:
                self._forget_answers()
                error = failed.error
                if isinstance(error, BrokenPipeError) and _is_standard_stream(stream):
                    silence_stream(stream)
                self._deferred_failure = error
                return
            self._schedule_redraw()

    def _forget_answers(self) -> None:
        """Drop the answer and its console, left as a failure found them (the next
        answer gets a new console)."""
        self._answer = None
        self._answers_held.clear()
        self._answers_held_size = 0
        self._markdown_source = self._markdown_console = None
        timer, self._redraw_timer = self._redraw_timer, None
        if timer is not None:
            timer.cancel()

    def _new_markdown_console(self, formatter: StreamFormatter) -> Console | None:
        """The console *formatter* makes for Markdown answers on this stream (a
        terminal), or ``None`` (raw text)."""
        make = getattr(formatter, "markdown_console", None)
        stream = self._target()
        if make is None or stream is None:
            return None
        try:
            if not stream.isatty():
                return None
        except (AttributeError, OSError, ValueError):
            return None
        console: Console | None = make(_ConsoleFile(self._formatter_stream()))
        return console

    def _start_answer(
        self, console: Console, speaker: Hashable | None, label: str, text: str
    ) -> None:
        """Begin an answer of *speaker* with *text*, under its *label* (on a line of its own)."""
        # Imported here: only a stream that shows Markdown pays for Rich's Markdown.
        from ai_infra_formatters.markdown_stream import MarkdownStream

        if label:
            self._emit(label.rstrip(" ") + "\n", line_open=False)
        self._speakers.wrote(speaker)
        answer = self._answer = MarkdownStream(console)
        self._answer_speaker = speaker
        _open_answers.add(self)
        self._markdown(answer.feed, text)

    def _release_answers(self, *, keep_last: bool) -> None:
        """End the answer, then show each text held back as an answer of its own; the
        last one goes on (*keep_last*) or ends too."""
        self._close_answer()
        console = self._markdown_console
        while self._answers_held and console is not None:
            speaker = next(iter(self._answers_held))
            label, text = self._answers_held.pop(speaker)
            self._answers_held_size -= len(text)
            if speaker is None or speaker == self._speakers.last:
                label = ""
            self._start_answer(console, speaker, label, text)
            if self._answers_held or not keep_last:
                self._close_answer()
        self._answers_held_size = 0

    def _close_answer(self) -> None:
        """End the answer being shown (its last block is printed, its live area gone)."""
        answer, self._answer = self._answer, None
        timer, self._redraw_timer = self._redraw_timer, None
        if timer is not None:
            timer.cancel()
        if answer is not None:
            self._markdown(answer.end)

    def _end_answer(self) -> None:
        """End the answer being shown and show what other speakers held back (before
        anything else is written: the live area is gone)."""
        if self._answer is not None or self._answers_held:
            self._release_answers(keep_last=False)
            if self._unflushed:
                self._flush()

    def _markdown(self, step: Callable[..., None], *args: str) -> None:
        """Run a step of the answer (``feed``, ``end``), which writes through Rich;
        a failure becomes the documented exception, as for :meth:`_emit`."""
        self._line_open = True  # until the step returns, as _emit assumes
        self._writes += 1
        try:
            step(*args)
        except _ConsoleWriteFailed as failed:
            self._forget_answers()
            stream = self._target()
            if stream is None:
                self._closed = True
                return
            self._fail(stream, failed.error)
        self._line_open = False

    def _dropping(self) -> bool:
        """True when the stream is closed; raises when an earlier write failed."""
        if self._closed:
            return True
        failure = self._deferred_failure
        if failure is not None:
            self._deferred_failure = None
            stream = self._target()
            if stream is None:
                self._closed = True
                return True
            self._fail(stream, failure)
        error = self._error
        if error is not None:
            name = _stream_name(self._target())
            raise StreamWriteError(
                error.errno,
                f"cannot write events to {name}: an earlier write failed ({_reason(error)})",
                name,
            ) from None
        return False

    def _emit(self, text: str, *, line_open: bool) -> None:
        """Write *text* (not flushed), turning a failure into the documented exception.

        *line_open* is whether a line is left open once *text* is written. Until
        the stream's ``write`` has returned, the writer assumes one is: if the
        write raises (an interrupt, a failure) after taking part of *text*, or
        an interrupt comes between the write and this bookkeeping, the next
        event still starts on a fresh line.
        """
        stream = self._stream
        if stream is None:
            stream = self._target()
            if stream is None:
                self._closed = True  # a weakly held stream that no longer exists: nobody reads it
                return
        self._line_open = True
        self._unflushed = True
        self._writes += 1
        try:
            try:
                stream.write(text)
            except UnicodeEncodeError:  # as write_text() does
                stream.write(_encodable_text(text, stream))
        except (OSError, ValueError) as exc:
            self._fail(stream, exc)
        self._line_open = line_open

    def _flush_soon(self) -> None:
        """Flush what was just written at once when nothing was flushed this way in
        the last :attr:`flush_delay` seconds, else leave it to a timer (there is none
        yet: the caller checks, so that a bulk stream pays one attribute test)."""
        now = time.monotonic()
        if now >= self._quiet_until:
            self._quiet_until = now + self.flush_delay
            self._flush()
            return
        self._writes_seen = self._writes
        if not self._start_timer(self._quiet_until - now):
            self._flush()

    def _flush(self) -> None:
        """Flush the stream now, turning a failure into the documented exception."""
        stream = self._target()
        if stream is None:
            self._closed = True
            return
        self._flush_due = False
        try:
            stream.flush()
        except (OSError, ValueError) as exc:
            self._fail(stream, exc)
        self._unflushed = False

    def _fail(self, stream: TextIO, exc: Exception) -> NoReturn:
        """Raise the documented exception for *exc*, raised by writing to or flushing
        *stream*, and remember that the writer is closed or failed."""
        if isinstance(exc, BrokenPipeError):
            self._closed = True
            raise write_error(stream, exc) from None
        if isinstance(exc, OSError):
            self._error = exc
            raise write_error(stream, exc) from None
        if isinstance(exc, ValueError) and is_closed(stream):
            self._closed = True
            raise write_error(stream, exc) from None
        raise exc  # not the stream's "I/O operation on closed file": not ours to judge

    # -- deferred flushes -------------------------------------------------------

    def _start_timer(self, delay: float) -> bool:
        """Have :meth:`_on_timer` run in *delay* seconds; False when no thread can start."""
        # The timer holds the writer weakly: a writer whose stream was dropped is
        # collected at once, not when its timer fires.
        timer = threading.Timer(delay, _timer_fired, args=(weakref.ref(self),))
        timer.daemon = True
        try:
            timer.start()
        except RuntimeError:  # the interpreter is exiting
            self._timer = None
            return False
        self._timer = timer
        _late_flushes.add(self)
        return True

    def _on_timer(self) -> None:
        """The timer (in its own thread): flush what an idle producer left unflushed.

        While the producer keeps writing, the timer does not touch the stream (that
        would make the two threads take turns at the lock, which costs the producer
        far more than a flush): it asks the producer to flush at its next write
        and looks again :attr:`flush_delay` later. Once a whole delay passed
        without a write, it flushes itself. A failure is kept for the next write
        to report (see :meth:`_dropping`); a standard stream whose reader went away
        is silenced at once, so nothing fails again at exit.
        """
        writes = self._writes
        if writes != self._writes_seen:
            self._writes_seen = writes
            self._flush_due = True
            if self._start_timer(self.flush_delay):
                return
        with self._lock:
            self._timer = None
            self._flush_due = False
            _late_flushes.discard(self)
            self._flush_quietly()

    def _flush_quietly(self) -> None:
        """(Under the lock) flush what is unflushed; keep a failure for the next write."""
        if (
            not self._unflushed
            or self._closed
            or self._error is not None
            or self._deferred_failure is not None
        ):
            return
        stream = self._target()
        if stream is None:
            return
        try:
            stream.flush()
        except Exception as exc:
            if isinstance(exc, BrokenPipeError) and _is_standard_stream(stream):
                silence_stream(stream)
            self._deferred_failure = exc
            return
        self._unflushed = False

    def _flush_at_exit(self) -> None:
        """Flush what the timer has not yet (the interpreter is exiting)."""
        for timer in (self._timer, self._redraw_timer):
            if timer is not None:
                timer.cancel()
        # A timer thread stuck in a flush (a reader that does not read) holds the
        # lock: give up after a while rather than hang the exit.
        if self._lock.acquire(timeout=1.0):
            try:
                self._timer = None
                if self._answer is not None or self._answers_held:
                    with contextlib.suppress(Exception):
                        self._end_answer()
                self._flush_quietly()
            finally:
                self._lock.release()

    def _after_fork(self) -> None:
        """In a forked child: the timer thread and a lock it held did not come along."""
        self._lock = threading.Lock()
        self._timer = self._redraw_timer = None


#: The writers whose timer has not flushed yet; the exit handler flushes them.
_late_flushes: weakref.WeakSet[EventWriter] = weakref.WeakSet()
#: The writers that showed a Markdown answer: the exit handler ends one still shown.
_open_answers: weakref.WeakSet[EventWriter] = weakref.WeakSet()


def _timer_fired(ref: weakref.ref[EventWriter]) -> None:
    """A flush timer's work, for its writer if it still exists."""
    writer = ref()
    if writer is not None:
        writer._on_timer()


def _flush_all_at_exit() -> None:
    for writer in {*_late_flushes, *_open_answers}:
        writer._flush_at_exit()


def _forget_timers_in_child() -> None:
    for writer in {*_late_flushes, *_open_answers}:
        writer._after_fork()


atexit.register(_flush_all_at_exit)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_timers_in_child)


def write_error(stream: Any, exc: OSError | ValueError) -> StreamWriteError:
    """The exception that reports *exc*, raised by a write to *stream*, as this module does.

    A broken pipe gives :class:`StreamClosedError` (and when *stream* is the
    process's standard output or error, its descriptor is pointed at
    ``os.devnull`` first, see :func:`silence_stream`), and so does the
    ``ValueError`` of a closed stream (errno ``EBADF``); any other ``OSError``
    gives :class:`StreamWriteError`. Each names the stream and carries *exc*'s
    ``errno``. For code that writes to a stream by other means (a Rich live
    display) and wants the writer's errors.
    """
    name = _stream_name(stream)
    if isinstance(exc, ValueError):
        return StreamClosedError(
            errno.EBADF, f"{name} is closed; later events to it are dropped", name
        )
    if isinstance(exc, BrokenPipeError):
        if _is_standard_stream(stream):
            silence_stream(stream)
        return StreamClosedError(
            exc.errno,
            f"the reader of {name} went away (broken pipe); later events to it are dropped",
            name,
        )
    return StreamWriteError(exc.errno, f"cannot write events to {name}: {_reason(exc)}", name)


def write_text(stream: Any, text: str) -> None:
    """``stream.write(text)``; what the stream's encoding cannot hold (a non-UTF-8
    locale) is written as ``?``. Any other failure of the write passes through."""
    try:
        stream.write(text)
    except UnicodeEncodeError:
        stream.write(_encodable_text(text, stream))


def _encodable_text(text: str, stream: Any) -> str:
    """*text* with what *stream*'s encoding cannot hold replaced by ``?`` (what the
    writer writes to a stream whose encoding is not UTF-8)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        return text.encode(encoding, "replace").decode(encoding, "replace")
    except LookupError:
        return text.encode("ascii", "replace").decode("ascii")


# -- the shared writers of writer_for ---------------------------------------------
#
# One writer per live stream object, keyed by the stream's identity (id), not by
# its __eq__/__hash__: two equal streams are still two streams, and a stream
# class may be unhashable. A weakly referenceable stream (every io stream and
# file object) has its entry removed by a weakref callback when it is collected;
# its writer refers to it only weakly, so the table keeps no stream alive. While
# the stream is alive its id cannot belong to another object, and the entry is
# gone before the id can be reused.
#
# A stream that cannot be weakly referenced (a class with __slots__ and no
# __weakref__) cannot say when it is gone. Its writer is pinned: kept, holding
# the stream, for the rest of the process. Dropping it instead could split a
# token line or forget that the stream was closed (the bug of the old table,
# which evicted after 64 streams), so correctness wins over memory for these
# rare streams; a program making many of them should create an EventWriter per
# stream itself and keep it as long as the stream.

_weak_writers: dict[int, tuple[weakref.ref[TextIO], EventWriter]] = {}
_pinned_writers: dict[int, EventWriter] = {}
_writers_lock = threading.Lock()


def writer_for(stream: TextIO) -> EventWriter:
    """The shared :class:`EventWriter` of *stream*: one per live stream object.

    However many streams there are, a stream keeps its writer (so its line
    state, its formatters and whether it was closed) for as long as it exists;
    the writer does not keep it alive. A stream that cannot be weakly referenced
    keeps its writer for the life of the process (see the comment above).
    """
    key = id(stream)
    entry = _weak_writers.get(key)
    if entry is not None and entry[0]() is stream:
        return entry[1]
    pinned = _pinned_writers.get(key)
    if pinned is not None:
        return pinned  # a pinned writer holds its stream: the id is this stream's
    return _new_writer(stream)


def _new_writer(stream: TextIO) -> EventWriter:
    key = id(stream)
    with _writers_lock:
        entry = _weak_writers.get(key)
        if entry is not None and entry[0]() is stream:
            return entry[1]  # made by another thread meanwhile
        try:
            ref = weakref.ref(stream, _forgetter(key))
        except TypeError:
            return _pinned_writers.setdefault(key, EventWriter(stream))
        writer = EventWriter._weakly(stream, ref)
        _weak_writers[key] = (ref, writer)
        return writer


def _forgetter(key: int) -> Callable[[weakref.ref[TextIO]], None]:
    """The weakref callback that removes *key*'s entry when its stream is collected.

    It takes no lock (it may run inside the garbage collector while this thread
    holds one) and removes the entry only if it is still the one of *ref*.
    """
    table = _weak_writers  # bound now: module globals may be gone at shutdown

    def forget(ref: weakref.ref[TextIO]) -> None:
        entry = table.get(key)
        if entry is not None and entry[0] is ref:
            table.pop(key, None)

    return forget
