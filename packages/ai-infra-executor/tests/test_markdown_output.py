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
from rich.console import Console
from terminal_screen import Terminal, words

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


def test_the_live_view_writes_lines_with_the_answer_as_markdown() -> None:
    out = FakeTerminal()
    console = Console(file=out, force_terminal=True, width=80, color_system=None)
    config = ExecutorStreamConfig(output_format="rich", markdown=True, show_timing=False)
    with LiveProgressView(console=console, config=config) as view:
        assert not view.is_live
        for event in EVENTS:
            view.handle(event)
    lines = shown(out.getvalue())
    assert " • read the file" in lines
    assert "Then test it." in lines
    assert sum("read_file" in line for line in lines) == 1
    rich = LiveProgressView(console=console, config=ExecutorStreamConfig(output_format="rich"))
    assert rich.is_live  # without Markdown, the live display as before


def test_demo_markdown_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    out = FakeTerminal()
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["demo", "--markdown", "--latency-scale", "0"]) == EXIT_OK
    text = words(Terminal(columns=100).feed(out.getvalue()).text())
    for title in ("Let me look at", "Now I will make the change."):
        assert text.count(title) == 3  # each task's answers, once each (one task is done)
    assert text.count("Done: ") == 3
    assert "Executing node" not in text  # lines, as plain's choices
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
