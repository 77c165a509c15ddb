"""Wrap a finished console line at word boundaries, with a hanging indent.

A terminal cuts a long line wherever its width ends, mid-word: ``(75ms`` on one
row, ``)`` on the next. :func:`wrap_line` breaks at spaces instead and starts
each continuation under the line's text, past its leading column(s) (the
symbol, the time of day)::

    ✓ [execute] search_web found it
      (75ms)

The line may carry the SGR colour codes the console formatter put in; they take
no room, and a style open at a break is closed before it and opened again after
the indent, so no colour bleeds into the margin. Widths are terminal cells as
Rich counts them (a CJK character is two). A word wider than a whole row is cut
at cell boundaries, as nothing else fits.

Only for lines a person reads on a terminal: the console formatter never wraps
token text (the model's own line breaks rule there), nor anything written to a
file or a pipe.
"""

from __future__ import annotations

import re
from typing import Final

from rich.cells import cell_len, chop_cells

__all__ = ["wrap_line"]

_SGR: Final = re.compile(r"(\x1b\[[0-9;]*m)")
_RESET: Final = "\x1b[0m"
#: Below this many cells for the text, a hanging indent costs more than it gives.
_MIN_TEXT_CELLS: Final = 12


def _hanging_indent(visible: str, columns: int) -> int:
    """The cells taken by the first *columns* space-separated words of *visible*,
    and the space after each."""
    indent = 0
    for word in visible.split(" ", columns)[:columns]:
        indent += cell_len(word) + 1
    return indent


def wrap_line(line: str, width: int, *, columns: int = 1, indent: int | None = None) -> str:
    """*line* broken at spaces into rows of at most *width* cells.

    Args:
        line: one line (no ``\\n``), possibly with SGR colour codes; its text is
            already safe for a terminal.
        width: the terminal's width in cells.
        columns: how many leading words form the line's margin (the symbol; the
            time and the symbol): continuation rows are indented past them.
        indent: the continuation rows' indent in cells, instead of *columns*'.

    Returns the line unchanged when it fits.
    """
    visible = _SGR.sub("", line) if "\x1b" in line else line
    if width <= 0 or cell_len(visible) <= width:
        return line
    if indent is None:
        indent = _hanging_indent(visible, columns)
    if width - indent < _MIN_TEXT_CELLS:
        indent = 0
    rows = _Rows(width, indent)
    for n, piece in enumerate(_SGR.split(line)):
        if n % 2:
            rows.code(piece)
            continue
        for k, word in enumerate(piece.split(" ")):
            if k:
                rows.pending += " "
            if word:
                rows.word(word)
    return rows.finish()


class _Rows:
    """The rows of one line being wrapped, built word by word."""

    def __init__(self, width: int, indent: int) -> None:
        self.width = width
        self.indent = indent
        self.margin = " " * indent
        self.out: list[str] = []
        self.col = 0  # cells used on the current row
        self.row_start = 0  # where the current row's text starts (its indent)
        self.shown = ""  # the SGR code in force in what is out: re-opened after a break
        self.codes = ""  # SGR codes not yet out: they go with the next word, after its space
        self.pending = ""  # spaces between the last word and the next: dropped at a break

    def code(self, code: str) -> None:
        """An SGR code: no width."""
        if code == _RESET and not self.codes:
            self.out.append(code)  # a style ends where its text does, before any space
            self.shown = ""
        else:
            self.codes += code  # a style starts with its next word, after the space

    def word(self, word: str) -> None:
        """A word: on this row if it fits, else on the next; cut when no row holds it."""
        cells = cell_len(word)
        if cells > self.width - self.indent:  # wider than any row: fill rows with its cells
            if self.col + len(self.pending) >= self.width:
                self.new_row()
            room = self.width - self.col - len(self.pending)
            for n, chunk in enumerate(_chunks(word, room, self.width - self.indent)):
                if n:
                    self.new_row()
                self.put(chunk)
            return
        if self.col + len(self.pending) + cells > self.width and self.col > self.row_start:
            self.new_row()
        self.put(word)

    def put(self, text: str) -> None:
        self.out.append(f"{self.pending}{self.codes}{text}")
        self.col += len(self.pending) + cell_len(text)
        self.pending = ""
        if self.codes:
            last = self.codes.rpartition("\x1b")[2]
            self.shown = "" if last == _RESET[1:] else f"\x1b{last}"
            self.codes = ""

    def new_row(self) -> None:
        shown = self.shown
        self.out.append(f"{_RESET}\n{self.margin}{shown}" if shown else f"\n{self.margin}")
        self.col = self.row_start = self.indent
        self.pending = ""

    def finish(self) -> str:
        if self.pending and self.col + len(self.pending) <= self.width:
            self.out.append(self.pending)
        self.out.append(self.codes)
        return "".join(self.out)


def _chunks(word: str, first: int, rest: int) -> list[str]:
    """*word* cut into a piece of at most *first* cells, then pieces of *rest*."""
    head = chop_cells(word, first)[0] if first > 0 else ""
    if not head:  # not even one character fits
        return ["", *chop_cells(word, rest)]
    tail = word[len(head) :]
    return [head, *chop_cells(tail, rest)] if tail else [head]
