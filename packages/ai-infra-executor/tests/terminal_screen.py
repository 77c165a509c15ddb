"""A terminal emulator (pyte) for the live view's tests: what a person would see.

Feed it all a program wrote to its terminal; read back the screen and the
scrollback above it, as lines of text, and the style of any character.
"""

from __future__ import annotations

import pyte
from pyte.screens import Char


class Terminal:
    """A *columns* x *rows* terminal with a scrollback of *history* lines."""

    def __init__(self, columns: int = 100, rows: int = 30, history: int = 5000) -> None:
        self.columns = columns
        self.screen = pyte.HistoryScreen(columns, rows, history=history)
        self.stream = pyte.Stream(self.screen)

    def feed(self, output: str) -> Terminal:
        """Show *output* as a terminal does (whose driver turns ``\\n`` into ``\\r\\n``)."""
        self.stream.feed(output.replace("\n", "\r\n"))
        return self

    def _rows(self) -> list[dict[int, Char]]:
        shown = [self.screen.buffer[y] for y in range(self.screen.lines)]
        return [*self.screen.history.top, *shown]

    def lines(self) -> list[str]:
        """The scrollback then the screen, each line without its trailing blanks,
        without the blank lines under the last written one."""
        lines = ["".join(row[x].data for x in range(self.columns)).rstrip() for row in self._rows()]
        while lines and not lines[-1]:
            lines.pop()
        return lines

    def text(self) -> str:
        return "\n".join(self.lines())

    def char(self, line: int, column: int) -> Char:
        """The character at *column* of line *line* (an index into :meth:`lines`)."""
        return self._rows()[line][column]


def words(text: str) -> str:
    """*text* with every run of spaces and newlines made one space: to find a
    paragraph however the terminal's width broke it into lines."""
    return " ".join(text.split())
