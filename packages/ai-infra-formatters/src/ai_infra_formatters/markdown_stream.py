"""`MarkdownStream`: a model's answer rendered as Markdown on a terminal while it streams.

The usual way (a Rich ``Live`` re-rendering the whole answer's ``Markdown`` on
every token) costs time quadratic in the answer, flickers, and once the answer
is taller than the screen shows ``…`` or leaves copies of lines behind. Here the
answer is cut into Markdown blocks as it arrives:

* a block is finished at a blank line outside a fenced code block; a finished
  block is rendered once and printed above the live area, where it stays;
* only the unfinished block is live: redrawn at most *refresh_per_second* times
  a second, and never taller than the screen (its last rows are shown, under
  the opening fence of a code block it is in).

So each part of the answer is rendered once for good and at most a bounded
number of times live: the cost grows linearly with the answer.

The text is untrusted: it passes :func:`~ai_infra_formatters.text_safety.safe_text`
before Rich sees it (Rich's ``Markdown`` would pass raw escape sequences
through), and links are shown with their address in brackets rather than as
terminal hyperlinks whose hidden target could be anything (``hyperlinks=False``).

Only for a terminal: elsewhere the caller writes the raw text (see
:class:`~ai_infra_formatters.writer.EventWriter`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Final

from rich.cells import cell_len
from rich.console import Console
from rich.live import Live
from rich.markdown import Markdown
from rich.segment import Segment, Segments

from ai_infra_formatters.text_safety import safe_text

__all__ = ["MarkdownBlocks", "MarkdownStream", "block_lines", "markdown_of"]

_FENCE: Final = re.compile(r" {0,3}(`{3,}|~{3,})")
#: A list item's first line: ``- x``, ``* x``, ``+ x``, ``1. x``, ``1) x``.
_LIST_ITEM: Final = re.compile(r" {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
#: Blank lines (matches at any position, maybe nothing).
_BLANK_LINES: Final = re.compile(r"(?:[ \t]*\n)*")
#: The first characters of a line that may go on with a list ("" : none yet).
_MAY_GO_ON_A_LIST: Final = frozenset(" \t-*+0123456789") | {""}
#: A line that may go on with a list after a blank line: an item, or indented text.
_CONTINUES_LIST: Final = re.compile(r" {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)| {2,}\S|\t")


class MarkdownBlocks:
    """An answer's text cut into Markdown blocks as it arrives (no drawing).

    A block is finished at a blank line outside a fenced code block, once the next
    line shows that it does not go on with a list; :meth:`feed` returns the
    finished blocks' text, and the rest is the unfinished :attr:`tail`. Each
    character is looked at once: the cost grows linearly with the answer.
    """

    def __init__(self) -> None:
        self.tail = ""  #: the unfinished block
        self._scanned = 0  # how much of the tail is whole lines already looked at
        self._fence = ""  # the opening fence of the code block the tail is in
        self._fence_line = ""
        self._gap = 0  # where a blank line may have ended the tail's first block

    @property
    def at_block_end(self) -> bool:
        """Whether the text so far ends with a blank line after a block (outside a code
        block): a point where another speaker's text may come in between."""
        return self._gap > 0

    def feed(self, text: str) -> list[str]:
        """Add *text*; return the blocks it finished (their text, in order)."""
        self.tail += text
        finished: list[str] = []
        tail = self.tail
        start = self._scanned
        done = 0  # where the blocks finished here end
        while (newline := tail.find("\n", start)) >= 0:
            line = tail[start:newline]
            start = newline + 1
            if self._fence:  # inside a code block, only its closing fence counts
                if _closes(self._fence, line):
                    self._fence = self._fence_line = ""
                continue
            if not line.strip():
                if not self._gap and tail[done:start].strip():
                    self._gap = start  # the block may end here: its next line tells
                continue
            if self._gap:
                # A list item or an indented line after a blank one goes on with a
                # list (a loose list); anything else starts a new block.
                first = _BLANK_LINES.match(tail, done).end()  # type: ignore[union-attr]
                if not (_LIST_ITEM.match(tail, first) and _CONTINUES_LIST.match(line)):
                    finished.append(tail[done : self._gap])
                    done = self._gap
                self._gap = 0
            if fence := _FENCE.match(line):
                self._fence, self._fence_line = fence.group(1), line
        if self._gap and tail[start : start + 1] not in _MAY_GO_ON_A_LIST:
            # The next line has begun, and not as an item or indented: a new block.
            finished.append(tail[done : self._gap])
            done = self._gap
            self._gap = 0
        self.tail = tail[done:]
        self._scanned = start - done
        if self._gap:
            self._gap -= done
        return finished

    def end(self) -> str:
        """Finish the answer: the unfinished block's text (``""`` when blank); the
        blocks start afresh."""
        rest = self.tail if self.tail.strip() else ""
        self.tail, self._scanned, self._fence, self._fence_line = "", 0, "", ""
        self._gap = 0
        return rest

    def visible_tail(self, width: int, room: int) -> str:
        """The unfinished block, cut to its last lines so that it takes at most *room*
        rows *width* cells wide (a code block is opened again above them)."""
        room = max(room, 1)
        width = max(width, 1)
        lines = self.tail.split("\n")
        rows = 0
        first = len(lines)
        while first > 0:
            rows += max(1, -(-cell_len(lines[first - 1]) // width))
            if rows > room:
                break
            first -= 1
        if first == 0:
            return self.tail
        shown = lines[first:]
        if self._fence:  # keep it a code block: open it again above the rows shown
            shown = [self._fence_line, *shown[1:]]
        return "\n".join(shown)


def markdown_of(text: str, code_theme: str = "monokai") -> Markdown:
    """Rich's ``Markdown`` of untrusted *text*: made safe first, links shown with
    their address (no terminal hyperlink)."""
    return Markdown(safe_text(text), code_theme=code_theme, hyperlinks=False)


def block_lines(
    console: Console, markdown: Markdown, width: int | None = None
) -> list[list[Segment]]:
    """The lines of a rendered block (*width* cells wide, default the console's),
    without the blank lines Markdown puts before or after some elements."""
    options = console.options if width is None else console.options.update_width(width)
    lines = console.render_lines(markdown, options, pad=False, new_lines=True)
    while lines and _blank(lines[-1]):
        lines.pop()
    while lines and _blank(lines[0]):
        del lines[0]
    return lines


class MarkdownStream:
    """Render streamed answer text as Markdown on *console* (a terminal).

    Args:
        console: the Rich console to draw on.
        refresh_per_second: the most redraws of the unfinished block a second.
        code_theme: the Pygments theme of fenced code blocks.
        clock: seconds, monotonic (tests pass their own).

    Call :meth:`feed` with each piece of text, then :meth:`end` (also before
    anything else is printed on the console: it finishes the answer).
    """

    def __init__(
        self,
        console: Console,
        *,
        refresh_per_second: float = 8.0,
        code_theme: str = "monokai",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.console = console
        self._interval = 1.0 / refresh_per_second
        self._code_theme = code_theme
        self._clock = clock
        self._live: Live | None = None
        self._blocks = MarkdownBlocks()
        self._drawn_at = float("-inf")
        self._undrawn = False  # the unfinished block changed since it was drawn
        self._printed = 0  # blocks of this answer printed
        #: How many blocks were rendered for good, and how many characters were
        #: given to Markdown in all (live redraws included): the cost, for tests.
        self.blocks_rendered = 0
        self.chars_rendered = 0

    @property
    def active(self) -> bool:
        """Whether an answer is being shown (text fed since the last :meth:`end`)."""
        return self._live is not None

    @property
    def at_block_end(self) -> bool:
        """Whether the text so far ends with a blank line after a block (outside a code
        block): a point where another speaker's text may come in between."""
        return self._blocks.at_block_end

    def feed(self, text: str) -> None:
        """Add *text* to the answer: print the blocks it finishes, redraw the rest."""
        if not text:
            return
        if self._live is None:
            self._live = Live(
                console=self.console,
                auto_refresh=False,
                transient=True,
                redirect_stdout=False,
                redirect_stderr=False,
                vertical_overflow="crop",  # never "…", never copies left in the scrollback
            )
            self._live.start()
        for block in self._blocks.feed(text):
            self._print_block(block)
        self._undrawn = True
        self.refresh()

    @property
    def redraw_due(self) -> float | None:
        """In how many seconds :meth:`refresh` may draw the unfinished block, which
        changed since it was drawn (``0``: now); ``None`` when it is drawn as it is."""
        if self._live is None or not self._undrawn:
            return None
        return max(self._interval - (self._clock() - self._drawn_at), 0.0)

    def refresh(self) -> None:
        """Draw the unfinished block if it changed since it was drawn and the last
        drawing is at least ``1 / refresh_per_second`` old. :meth:`feed` calls it; a
        caller whose text pauses calls it again once :attr:`redraw_due` says so, so
        that the last pieces show."""
        if self._live is None or not self._undrawn:
            return
        now = self._clock()
        if now - self._drawn_at >= self._interval:
            self._drawn_at = now
            self._undrawn = False
            self._live.update(self._markdown(self._visible_tail()), refresh=True)

    def end(self) -> None:
        """Finish the answer: its last block is printed; the live area is gone."""
        live = self._live
        if live is None:
            return
        live.update("", refresh=True)
        live.stop()
        self._live = None
        self._undrawn = False
        rest = self._blocks.end()
        if rest:
            self._print_block(rest)
        self._printed = 0

    # -- blocks ---------------------------------------------------------------

    def _print_block(self, text: str) -> None:
        """Render *text* (whole blocks) for good, one blank line after the block before it."""
        console = self._live.console if self._live is not None else self.console
        # Markdown starts or ends some blocks with a blank line: one gap between blocks.
        lines = block_lines(console, self._markdown(text))
        if self._printed:
            console.print()
        console.print(Segments(segment for line in lines for segment in line), end="")
        self._printed += 1
        self.blocks_rendered += 1

    def _markdown(self, text: str) -> Markdown:
        self.chars_rendered += len(text)
        return markdown_of(text, self._code_theme)

    def _visible_tail(self) -> str:
        """The unfinished block, cut to its last lines so that it fits the screen (with
        room to spare for what rendering adds: a code block's padding, a margin)."""
        return self._blocks.visible_tail(self.console.width, self.console.height - 4)


def _closes(opening: str, line: str) -> bool:
    """True when *line* closes a code block opened by the fence *opening*: the same
    character, at least as many, and nothing else on the line."""
    text = line.strip()
    return len(text) >= len(opening) and not text.strip(opening[0])


def _blank(line: list[Segment]) -> bool:
    """True for a line Markdown puts between elements: nothing but its newline (not a
    row of spaces, such as a code block's padding)."""
    return all(segment.text in ("", "\n") for segment in line)
