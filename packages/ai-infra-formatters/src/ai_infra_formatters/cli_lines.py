"""`LineBlocks`: the lines of a binary input, a block of whole lines per read, each bounded.

``ai-infra-format`` reads its input with one ``read1`` call at a time: a big
piece of a file (:data:`BLOCK_BYTES`), or whatever a pipe holds right now, so a
live stream is shown as it arrives while a file costs one system call and one
``bytes.split`` per block instead of Python work per line. Each block is handed
on as a list of its whole lines; the piece of a line a read cuts is kept until
its newline comes.

A line longer than the limit is never held whole: once more than the limit of it
has arrived it is given as :data:`TOO_LONG` at once, and the rest of it is read
and dropped, piece by piece, only if the caller asks for the next block. What is
held at any time is at most the limit plus one read.

Importing this module imports nothing but the standard library's typing helpers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Final, Protocol, cast

__all__ = ["BLOCK_BYTES", "TOO_LONG", "LineBlocks", "LineSource"]

#: The most bytes one read asks for.
BLOCK_BYTES: Final = 1024 * 1024

#: Stands for a line longer than the limit, in place of its bytes.
TOO_LONG: Final = None


class LineSource(Protocol):
    """What :class:`LineBlocks` reads: any binary stream with ``readline(size)``
    (every ``io`` stream); ``read1(size)`` is used instead when it has one."""

    def readline(self, size: int, /) -> bytes:
        """At most *size* bytes, up to and including the next newline."""
        ...


class LineBlocks:
    """Iterate over *source* as lists of lines: one list per read, in order.

    Each line is given without its ``\\n`` (a ``\\r`` before it stays), or as
    :data:`TOO_LONG` when it holds more than *max_line_bytes* bytes before its
    newline; every list item is one line of the input, so counting them counts
    lines. A read error (``OSError``) comes out of the iteration; the lines
    before it have all been given.

    Args:
        source: a binary stream. Its ``read1`` is used when it has one (every
            ``io`` buffered stream and ``BytesIO``), else ``readline`` with a
            size, so that a read never waits for more than the stream has.
            A :class:`~ai_infra_formatters.log_inputs.FollowedFile` gives whole
            lines as they are written.
        max_line_bytes: the most bytes a line may hold before its newline.
        block_bytes: the most bytes one read asks for.
    """

    def __init__(
        self, source: LineSource, max_line_bytes: int, block_bytes: int = BLOCK_BYTES
    ) -> None:
        read1 = getattr(source, "read1", None)
        self._read: Callable[[int], bytes] = read1 if callable(read1) else source.readline
        self._limit = max_line_bytes
        self._block = block_bytes
        #: True when the last line given so far ended the input without a newline.
        self.unterminated = False

    def __iter__(self) -> Iterator[list[bytes | None]]:
        read, limit, size = self._read, self._limit, self._block
        held: list[bytes] = []  # the pieces of a line a read cut, before its newline
        held_bytes = 0
        after_long = b""  # what followed a dropped line in the read that ended it
        while True:
            if after_long:
                data, after_long = after_long, b""
            else:
                data = read(size)
                if not data:
                    break
            lines = cast("list[bytes | None]", data.split(b"\n"))
            tail = lines.pop()
            if held and lines:  # the held line ends in this block
                first = lines[0]
                if first is None or held_bytes + len(first) > limit:
                    lines[0] = TOO_LONG
                else:
                    held.append(first)
                    lines[0] = b"".join(held)
                held.clear()
                held_bytes = 0
            if len(data) > limit:  # only then can a line inside the block be too long
                lines = [TOO_LONG if line is None or len(line) > limit else line for line in lines]
            if tail:
                held.append(tail)
                held_bytes += len(tail)
                if held_bytes > limit:  # too long already: say so now, keep none of it
                    held.clear()
                    held_bytes = 0
                    lines.append(TOO_LONG)
                    yield lines
                    rest = self._rest_after_line()
                    if rest is None:
                        return
                    after_long = rest
                    continue
            if lines:
                yield lines
        if held:
            self.unterminated = True
            yield [b"".join(held)]

    def _rest_after_line(self) -> bytes | None:
        """Read to the end of a line too long to keep, keeping nothing of it.

        Returns what followed its newline in the read that found it (where the
        next line begins), or ``None`` when the input ended first.
        """
        read, size = self._read, self._block
        while True:
            data = read(size)
            if not data:
                return None
            end = data.find(b"\n")
            if end >= 0:
                return data[end + 1 :]
