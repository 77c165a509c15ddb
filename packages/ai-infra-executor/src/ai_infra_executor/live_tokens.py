"""`TokenPane`: the text an agent streams, as finished rows and an unfinished tail.

The live view prints each finished row above its display once, where it stays in
the terminal's scrollback; only the row still being written is live. A row is
finished when the text breaks it (a newline) or when the next word does not fit
on it (the text is wrapped at word boundaries, a word wider than a row is folded),
so a row, once printed, never changes: later text only lengthens the tail.

The pane keeps only the tail: each piece of text costs the length of the tail,
whatever the length of the answer.

With Markdown answers (the config's ``markdown``), :class:`MarkdownPane` does the
same a Markdown block at a time: a finished block is printed above once, rendered;
only the unfinished block's last rows are live.
"""

from __future__ import annotations

import re
from typing import Final, Literal

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.segment import Segment
from rich.text import Text

from ai_infra_formatters.markdown_stream import MarkdownBlocks, block_lines, markdown_of

__all__ = ["IndentedMarkdown", "Kind", "MarkdownPane", "TokenPane", "row_starts"]

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


class MarkdownPane:
    """The agent's answer as Markdown (``markdown`` in the config): each finished block
    is rendered once, to be printed above the display; only the unfinished block is
    live, as its last rows.

    The text is cut into blocks by
    :class:`~ai_infra_formatters.markdown_stream.MarkdownBlocks` and rendered by
    :func:`~ai_infra_formatters.markdown_stream.markdown_of` (made safe, links shown
    with their address). Nothing is rendered here: the renderables returned render
    when drawn (outside the view's lock), at the width they are drawn at.

    Args:
        indent: what starts every row (the view indents the agent's text).
    """

    def __init__(self, indent: str = "  ") -> None:
        self.indent = indent
        self._blocks = MarkdownBlocks()
        self._printed = 0  # blocks of this answer given out

    @property
    def active(self) -> bool:
        """Whether an answer has text not given out yet."""
        return bool(self._blocks.tail)

    def add(self, text: str) -> list[RenderableType]:
        """Append *text* (untrusted) to the answer; return the blocks it finished."""
        return self._given(self._blocks.feed(text))

    def finish(self) -> list[RenderableType]:
        """End the answer; return its unfinished block, if it holds text."""
        rest = self._blocks.end()
        out = self._given([rest] if rest else [])
        self._printed = 0
        return out

    def live_rows(self, width: int, rows: int) -> RenderableType | None:
        """The unfinished block's last *rows* rows at *width* cells (``None``: none)."""
        if not self._blocks.tail.strip():
            return None
        # Room for what rendering adds (a code block's padding), then the last rows.
        text = self._blocks.visible_tail(width, rows + 4)
        return IndentedMarkdown(text, self.indent, last_rows=rows)

    def _given(self, blocks: list[str]) -> list[RenderableType]:
        out: list[RenderableType] = []
        for block in blocks:
            if self._printed:
                out.append(Text(""))  # one blank line between blocks, as Markdown has
            out.append(IndentedMarkdown(block, self.indent))
            self._printed += 1
        return out


class IndentedMarkdown:
    """Untrusted Markdown *text*, rendered when drawn, every row after *indent*
    (its last *last_rows* rows only, when given)."""

    def __init__(self, text: str, indent: str = "", last_rows: int | None = None) -> None:
        self.text = text
        self.indent = indent
        self.last_rows = last_rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = max(options.max_width - cell_len(self.indent), 1)
        lines = block_lines(console, markdown_of(self.text), width)
        if self.last_rows is not None:
            lines = lines[-self.last_rows :] if self.last_rows > 0 else []
        indent = Segment(self.indent)
        for line in lines:
            if self.indent:
                yield indent
            yield from line
