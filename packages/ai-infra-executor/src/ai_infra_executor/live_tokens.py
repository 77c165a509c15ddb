"""`TokenPane`: the text an agent streams, as finished rows and an unfinished tail.

The live view prints each finished row above its display once, where it stays in
the terminal's scrollback; only the row still being written is live. A row is
finished when the text breaks it (a newline) or when the next word does not fit
on it (the text is wrapped at word boundaries, a word wider than a row is folded),
so a row, once printed, never changes: later text only lengthens the tail.

The pane keeps only the tail: each piece of text costs the length of the tail,
whatever the length of the answer.
"""

from __future__ import annotations

import re
from typing import Final, Literal

from rich.cells import cell_len
from rich.text import Text

__all__ = ["Kind", "TokenPane", "row_starts"]

Kind = Literal["token", "reasoning"]

#: A run of non-space characters (a word), or a run of spaces.
_PIECES: Final = re.compile(r"\S+|\s+")
#: What starts each row of reasoning, in its style.
REASONING_MARK: Final = ("\u2234 ", "dim italic")


def row_starts(text: str, width: int) -> list[int]:
    """Where *text* (one line, no newline) breaks into rows of *width* cells.

    Words go whole onto the row that has room for them, else start the next row;
    spaces stay at the end of their row (even past the width: they are not drawn);
    a word wider than a row starts a row and is folded, character by character.

    Returns:
        the index in *text* of the first character of every row but the first.
    """
    width = max(width, 1)
    starts: list[int] = []
    column = 0
    for piece in _PIECES.finditer(text):
        word = piece.group()
        cells = cell_len(word)
        if word[0].isspace():
            column += cells
            continue
        if column > 0 and column + cells > width:
            starts.append(piece.start())
            column = 0
        if cells <= width:
            column += cells
            continue
        for offset, char in enumerate(word, start=piece.start()):
            char_cells = cell_len(char)
            if column > 0 and column + char_cells > width:
                starts.append(offset)
                column = 0
            column += char_cells
    return starts


class TokenPane:
    """The streamed text of one speaker at a time: the answer, or its reasoning.

    Args:
        width: how many cells a row holds.
    """

    def __init__(self, width: int) -> None:
        self.width = width
        self._tail = Text()
        self._kind: Kind = "token"

    @property
    def tail(self) -> Text:
        """The row being written (possibly empty)."""
        return self._tail

    def add(self, text: Text, kind: Kind = "token") -> list[Text]:
        """Append *text* (safe for a terminal, styled) of *kind*; return the rows it finished.

        The answer and the reasoning never share a row; a row of reasoning starts
        with ``∴``.
        """
        rows: list[Text] = []
        if kind != self._kind:
            rows += self.finish()
            self._kind = kind
        lines = text.split("\n", allow_blank=True)
        for number, line in enumerate(lines):
            if number > 0:
                rows += self._close_row()
            if not line.plain:
                continue
            if kind == "reasoning" and not self._tail.plain:
                self._tail.append(*REASONING_MARK)
            self._tail.append_text(line)
            rows += self._full_rows()
        return rows

    def finish(self) -> list[Text]:
        """End the row being written (the speaker stopped); return it, if it holds text."""
        if not self._tail.plain:
            return []
        return self._close_row()

    def _close_row(self) -> list[Text]:
        """End the row being written, however much it holds (a newline did)."""
        row, self._tail = self._tail, Text()
        row.rstrip()
        return [row]

    def _full_rows(self) -> list[Text]:
        """The rows of the tail that the text after them has finished."""
        starts = row_starts(self._tail.plain, self.width)
        if not starts:
            return []
        *rows, self._tail = self._tail.divide(starts)
        for row in rows:
            row.rstrip()
        return rows
