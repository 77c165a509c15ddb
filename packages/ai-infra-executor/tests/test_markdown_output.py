"""Markdown answers in the executor (issue 13): ``ExecutorStreamConfig.markdown`` reaches
the formatter; on a terminal the answer is rendered as Markdown between the event
lines (the live view gives way to lines); anywhere else the raw text, byte for byte;
``ai-infra-executor demo --markdown`` on a terminal and into a pipe."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console
from terminal_screen import Terminal, words
from test_live_view_safety import HOSTILE, foreign_characters

from ai_infra_executor import ExecutorStreamConfig
from ai_infra_executor.cli import EXIT_OK, demo_config, main
from ai_infra_executor.live import LiveProgressView
from ai_infra_executor.output import get_formatter, stream_to_console
from ai_infra_formatters import OutputFormat


class FakeTerminal(io.StringIO):
    """A stream that says it is a terminal (what a tty says)."""

    def isatty(self) -> bool:
        return True


ANSWER = ["# Plan\n\n", "- read the ", "file\n- write it\n\n", "Then **test** it."]
TOOL: dict[str, Any] = {"type": "tool_start", "tool": "read_file", "node_name": "tools"}
EVENTS: list[dict[str, Any]] = [
    *({"type": "token", "content": piece, "node_name": "model"} for piece in ANSWER),
    TOOL,
    {"type": "token", "content": "All *done*.", "node_name": "model"},
    {"type": "task_complete", "message": "Task 1 done", "data": {"task_id": "1"}},
]


def shown(raw: str) -> list[str]:
    return Terminal(columns=80).feed(raw).lines()


def run_stream_to_console(stream: io.StringIO, markdown: bool) -> str:
    config = ExecutorStreamConfig(
        output_stream=stream, markdown=markdown, show_timing=False, colors_enabled=False
    )
    for event in EVENTS:
        stream_to_console(event, config)
    return stream.getvalue()


def test_the_config_switch_reaches_the_formatter() -> None:
    out = FakeTerminal()
    on = get_formatter(ExecutorStreamConfig(output_stream=out, markdown=True))
    off = get_formatter(ExecutorStreamConfig(output_stream=out))
    assert on.markdown
    assert not off.markdown
    assert demo_config(OutputFormat.RICH, markdown=True).markdown
    assert not demo_config(OutputFormat.RICH).markdown


def test_on_a_terminal_the_answer_is_rendered_as_markdown_around_the_tool_call() -> None:
    lines = shown(run_stream_to_console(FakeTerminal(), markdown=True))
    assert "# Plan" not in lines
    assert "Plan" in [line.strip() for line in lines]
    assert " • read the file" in lines
    assert " • write it" in lines
    tool = next(n for n, line in enumerate(lines) if "read_file" in line)
    # The paragraph cut by the tool call is whole above it, once; the rest below.
    assert lines[tool - 1] == "Then test it."
    assert [line for line in lines if "test it" in line] == ["Then test it."]
    assert lines[tool + 1 :] == ["All done.", lines[-1]]  # the same speaker: no label again
    assert "Task 1 done" in lines[-1]


def test_not_on_a_terminal_the_raw_text_is_written_byte_for_byte() -> None:
    raw = run_stream_to_console(io.StringIO(), markdown=True)
    assert raw == run_stream_to_console(io.StringIO(), markdown=False)
    assert "# Plan\n\n- read the file\n- write it\n\nThen **test** it." in raw


#: What only the live display draws: a spinner, a bar, the running node.
DISPLAY = re.compile("[\u2800-\u28ff\u2501\u2578\u257a]|node: ")


def test_the_live_view_prints_each_finished_block_above_once() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80, height=30, color_system=None)
    config = ExecutorStreamConfig(output_format="rich", markdown=True, show_timing=False)
    view = LiveProgressView(console=console, config=config)
    assert view.is_live
    view.start()
    view.handle({"type": "node_start", "node_name": "model"})
    for event in EVENTS[: len(ANSWER)]:
        view.handle(event)
    # The unfinished block is live, rendered; the finished ones are above it, once.
    terminal = Terminal(columns=80, rows=30).feed(out.getvalue())
    assert "  Then test it." in terminal.lines()
    assert "Then **test**" not in terminal.text()
    for event in EVENTS[len(ANSWER) :]:
        view.handle(event)
    view.stop()
    lines = Terminal(columns=80, rows=30).feed(out.getvalue()).lines()
    assert "# Plan" not in "\n".join(lines)
    assert lines.count("   • read the file") == 1
    assert lines.count("   • write it") == 1
    tool = next(n for n, line in enumerate(lines) if "read_file" in line)
    assert [line for line in lines if "test it" in line] == ["  Then test it."]
    assert lines.index("  Then test it.") < tool
    assert lines[tool + 1 :] == ["  All done.", lines[-1]]
    assert "Task 1 done" in lines[-1]
    assert not any(DISPLAY.search(line) for line in lines)  # the display left no trace


def test_without_markdown_the_live_view_shows_the_raw_rows() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80, height=30, color_system=None)
    view = LiveProgressView(console=console, config=ExecutorStreamConfig(output_format="rich"))
    view.start()
    for event in EVENTS:
        view.handle(event)
    view.stop()
    assert "  # Plan" in Terminal(columns=80, rows=30).feed(out.getvalue()).lines()


def test_demo_markdown_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    out = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["demo", "--markdown", "--latency-scale", "0"]) == EXIT_OK
    text = words(Terminal(columns=100).feed(out.getvalue()).text())
    for title in ("Let me look at", "Now I will make the change."):
        assert text.count(title) == 3  # each task's answers, once each (one task is done)
    assert text.count("Done: ") == 3
    assert not DISPLAY.search(text)  # the live display left no trace
    assert out.getvalue().count("\x1b[?25l") == out.getvalue().count("\x1b[?25h")  # cursor back


def test_demo_markdown_into_a_pipe_is_the_raw_text() -> None:
    def run(*flags: str) -> list[str]:
        command = [sys.executable, "-m", "ai_infra_executor", "demo", "--latency-scale", "0"]
        result = subprocess.run(
            [*command, *flags], capture_output=True, text=True, check=True, timeout=120
        )
        assert result.stderr == ""
        # Durations differ from run to run; everything else is the same.
        return re.sub(r"\d+(\.\d+)?\s?(ms|s)\b", "T", result.stdout).splitlines()

    assert run("--markdown") == run()


@settings(max_examples=40)
@given(st.text(max_size=120), st.integers(1, 15))
def test_hostile_answers_stay_inert_in_the_live_view(text: str, size: int) -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=60, height=20, color_system="truecolor")
    config = ExecutorStreamConfig(output_format="rich", markdown=True)
    view = LiveProgressView(console=console, config=config)
    view.start()
    answer = f"{HOSTILE}\n\n{text}\n\n[x](https://evil.example/\x1b]8;;x\x07)\n\n{text}"
    for at in range(0, len(answer), size):
        view.handle({"type": "token", "content": answer[at : at + size], "node_name": "m"})
    view.handle(TOOL)
    view.stop()
    assert "\x1b]8;" not in out.getvalue()  # the link's address is shown, not hidden
    assert foreign_characters(out.getvalue()) == []
