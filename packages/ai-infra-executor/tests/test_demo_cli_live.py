"""``ai-infra-executor demo`` and its live view: the header at once, plain's choices
when piped, and (in a pseudo-terminal, answering its prompts) a scrollback that
keeps the run's lines, its answers and its summary, and nothing of the display.
"""

from __future__ import annotations

import io
import sys

import pytest
from terminal_screen import Terminal, words

from ai_infra_executor.cli import EXIT_OK, EXIT_USAGE, main

HEADER = "\u25b6 Starting executor run: ROADMAP.md (4 tasks)"


def test_the_header_is_shown_before_langgraph_is_imported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # LangGraph (and what imports it) cannot be imported: what the demo shows
    # before it needs LangGraph is what a person sees while it loads.
    for name in list(sys.modules):
        if name.split(".")[0] in ("langgraph", "langchain_core", "langchain"):
            monkeypatch.setitem(sys.modules, name, None)
    for name in ("langgraph", "ai_infra_executor.graph", "ai_infra_executor.demo.graph"):
        monkeypatch.setitem(sys.modules, name, None)
    status = main(["demo", "--format", "plain", "--latency-scale", "0"])
    out, err = capsys.readouterr()
    assert status == EXIT_USAGE
    assert "the demo needs LangGraph" in err
    assert out == HEADER + "\n"


def test_the_header_is_shown_once(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--format", "plain", "--latency-scale", "0"]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith(HEADER + "\n")
    assert out.count("Starting executor run") == 1


def test_rich_not_on_a_terminal_makes_plain_s_choices(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo", "--latency-scale", "0"]) == EXIT_OK  # rich, piped
    rich_lines = capsys.readouterr().out.splitlines()
    assert main(["demo", "--format", "plain", "--latency-scale", "0"]) == EXIT_OK
    plain_lines = capsys.readouterr().out.splitlines()
    assert not any("Executing node" in line for line in rich_lines)
    # The same events as plain: each line of plain starts a line of rich (whose
    # detail rows, indented, come under some of them).
    headlines = [line for line in rich_lines if not line.startswith("    ")]
    assert len(headlines) == len(plain_lines)
    assert any(line.startswith("\u22ef Progress:") for line in rich_lines)


class FakeTerminal(io.StringIO):
    """stdout and stderr of a terminal: one screen, both streams on it."""

    def isatty(self) -> bool:
        return True


class Keyboard(io.StringIO):
    """stdin of that terminal: the person's answers, echoed on the screen as typed."""

    def __init__(self, answers: str, screen: FakeTerminal) -> None:
        super().__init__(answers)
        self.screen = screen

    def isatty(self) -> bool:
        return True

    def readline(self, size: int | None = -1) -> str:
        line = super().readline(-1 if size is None else size)
        self.screen.write(line)
        return line


def test_the_demo_in_a_terminal_leaves_the_run_and_nothing_of_the_display(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # In-process (LangGraph is imported once for the session): a 100 x 30 terminal
    # and a person answering "y" to each prompt.
    screen = FakeTerminal()
    for name, value in (("COLUMNS", "100"), ("LINES", "30"), ("TERM", "xterm-256color")):
        monkeypatch.setenv(name, value)
    for name in ("FORCE_COLOR", "NO_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(sys, "stdout", screen)
    monkeypatch.setattr(sys, "stderr", screen)
    monkeypatch.setattr(sys, "stdin", Keyboard("y\ny\ny\n", screen))
    status = main(["demo", "--fail-task", "3", "--interrupt", "--latency-scale", "0"])
    output = screen.getvalue()
    assert status == 0, output[-2000:]
    assert "\x1b[1A" in output  # a live display was drawn
    lines = Terminal(100, 30).feed(output).lines()
    assert lines[0] == HEADER
    # No spinner, bar or node line: above the prompts, under the summary.
    assert [line for line in lines if "node: " in line or "\u2501" in line] == []
    prompts = [n for n, line in enumerate(lines) if line.endswith("[Y/n] y")]
    assert len(prompts) == 2
    for n in prompts:
        assert lines[n - 1].startswith("    ")  # the interrupt's details, just above
    text = words("\n".join(lines))
    for title in ("Add a /health endpoint", "Validate request bodies", "Document the API"):
        assert f"Done: {title}. I changed" in text  # every task's answer
    assert lines[-3:] == [
        lines[-3],
        "  \u2717 [3/4] Validate request bodies - tests did not pass: 2 failed, 4 passed",
        "  \u25cb [2/4] Set up the project layout - already checked off in the roadmap",
    ]
    assert lines[-3].startswith("\u25a0 Executor run complete: 2 completed, 1 failed, 1 skipped")
