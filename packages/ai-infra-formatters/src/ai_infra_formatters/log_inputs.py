"""Where ``ai-infra-format`` reads events from: log files, gzip-compressed or not, and
a log that is still being written, followed like ``tail -F``.

Every source is a binary stream with ``read1(size)`` (what the command's line
reader, :class:`~ai_infra_formatters.cli_lines.LineBlocks`, calls) and
``readline(size)``, and a ``name``. Read errors are ``OSError``: a compressed
file cut short says so as one, rather than as the ``EOFError`` the :mod:`gzip`
module raises.

:mod:`gzip` is imported only when a compressed log is opened.
"""

from __future__ import annotations

import functools
import os
import threading
import time
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Final, cast

if TYPE_CHECKING:
    import gzip

__all__ = ["GZIP_MAGIC", "FollowedFile", "is_gzip", "open_log"]

#: The first two bytes of every gzip stream (RFC 1952).
GZIP_MAGIC: Final = b"\x1f\x8b"
#: How often a followed file is looked at again once it has nothing new, in seconds.
DEFAULT_POLL_INTERVAL: Final = 0.2


#: The most bytes :meth:`FollowedFile.read1` gives when asked for any number.
_READ1_DEFAULT: Final = 1024 * 1024


def _cut_short(exc: EOFError) -> OSError:
    return OSError(f"the compressed file ends early (cut short?): {exc}")


@functools.cache
def _gzip_log_class() -> type[gzip.GzipFile]:
    """The class of a gzip-compressed log (made once, when first needed)."""
    import gzip

    class _GzipLog(gzip.GzipFile):
        """A gzip-compressed log: a stream cut short is an ``OSError`` like any bad read."""

        def readline(self, size: int | None = -1) -> bytes:
            try:
                return super().readline(size)
            except EOFError as exc:  # the compressed stream ends before its end marker
                raise _cut_short(exc) from None

        def read1(self, size: int = -1) -> bytes:
            try:
                return super().read1(size)
            except EOFError as exc:
                raise _cut_short(exc) from None

        def read(self, size: int | None = -1) -> bytes:
            try:
                return super().read(size)
            except EOFError as exc:
                raise _cut_short(exc) from None

    return _GzipLog


def is_gzip(stream: IO[bytes]) -> bool:
    """True when the buffered binary *stream* starts (at its position) with :data:`GZIP_MAGIC`.

    Looks without reading: *stream* must have ``peek`` (a ``BufferedReader``);
    a stream without it is taken as not compressed.
    """
    peek = getattr(stream, "peek", None)
    if not callable(peek):
        return False
    start: bytes = peek(len(GZIP_MAGIC))
    return start[: len(GZIP_MAGIC)] == GZIP_MAGIC


def open_log(path: str) -> IO[bytes]:
    """*path* opened for reading as a binary stream; decompressed when its content is
    gzip (told by its first bytes, whatever its name).

    A file whose first read fails is returned as it is: reading it fails again,
    as a read error (what it is), not as one of opening.

    Raises:
        OSError: the file cannot be opened (missing, a directory, no permission).
    """
    raw = open(path, "rb")  # noqa: SIM115 - returned to the caller, who closes it
    try:
        compressed = is_gzip(raw)
    except OSError:
        return raw
    if not compressed:
        return raw
    return cast("IO[bytes]", _gzip_log_class()(filename=path, mode="rb", fileobj=raw))


class FollowedFile:
    """A log file that is still being written, read as ``tail -F`` reads it.

    :meth:`readline` and :meth:`read1` return whole lines only: at the end of the file it waits for
    more (looking again every *poll_interval* seconds). When the file is cut
    (``truncate``, ``> run.ndjson``) reading starts over from its beginning; when
    it is replaced (log rotation: renamed or removed, and a new file made under
    the same path), what is left of the old file is read first, then the new one
    from its beginning. While no file is at the path, it waits for one.

    Reading ends (``readline`` returns ``b""``) only once :meth:`stop` is called;
    the command stops on Ctrl-C instead.

    Args:
        path: the file to follow; it must exist when following starts.
        poll_interval: seconds between looks at a file that has nothing new.
        sleep: how to wait (tests pass a faster one).
    """

    def __init__(
        self,
        path: str,
        *,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = path
        self._file: IO[bytes] = open(path, "rb")  # noqa: SIM115 - closed by close()
        self._poll_interval = poll_interval
        self._sleep = sleep
        self._partial = b""  # the start of a line whose newline is not written yet
        self._stopped = threading.Event()

    def stop(self) -> None:
        """End the reading: the next wait returns what is left (a partial line) or ``b""``."""
        self._stopped.set()

    def close(self) -> None:
        """Close the file being read."""
        self._file.close()

    def __enter__(self) -> FollowedFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def readline(self, size: int | None = -1) -> bytes:
        """The next whole line (newline included), or its first *size* bytes when it
        is longer; waits while the file has no more."""
        limit = -1 if size is None or size < 0 else size
        while True:
            want = -1 if limit < 0 else limit - len(self._partial)
            piece = self._file.readline(want)
            line = self._partial + piece
            if line.endswith(b"\n") or (limit >= 0 and len(line) >= limit):
                self._partial = b""
                return line
            self._partial = line
            if piece:
                continue  # the file grew while being read: read on before waiting
            if self._stopped.is_set():
                self._partial = b""
                return line
            self._wait_for_more()

    def is_gzip(self) -> bool:
        """True when the file followed is gzip-compressed (it cannot be followed as text)."""
        return is_gzip(self._file)

    def read1(self, size: int = -1) -> bytes:
        """The whole lines the file has now after what was read (at most *size* bytes;
        a line longer than that comes in pieces of *size*); waits while it has none.

        What :class:`~ai_infra_formatters.cli_lines.LineBlocks` reads a block with: a
        file already written is read a big piece at a time, and what arrives while
        following is given as soon as its lines are whole.
        """
        limit = _READ1_DEFAULT if size is None or size < 0 else max(size, 1)
        while True:
            piece = self._file.read(limit - len(self._partial))
            data = self._partial + piece
            whole = data.rfind(b"\n") + 1
            if whole:
                self._partial = data[whole:]
                return data[:whole]
            if len(data) >= limit:
                self._partial = b""
                return data
            self._partial = data
            if piece:
                continue  # the file grew while being read: read on before waiting
            if self._stopped.is_set():
                self._partial = b""
                return data
            self._wait_for_more()

    def _wait_for_more(self) -> None:
        """Sleep, then switch to a new file at the path or start over a cut one."""
        self._sleep(self._poll_interval)
        try:
            at_path = os.stat(self.name)
        except OSError:
            return  # rotated away and not made again yet: keep waiting
        current = os.fstat(self._file.fileno())
        if (at_path.st_ino, at_path.st_dev) != (current.st_ino, current.st_dev):
            if self._file.read(1):  # the old file still has lines: finish them first
                self._file.seek(-1, os.SEEK_CUR)
                return
            try:
                replacement = open(self.name, "rb")  # noqa: SIM115 - closed by close()
            except OSError:
                return
            self._file.close()
            self._file = replacement
            self._partial = b""
        elif current.st_size < self._file.tell():
            self._file.seek(0)  # cut: what is there now is a new log
            self._partial = b""
