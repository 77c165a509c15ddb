"""Markdown answers through the writer (issue 13, Markdown answers): on a terminal a
``ConsoleFormatter(markdown=True)``'s answer is rendered as Markdown, every line once
and whole, around other events and speakers; anywhere else the raw text is written
byte for byte as without Markdown; hostile text stays inert; failures are the writer's."""

from __future__ import annotations

import errno
import io
import re
from typing import Any

import pyte
import pytest
from fmt_support import assert_terminal_safe
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from rich.markdown import Markdown

from ai_infra_formatters import (
    ConsoleFormatter,
    PlainFormatter,
    RichFormatter,
    StreamClosedError,
    StreamWriteError,
    get_formatter,
)
from ai_infra_formatters.text_safety import safe_text
from ai_infra_formatters.writer import EventWriter

WIDTH, HEIGHT = 60, 12


class Terminal(io.StringIO):
    """A stream that says it is a terminal (what a tty says), and records everything."""

    def isatty(self) -> bool:
        return True


class FailingTerminal(Terminal):
    """A terminal whose writes fail with *error* once *after* characters were written."""

    def __init__(self, error: OSError, after: int) -> None:
        super().__init__()
        self.error = error
        self.after = after

    def write(self, text: str) -> int:
        if self.tell() + len(text) > self.after:
            raise self.error
        return super().write(text)


def formatter_on(stream: io.StringIO, **kwargs: Any) -> ConsoleFormatter:
    console = Console(
        file=stream, force_terminal=True, color_system=None, width=WIDTH, height=HEIGHT
    )
    return ConsoleFormatter(console=console, show_timing=False, **kwargs)


def screen_lines(raw: str) -> list[str]:
    """Everything a terminal shows after *raw*: scrollback, then the screen."""
    screen = pyte.HistoryScreen(WIDTH, HEIGHT, history=100_000)
    screen.set_mode(pyte.modes.LNM)  # "\n" returns the carriage too, as a tty does
    pyte.Stream(screen).feed(raw)
    rows = ["".join(row[x].data for x in range(WIDTH)) for row in screen.history.top]
    lines = [row.rstrip() for row in rows + list(screen.display)]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def rendered(markdown: str) -> list[str]:
    """*markdown* rendered at once by Rich, as the terminal shows it (no blank line
    before or after it, one between blocks)."""
    out = io.StringIO()
    Console(file=out, force_terminal=True, color_system=None, width=WIDTH).print(
        Markdown(safe_text(markdown), hyperlinks=False)
    )
    lines = screen_lines(out.getvalue())
    while lines and not lines[0]:
        del lines[0]
    return [line for n, line in enumerate(lines) if line or lines[n - 1]]


def token(content: str, node: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = {"type": "token", "content": content}
    if node is not None:
        event["node_name"] = node
    return event


TOOL = {"type": "tool_start", "tool": "search", "node_name": "agent"}

ANSWER = "# Refunds\n\nRefunds take **five** days:\n\n- ask\n- wait\n\nThe end.\n"


def write_tokens(writer: EventWriter, fmt: ConsoleFormatter, text: str, size: int) -> None:
    for at in range(0, len(text), size):
        writer.write(token(text[at : at + size]), fmt)


@pytest.mark.parametrize("size", [1, 5, len(ANSWER)])
def test_the_answer_is_rendered_as_markdown_on_a_terminal(size: int) -> None:
    out = Terminal()
    fmt, writer = formatter_on(out, markdown=True), EventWriter(out)
    write_tokens(writer, fmt, ANSWER, size)
    writer.end_line()
    lines = screen_lines(out.getvalue())
    assert lines == rendered(ANSWER)
    assert "# Refunds" not in out.getvalue()  # a heading, not its source
    assert any(line.strip() == "• ask" for line in lines)  # a list as Rich draws it


def test_a_tool_call_between_two_paragraphs_cuts_no_line() -> None:
    out = Terminal()
    fmt, writer = formatter_on(out, markdown=True), EventWriter(out)
    first = "The first paragraph, which is long enough to wrap on a narrow screen."
    second = "## Then\n\nThe *second* one."
    write_tokens(writer, fmt, first, 3)  # unfinished: no blank line after it
    writer.write(TOOL, fmt)
    write_tokens(writer, fmt, second, 4)
    writer.write({"type": "run_end", "message": "done"}, fmt)
    tool_line, end_line = fmt.format(TOOL), fmt.format({"type": "run_end", "message": "done"})
    assert screen_lines(out.getvalue()) == [
        *rendered(first),
        tool_line,
        *rendered(second),
        end_line,
    ]


def test_each_speaker_answers_under_its_label_and_text_is_never_mixed() -> None:
    out = Terminal()
    fmt, writer = formatter_on(out, markdown=True), EventWriter(out)
    one = "Alpha one.\n\nAlpha two.\n\n"
    two = "Beta *one*.\n\n"
    pieces = [(one[i : i + 3], two[i : i + 3]) for i in range(0, len(one), 3)]
    for a, b in pieces:
        writer.write(token(a, "alpha"), fmt)
        if b:
            writer.write(token(b, "beta"), fmt)
    writer.end_line()
    lines = [line for line in screen_lines(out.getvalue()) if line]
    assert lines.count("[alpha]") >= 1
    assert lines.count("[beta]") == 1
    for text in ("Alpha one.", "Alpha two.", "Beta one."):
        assert lines.count(text) == 1, (text, lines)
    beta = lines.index("[beta]")
    assert lines[beta + 1] == "Beta one."  # under its own label, whole
    assert lines.index("Alpha one.") < beta


EVENTS: list[dict[str, Any]] = [
    token("# Title\n\n- one"),
    token("\n- two\n\n"),
    TOOL,
    {"type": "reasoning", "content": "thinking **hard**"},
    token("**bold** \x1b[31mred\x1b[0m", "agent"),
    token(" and [a link](https://example.com)\n", "other"),
    {"type": "run_end", "message": "done"},
]


@pytest.mark.parametrize("layout", ["plain", "rich", "minimal"])
@pytest.mark.parametrize("forced", [True, False])
def test_not_a_terminal_gets_the_raw_text_byte_for_byte(layout: str, forced: bool) -> None:
    def run(markdown: bool) -> str:
        out = io.StringIO()  # a file or a pipe: no terminal, whatever Rich is told
        console = Console(file=out, force_terminal=forced, width=WIDTH)
        fmt = ConsoleFormatter(layout, console=console, markdown=markdown)
        writer = EventWriter(out)
        for event in EVENTS:
            writer.write(event, fmt)
        writer.end_line()
        return out.getvalue()

    assert run(markdown=True) == run(markdown=False)
    assert "# Title" in run(markdown=True) or layout == "minimal"


def test_the_minimal_layout_shows_no_answer_even_on_a_terminal() -> None:
    def run(markdown: bool) -> str:
        out = Terminal()
        fmt, writer = formatter_on(out, layout="minimal", markdown=markdown), EventWriter(out)
        for event in EVENTS:
            writer.write(event, fmt)
        writer.end_line()
        return out.getvalue()

    assert run(markdown=True) == run(markdown=False)


def test_the_option_reaches_the_formatter_by_every_name() -> None:
    out = Terminal()
    assert get_formatter("plain", stream=out, markdown=True).markdown  # type: ignore[attr-defined]
    assert not get_formatter("plain", stream=out).markdown  # type: ignore[attr-defined]
    assert PlainFormatter(markdown=True, file=out).markdown
    assert RichFormatter(markdown=True, file=out).markdown
    assert get_formatter("json", markdown=True).format(token("x")).startswith("{")


SGR_AND_CURSOR = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@settings(max_examples=60)
@given(st.text(max_size=200), st.integers(1, 20))
def test_hostile_answers_stay_inert(text: str, size: int) -> None:
    out = Terminal()
    fmt, writer = formatter_on(out, markdown=True), EventWriter(out)
    answer = text + "\n\n[x](https://evil.example/\x1b]8;;x\x07)\n" + text
    write_tokens(writer, fmt, answer, size)
    writer.write(TOOL, fmt)
    writer.end_line()
    raw = out.getvalue()
    assert "\x1b]8;" not in raw  # no hidden hyperlink target: the address is shown
    # What is left once Rich's own cursor moves and erasing are taken out is safe text.
    assert_terminal_safe(SGR_AND_CURSOR.sub("", raw).replace("\r", ""))


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        (BrokenPipeError(errno.EPIPE, "Broken pipe"), StreamClosedError),
        (OSError(errno.ENOSPC, "No space left on device"), StreamWriteError),
    ],
)
def test_a_failing_terminal_is_reported_as_any_write_failure(
    error: OSError, raised: type[Exception]
) -> None:
    out = FailingTerminal(error, after=200)
    fmt, writer = formatter_on(out, markdown=True), EventWriter(out)
    with pytest.raises(raised) as caught:
        write_tokens(writer, fmt, ANSWER * 20, 7)
    assert caught.value.errno == error.errno
    if raised is StreamClosedError:
        assert writer.closed
        writer.write(token("more"), fmt)  # dropped quietly
        writer.end_line()
    else:
        with pytest.raises(StreamWriteError):
            writer.write(token("more"), fmt)
        writer.reset()
        out.after = 10**9
        write_tokens(writer, fmt, "Again.\n\n", 2)  # a new answer, on a new console
        writer.end_line()
        assert "Again." in screen_lines(out.getvalue()[200:] or "")


LOG_EVENTS: list[dict[str, Any]] = [
    {"type": "run_start", "message": "go"},
    token("# Title\n\n- one\n"),
    token("- two\n\nSome **bold** text."),
    TOOL,
    token("After the tool."),
    {"type": "run_end", "message": "done"},
]


def write_log(path: Any) -> str:
    import orjson

    path.write_bytes(b"".join(orjson.dumps(event) + b"\n" for event in LOG_EVENTS))
    return str(path)


def test_ai_infra_format_markdown_renders_on_a_terminal(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ai_infra_formatters.cli import main

    log = write_log(tmp_path / "run.ndjson")
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    monkeypatch.setenv("LINES", str(HEIGHT))
    shown: dict[bool, list[str]] = {}
    for markdown in (False, True):
        out = Terminal()
        monkeypatch.setattr("sys.stdout", out)
        flags = ["--markdown"] if markdown else []
        assert main([*flags, "--format", "plain", "--no-color", log]) == 0
        shown[markdown] = screen_lines(out.getvalue())
    assert "# Title" in shown[False]
    assert "# Title" not in shown[True]
    assert "• one" in [line.strip() for line in shown[True]]
    # Every other line is the same, in the same order: nothing lost, doubled or cut.
    tool = next(line for line in shown[False] if line.startswith("⚙"))
    end = shown[False][-1]
    assert shown[True].count(tool) == shown[True].count(end) == 1
    assert shown[True][shown[True].index(tool) + 1] == "After the tool."
    assert "Some bold text." in shown[True][: shown[True].index(tool)]


def test_ai_infra_format_markdown_into_a_pipe_is_the_raw_text(tmp_path: Any) -> None:
    import subprocess
    import sys

    log = write_log(tmp_path / "run.ndjson")
    command = [sys.executable, "-m", "ai_infra_formatters", "--format", "rich", log]
    plain = subprocess.run(command, capture_output=True, check=True)
    markdown = subprocess.run([*command, "--markdown"], capture_output=True, check=True)
    assert markdown.stdout == plain.stdout
    assert b"# Title\n\n- one\n- two" in markdown.stdout
    assert markdown.stderr == b""


def test_the_last_pieces_before_a_pause_are_drawn() -> None:
    import time

    from ai_infra_formatters.markdown_stream import MarkdownStream

    class Clock:
        now = 0.0

        def __call__(self) -> float:
            return self.now

    clock = Clock()
    md = MarkdownStream(Console(file=Terminal(), force_terminal=True, width=WIDTH), clock=clock)
    md.feed("Hello")
    assert md.redraw_due is None  # drawn as it is
    md.feed(" world")  # too soon to draw again
    assert md.redraw_due == pytest.approx(1 / 8)
    md.refresh()
    assert md.redraw_due is not None  # still too soon: nothing drawn
    clock.now = 1.0
    md.refresh()
    assert md.redraw_due is None
    md.end()

    # Through the writer, with the real clock: its timer draws " world" after the pause.
    out = Terminal()
    fmt, writer = formatter_on(out, markdown=True), EventWriter(out)
    writer.write(token("Hello"), fmt)
    writer.write(token(" world"), fmt)
    for _ in range(500):  # a wait for the timer thread, not a measurement
        if "Hello world" in screen_lines(out.getvalue()):
            break
        time.sleep(0.01)
    assert "Hello world" in screen_lines(out.getvalue())
    writer.end_line()
    assert screen_lines(out.getvalue()) == ["Hello world"]
