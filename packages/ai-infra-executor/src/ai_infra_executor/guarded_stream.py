"""`GuardedStream`: a Rich console's file whose write failures reach its owner, once.

A Rich live display writes from its own refresh thread as well as from the
caller's. A write that fails there kills the thread with a traceback, and Rich's
answer to a broken pipe (``Console.on_broken_pipe``) is ``SystemExit(1)`` after
pointing the whole process's file descriptor 1 at ``os.devnull``. Behind a
:class:`GuardedStream`, Rich never sees a failure: the first ``OSError`` (or the
``ValueError`` of a closed file) is kept and every later write is dropped, and
the owner calls :meth:`GuardedStream.raise_failure` from its own thread to raise
it as ai-infra-formatters' writer does: :class:`StreamClosedError` once when the
reader went away, :class:`StreamWriteError` on every call after any other failure.
"""

from __future__ import annotations

import threading
from typing import TextIO

from ai_infra_formatters.writer import (
    StreamClosedError,
    StreamWriteError,
    is_closed,
    write_error,
    write_text,
)

__all__ = ["GuardedStream"]


class GuardedStream:
    """A text stream that keeps the first failure of *stream* instead of raising it.

    Only what Rich's console uses is provided: ``write``, ``flush``, ``isatty``,
    ``fileno`` and ``encoding``.

    Args:
        stream: the stream to write to.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._lock = threading.Lock()
        self._failure: StreamWriteError | None = None
        self._reported = False

    @property
    def failed(self) -> bool:
        """True once a write failed: every later write is dropped."""
        return self._failure is not None

    @property
    def encoding(self) -> str:
        encoding = getattr(self.stream, "encoding", None)
        return encoding if isinstance(encoding, str) and encoding else "utf-8"

    def isatty(self) -> bool:
        try:
            return bool(self.stream.isatty())
        except (AttributeError, OSError, ValueError):
            return False

    def fileno(self) -> int:
        return self.stream.fileno()

    def write(self, text: str) -> int:
        if self._failure is None:
            try:
                write_text(self.stream, text)  # not UTF-8: as EventWriter does, "?" stands in
            except (OSError, ValueError) as exc:
                self._fail(exc)
        return len(text)

    def flush(self) -> None:
        if self._failure is None:
            try:
                self.stream.flush()
            except (OSError, ValueError) as exc:
                self._fail(exc)

    def raise_failure(self) -> None:
        """Raise the kept failure: a closed stream's once, any other one every time.

        Raises:
            StreamClosedError: the reader went away (the first call after it did).
            StreamWriteError: a write failed for another reason.
        """
        failure = self._failure
        if failure is None:
            return
        if isinstance(failure, StreamClosedError):
            with self._lock:
                if self._reported:
                    return
                self._reported = True
        raise failure.with_traceback(None)

    def _fail(self, exc: OSError | ValueError) -> None:
        if isinstance(exc, ValueError) and not is_closed(self.stream):
            raise exc  # not a closed stream's "I/O operation on closed file": a bug to show
        with self._lock:
            if self._failure is None:
                self._failure = write_error(self.stream, exc)

    def __repr__(self) -> str:
        return f"GuardedStream({self.stream!r})"
