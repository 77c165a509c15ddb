"""Narrow terminals: lines break at word boundaries with a hanging indent, on a
terminal only; a file or a pipe gets every line whole (issue 12, item 7)."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from typing import Any

import pytest
from fmt_support import SGR, assert_terminal_safe, make_console, strip_sgr
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console

from ai_infra_formatters import ConsoleFormatter
from ai_infra_formatters.wrapping import wrap_line

RESET = "\x1b[0m"
STYLES = ["\x1b[1;36m", "\x1b[32m", "\x1b[2m", "\x1b[3;38;2;1;2;3m"]
WORD = st.text(
    st.sampled_from([*"abcdefghij0123456789(),:.\u203a✓✗中文字한글", "👍"]),
    min_size=1,
    max_size=30,
)


@st.composite
def lines(draw: st.DrawFn) -> tuple[str, list[str]]:
    """A line of styled and bare spans of words, and its words."""
    words: list[str] = []
    spans = []
    for _ in range(draw(st.integers(1, 8))):
        span_words = draw(st.lists(WORD, min_size=1, max_size=6))
        words += span_words
        text = draw(st.sampled_from([" ", "  "])).join(span_words)
        style = draw(st.none() | st.sampled_from(STYLES))
        spans.append(f"{style}{text}{RESET}" if style else text)
    return " ".join(spans), words


def rows_of(wrapped: str) -> list[str]:
    return strip_sgr(wrapped).split("\n")


@given(lines(), st.integers(2, 120), st.integers(1, 2))
def test_every_row_fits_and_nothing_is_lost(
    case: tuple[str, list[str]], width: int, columns: int
) -> None:
    line, _ = case
    wrapped = wrap_line(line, width, columns=columns)
    rows = rows_of(wrapped)
    for row in rows:
        assert cell_len(row) <= width, (row, width)
    # Every character but the spaces, in order, exactly once.
    assert "".join(rows).replace(" ", "") == strip_sgr(line).replace(" ", "")
    if cell_len(strip_sgr(line)) <= width:
        assert wrapped == line


@given(lines(), st.integers(20, 120))
def test_words_that_fit_a_row_are_never_split(case: tuple[str, list[str]], width: int) -> None:
    line, words = case
    rows = rows_of(wrap_line(line, width))
    indent = len(rows[1]) - len(rows[1].lstrip(" ")) if len(rows) > 1 else 0
    for word in words:
        if cell_len(word) <= width - indent:
            assert any(word in row.split(" ") for row in rows), (word, rows)


@given(lines(), st.integers(20, 120))
def test_no_style_bleeds_into_the_margin(case: tuple[str, list[str]], width: int) -> None:
    line, _ = case
    wrapped = wrap_line(line, width)
    for row in wrapped.split("\n")[:-1]:
        codes = SGR.findall(row)
        assert not codes or codes[-1] == RESET, repr(row)
    rows = wrapped.split("\n")
    margin = rows[1][: len(rows[1]) - len(rows[1].lstrip(" "))] if len(rows) > 1 else ""
    assert all(row.startswith(margin) for row in rows[1:])


def test_the_issue_example_keeps_the_timing_whole() -> None:
    line = "✓ [execute] search_web found the answer (75ms)"
    assert wrap_line(line, 40) == "✓ [execute] search_web found the answer\n  (75ms)"


def test_the_indent_passes_the_time_column() -> None:
    line = "14:03:07 ✓ Completed task [2/3]: Move settings to pydantic-settings"
    assert wrap_line(line, 40, columns=2) == (
        "14:03:07 ✓ Completed task [2/3]: Move\n           settings to pydantic-settings"
    )


def test_a_word_wider_than_the_row_fills_rows() -> None:
    url = "https://example.com/" + "a" * 60
    rows = wrap_line(f"✗ fetch {url} failed", 30).split("\n")
    assert rows[0] == "✗ fetch https://example.com/aa"
    assert all(cell_len(r) <= 30 for r in rows)
    assert rows[-1].endswith(" failed")


# -- the console formatter ----------------------------------------------------------

EVENT: dict[str, Any] = {
    "type": "error",
    "node_name": "model",
    "message": "Request failed",
    "error": "rate limited by the provider after many retries",
}


def test_a_terminal_of_40_columns_breaks_at_words() -> None:
    fmt = ConsoleFormatter(console=make_console(width=40), wrap=True, colors_enabled=False)
    out = fmt.format({"type": "node_end", "node_name": "plan", "duration_ms": 75,
                      "message": "Node finished planning the whole task list"})  # fmt: skip
    assert out == "← [plan] Node finished planning the\n  whole task list (75ms)"


def test_console_output_forced_to_look_like_a_terminal_is_not_wrapped() -> None:
    # FORCE_COLOR or force_terminal colour a file, but a file is never wrapped.
    fmt = ConsoleFormatter(console=make_console(width=40))
    assert fmt.wrap is False
    assert "\n" not in fmt.format(EVENT)


def test_a_real_terminal_wraps_and_a_pipe_does_not() -> None:
    leader, follower = pty.openpty()
    read_end, write_end = os.pipe()
    try:
        with open(follower, "w", closefd=False) as tty, open(write_end, "w", closefd=False) as pipe:
            on_tty = ConsoleFormatter(console=Console(file=tty, width=40))
            on_pipe = ConsoleFormatter(console=Console(file=pipe, width=40))
            assert on_tty.wrap is True
            assert on_pipe.wrap is False
            assert "\n" in on_tty.format(EVENT)
            assert "\n" not in on_pipe.format(EVENT)
    finally:
        for fd in (leader, follower, read_end, write_end):
            os.close(fd)


def test_tokens_are_never_wrapped() -> None:
    fmt = ConsoleFormatter(console=make_console(width=40), wrap=True)
    text = "word " * 40
    assert strip_sgr(fmt.format({"type": "token", "content": text})) == text


def test_rich_detail_rows_wrap_under_their_value_and_blocks_keep_their_layout() -> None:
    fmt = ConsoleFormatter("rich", console=make_console(width=40), wrap=True, colors_enabled=False)
    code = "def f():\n    return 'a very long line of code that is wider than forty columns'"
    out = fmt.format({"type": "tool_end", "tool": "run", "result": code,
                      "preview": "one two three four five six seven eight nine"})  # fmt: skip
    lines = out.split("\n")
    assert "    preview: one two three four five six" in lines
    assert "      seven eight nine" in lines
    assert "          return 'a very long line of code that is wider than forty columns'" in lines


@given(st.text(max_size=200), st.sampled_from(["plain", "rich", "minimal"]))
def test_wrapped_hostile_text_stays_safe(text: str, layout: str) -> None:
    fmt = ConsoleFormatter(layout, console=make_console(width=30), wrap=True)
    for event in (
        {"type": "error", "error": text, "message": text},
        {"type": "tool_end", "tool": text, "error": text},
        {"type": "task_failed", "task": {"title": text}, "error": text, "node_name": text},
    ):
        assert_terminal_safe(strip_sgr(fmt.format(event)))


def test_ai_infra_format_wraps_on_a_terminal_only(tmp_path: Any) -> None:
    log = tmp_path / "run.ndjson"
    log.write_text(json.dumps(EVENT) + "\n", "utf-8")
    command = [sys.executable, "-m", "ai_infra_formatters", "--no-color", str(log)]
    env = {**os.environ, "COLUMNS": "40"}
    env.pop("FORCE_COLOR", None)
    piped = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    whole = "✗ [model] Request failed: rate limited by the provider after many retries\n"
    assert piped.stdout == whole
    leader, follower = pty.openpty()
    try:
        subprocess.run(command, stdout=follower, stderr=subprocess.PIPE, env=env, check=True)
        shown = _read_all(leader).replace("\r\n", "\n")
    finally:
        os.close(leader)
        os.close(follower)
    assert shown == "✗ [model] Request failed: rate limited\n  by the provider after many retries\n"


def _read_all(fd: int) -> str:
    """What a pseudo-terminal's other side has to read, once it stays quiet."""
    data = b""
    while select.select([fd], [], [], 0.5)[0]:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        data += chunk
    return data.decode("utf-8")


@pytest.fixture(autouse=True)
def _no_force_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
