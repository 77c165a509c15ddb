"""MarkdownStream: a streamed answer ends up on the terminal exactly as the whole
answer rendered at once, no line lost, doubled or half-drawn, at a cost linear in
its length, and hostile text stays inert (issue 13, Markdown answers)."""

from __future__ import annotations

import io

import pyte
from fmt_support import assert_terminal_safe
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.markdown import Markdown

from ai_infra_formatters.markdown_stream import MarkdownStream
from ai_infra_formatters.text_safety import safe_text

WIDTH, HEIGHT = 60, 12


class FakeClock:
    def __init__(self, step: float) -> None:
        self.now = 0.0
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def terminal() -> tuple[Console, io.StringIO]:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system=None, width=WIDTH, height=HEIGHT)
    return console, out


def screen_lines(raw: str) -> list[str]:
    """Everything a terminal shows after *raw*: scrollback, then the screen."""
    screen = pyte.HistoryScreen(WIDTH, HEIGHT, history=100_000)
    screen.set_mode(pyte.modes.LNM)  # "\n" returns the carriage too, as a tty does
    pyte.Stream(screen).feed(raw)
    rows = ["".join(row[x].data for x in range(WIDTH)) for row in screen.history.top] + list(
        screen.display
    )
    lines = [row.rstrip() for row in rows]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:  # a blank line at the start of an answer is not kept
        del lines[0]
    # Rich puts one or two blank lines between elements, depending on the pair: the
    # stream puts one. Every other line must be the same.
    return [line for n, line in enumerate(lines) if line or lines[n - 1]]


def whole(answer: str) -> list[str]:
    """The answer rendered at once, as the reference."""
    console, out = terminal()
    console.print(Markdown(safe_text(answer), hyperlinks=False))
    return screen_lines(out.getvalue())


def streamed(
    answer: str, pieces: list[int], step: float = 0.02
) -> tuple[list[str], MarkdownStream]:
    console, out = terminal()
    md = MarkdownStream(console, clock=FakeClock(step))
    at = 0
    for size in pieces:
        md.feed(answer[at : at + size])
        at += size
    md.feed(answer[at:])
    md.end()
    return screen_lines(out.getvalue()), md


ANSWER = """# Refunds

Refunds take **five** days. See [the policy](https://example.com/policy).

```python
def refund(order):

    return order.total
```

- first
- second

1. one

2. two
   more of two

> quoted text
> on two lines

The end.
"""


def test_a_streamed_answer_ends_as_the_whole_answer_rendered_at_once() -> None:
    reference = whole(ANSWER)
    for size in (1, 3, 17, len(ANSWER)):
        lines, _ = streamed(ANSWER, [size] * (len(ANSWER) // size))
        assert lines == reference, size
    assert "See the policy\n(https://example.com/policy)" in "\n".join(reference)


def test_blocks_are_printed_once_as_they_finish() -> None:
    console, out = terminal()
    md = MarkdownStream(console, clock=FakeClock(1.0))
    md.feed("First paragraph.\n\nSecond")
    assert md.blocks_rendered == 1
    assert "First paragraph." in screen_lines(out.getvalue())
    md.feed(" paragraph.\n\n```\ncode\n\nmore code\n")
    assert md.blocks_rendered == 2  # a blank line inside a code block ends nothing
    md.end()
    assert md.blocks_rendered == 3
    assert not md.active


BLOCK = st.one_of(
    st.text(st.sampled_from("abc xyz*_`#"), min_size=1, max_size=40).map(
        lambda t: t.strip("\n") or "x"
    ),
    st.lists(st.text("abcdef ", min_size=1, max_size=10), min_size=1, max_size=4).map(
        lambda items: "\n".join(f"- {i.strip() or 'i'}" for i in items)
    ),
    st.text("abc =()\n", max_size=60).map(lambda code: f"```\n{code}\n```"),
    st.sampled_from(["# Head", "## Sub", "> quote", "1. a\n2. b", "---"]),
)


@settings(max_examples=150)
@given(st.lists(BLOCK, min_size=1, max_size=8), st.lists(st.integers(1, 30), max_size=40))
def test_any_answer_in_any_pieces_ends_as_rendered_at_once(
    blocks: list[str], pieces: list[int]
) -> None:
    answer = "\n\n".join(blocks) + "\n"
    assert streamed(answer, pieces)[0] == whole(answer)


def test_a_long_unfinished_block_never_leaves_copies_or_ellipses() -> None:
    code = "```\n" + "".join(f"line {i}\n" for i in range(200)) + "```\n"
    lines, _ = streamed(code, [7] * (len(code) // 7), step=1.0)  # a redraw on every piece
    assert lines == whole(code)
    assert sum(line.strip() == "line 150" for line in lines) == 1
    assert not any("…" in line for line in lines)


def test_the_cost_grows_linearly_with_the_answer() -> None:
    paragraph = "Some words of an answer that goes on. " * 6 + "\n\n"

    def cost(size: int) -> int:
        answer = paragraph * (size // len(paragraph))
        _, md = streamed(answer, [4] * (len(answer) // 4), step=0.01)
        return md.chars_rendered

    small, large = cost(25_000), cost(50_000)
    assert large < 2.3 * small  # quadratic would be 4x
    assert large < 10 * 50_000  # a small multiple of the text (re-rendering: ~6,000x)


@given(st.text(max_size=300))
def test_hostile_text_stays_inert(text: str) -> None:
    console, out = terminal()
    md = MarkdownStream(console, clock=FakeClock(1.0))
    md.feed(text + "\n\n[x](https://evil.example/\x1b]8;;x\x07)\n")
    md.end()
    raw = out.getvalue()
    assert "\x1b]8;" not in raw  # no hyperlink escape: the address is shown
    # Rich's own codes are cursor moves and erasing; what is left must be safe text.
    import re

    left = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", raw).replace("\r", "")
    assert_terminal_safe(left)
