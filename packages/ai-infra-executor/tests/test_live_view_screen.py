"""The live view as a person sees it: a 100 x 30 terminal (pyte) and its scrollback.

Issue 13, "The live view": no frozen copy of the display above a prompt, every
task's answer kept, a summary that names what failed, one count and one clock,
and a status line that drops parts rather than cutting the task's name.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.text import Text
from terminal_screen import Terminal, words
from test_live_view_safety import HOSTILE, foreign_characters

from ai_infra_executor import (
    ExecutorStreamConfig,
    ExecutorStreamEvent,
    LiveProgressView,
    create_interrupt_event,
    create_node_start_event,
    create_resume_event,
    create_run_end_event,
    create_run_start_event,
    create_task_complete_event,
    create_task_failed_event,
    create_task_skipped_event,
    create_task_start_event,
)
from ai_infra_executor.live_tokens import TokenPane

RICH = ExecutorStreamConfig(output_format="rich", stream_tokens=True)
#: What only the live display draws: a spinner, a bar, the running node.
DISPLAY = re.compile("[\u2800-\u28ff\u2501\u2578\u257a]|node: ")

ANSWERS = [
    "I read app/health.py and the tests around it. The endpoint returns the service's "
    "version and the state of its database connection, and the new test checks both "
    "fields, the status code and the content type of the answer.",
    "Validation now happens before the handler runs: a body that is not JSON gets a 400 "
    "with the parser's message, a missing field names the field, and a value of the wrong "
    "type says which type was expected. Six new tests cover the cases.",
    "The API document lists every route with its method, its parameters, an example "
    "request and the answers it can give.",
]


def terminal_console(width: int = 100) -> Console:
    return Console(
        file=io.StringIO(), force_terminal=True, width=width, height=30, color_system="standard"
    )


def screen(console: Console, width: int = 100) -> Terminal:
    assert isinstance(console.file, io.StringIO)
    return Terminal(columns=width).feed(console.file.getvalue())


def tokens(text: str) -> list[ExecutorStreamEvent]:
    """*text* streamed a word at a time by the agent, as a model does."""
    pieces = re.findall(r"\S+\s*", text)
    return [ExecutorStreamEvent("token", content=p, node_name="model") for p in pieces]


def task(number: int, title: str) -> dict[str, Any]:
    return {"id": str(number), "title": title}


def test_a_prompt_leaves_no_copy_of_the_display_in_the_scrollback():
    console = terminal_console()
    view = LiveProgressView(console, RICH, refresh_per_second=20)
    view.start()
    view.handle(create_run_start_event("ROADMAP.md", 2))
    view.handle(create_task_start_event(task(1, "Add a /health endpoint"), 1, 2))
    view.handle(create_node_start_event("execute_task"))
    for event in tokens("Working on it, half way through the "):
        view.handle(event)
    view.handle(create_interrupt_event("approve", {"question": "Apply?"}))
    view.stop()  # as the demo does before it asks
    console.file.write("Apply the changes? [Y/n] y\n")
    view.start()
    view.handle(create_resume_event("approve", "approve"))
    view.handle(create_task_complete_event(task(1, "Add a /health endpoint"), 5.0))
    view.handle(create_task_start_event(task(2, "Document the API"), 2, 2))
    view.handle(create_node_start_event("execute_task"))
    view.stop()  # a second prompt, in the middle of a task
    console.file.write("Go on? [Y/n] y\n")
    view.start()
    view.handle(create_task_complete_event(task(2, "Document the API"), 5.0))
    view.handle(create_run_end_event(2, 0, 0, 10.0))
    view.stop()

    lines = screen(console).lines()
    assert [line for line in lines if DISPLAY.search(line)] == []
    # Each question comes right under the run's lines, as the plain format has it.
    paused = next(n for n, line in enumerate(lines) if "Execution paused at approve" in line)
    prompt = lines.index("Apply the changes? [Y/n] y")
    assert all(line.startswith("    ") for line in lines[paused + 1 : prompt])  # its details
    assert lines[lines.index("Go on? [Y/n] y") - 1].startswith("\u25cf Starting task [2/2]")
    assert "  Working on it, half way through the" in lines  # said before the pause


def test_every_task_answer_stays_in_the_scrollback_once():
    console = terminal_console()
    titles = ["Add a /health endpoint", "Validate request bodies", "Document the API"]
    with LiveProgressView(console, RICH, refresh_per_second=20) as view:
        view.handle(create_run_start_event("ROADMAP.md", 3))
        for number, (title, answer) in enumerate(zip(titles, ANSWERS, strict=True), start=1):
            view.handle(create_task_start_event(task(number, title), number, 3))
            view.handle(create_node_start_event("execute_task"))
            for event in tokens(answer):
                view.handle(event)
            view.handle(create_task_complete_event(task(number, title), 5.0))
        view.handle(create_run_end_event(3, 0, 0, 30.0))

    term = screen(console)
    text = words(term.text())
    for answer in ANSWERS:
        assert text.count(words(answer)) == 1
    # Wrapped at the terminal's width, indented under the task's line.
    answer_lines = [line for line in term.lines() if line.startswith("  ")]
    assert len(answer_lines) > len(ANSWERS)
    assert all(len(line) <= 100 for line in answer_lines)


def test_the_run_ends_with_a_summary_of_what_failed_and_was_skipped():
    console = terminal_console()
    with LiveProgressView(console, RICH, refresh_per_second=20) as view:
        view.handle(create_run_start_event("ROADMAP.md", 3))
        view.handle(create_task_start_event(task(1, "Validate request bodies"), 1, 3))
        view.handle(
            create_task_failed_event(
                task(1, "Validate request bodies"), "tests did not pass: 2 failed", 9.0
            )
        )
        view.handle(create_task_start_event(task(2, "Set up the project"), 2, 3))
        view.handle(create_task_skipped_event(task(2, "Set up the project"), "already done"))
        view.handle(create_task_start_event(task(3, "Document the API"), 3, 3))
        view.handle(create_node_start_event("execute_task"))
        for event in tokens("The last words of the run."):
            view.handle(event)
        view.handle(create_task_complete_event(task(3, "Document the API"), 5.0))
        view.handle(create_run_end_event(1, 1, 1, 2970.0))

    term = screen(console)
    lines = term.lines()
    assert lines[-3:] == [
        "\u25a0 Executor run complete: 1 completed, 1 failed, 1 skipped (2.97s)",
        "  \u2717 [1/3] Validate request bodies - tests did not pass: 2 failed",
        "  \u25cb [2/3] Set up the project - already done",
    ]
    headline = term.char(len(lines) - 3, 2)
    assert (headline.fg, headline.bold) == ("red", True)  # the failure style
    assert term.char(len(lines) - 2, 2).fg == "red"
    # Nothing of the display lingers under it; the last answer was printed once.
    assert [line for line in lines if DISPLAY.search(line)] == []
    assert term.text().count("The last words of the run.") == 1


def test_a_run_without_failures_ends_in_the_run_style():
    console = terminal_console()
    with LiveProgressView(console, RICH) as view:
        view.handle(create_run_start_event("ROADMAP.md", 1))
        view.handle(create_task_start_event(task(1, "Only"), 1, 1))
        view.handle(create_task_complete_event(task(1, "Only"), 5.0))
        view.handle(create_run_end_event(1, 0, 0, 12.0))
    term = screen(console)
    lines = term.lines()
    assert lines[-1] == "\u25a0 Executor run complete: 1 completed, 0 failed, 0 skipped (12ms)"
    assert term.char(len(lines) - 1, 2).fg == "blue"


def widget(view: LiveProgressView, width: int) -> list[str]:
    """The live display as drawn now on a *width*-column terminal."""
    console = Console(file=io.StringIO(), width=width, height=30, force_terminal=False)
    console.print(view)
    assert isinstance(console.file, io.StringIO)
    return console.file.getvalue().splitlines()


def third_task_running() -> LiveProgressView:
    view = LiveProgressView(terminal_console(), RICH)
    view.handle(create_run_start_event("ROADMAP.md", 4))
    for number in (1, 2):
        view.handle(create_task_start_event(task(number, f"Task {number}"), number, 4))
        view.handle(create_task_complete_event(task(number, f"Task {number}"), 5.0))
    view.handle(create_task_start_event(task(3, "Validate request bodies"), 3, 4))
    return view


#: A duration as the run's summary writes it (ai-infra-formatters' format_duration).
SUMMARY_DURATION = re.compile(r"(\d+ms|\d+\.\d\ds|\d+m \d\d\.\ds)$")


def test_the_status_line_has_one_count_and_the_summary_s_clock():
    status = widget(third_task_running(), 100)[0]
    assert re.findall(r"\d+/\d+", status) == ["3/4"]  # the task's number, once
    assert "\u2501" in status  # the bar shows the tasks done
    assert SUMMARY_DURATION.search(status), status
    assert not re.search(r"\d:\d\d:\d\d", status)


@pytest.mark.parametrize("width", [40, 36])
def test_a_narrow_terminal_drops_whole_parts_and_keeps_the_task_name(width: int):
    status = widget(third_task_running(), width)[0]
    assert "[3/4] Validate request bodies" in status
    assert "\u2026" not in status  # nothing cut
    assert "\u2501" not in status  # no room for a useful bar
    if width == 40:
        assert SUMMARY_DURATION.search(status), status  # the clock still fits
    assert len(status) <= width


def test_a_title_wider_than_the_terminal_is_the_only_thing_cut():
    view = LiveProgressView(terminal_console(), RICH)
    view.handle(create_run_start_event("ROADMAP.md", 1))
    view.handle(create_task_start_event(task(1, "A very long title " * 5), 1, 1))
    status = widget(view, 40)[0]
    assert status.startswith(status[0] + " [1/1] A very long title")
    assert status.endswith("\u2026")
    assert len(status) == 40


_PIECES = st.lists(
    st.sampled_from(["a", "bb", "word ", " ", "  ", "\n", "longerthanarowofcells", "\u754c", "x "]),
    max_size=40,
)


@given(pieces=_PIECES, width=st.integers(min_value=1, max_value=12))
def test_the_pane_s_rows_hold_all_the_text_in_order_and_fit(pieces: list[str], width: int) -> None:
    pane = TokenPane(width)
    rows: list[Text] = []
    for piece in pieces:
        rows += pane.add(Text(piece))
        assert cell_len(pane.tail.plain.rstrip()) <= max(width, 2)  # the tail is one row
    rows += pane.finish()
    text = "".join(pieces)
    assert "".join(r.plain for r in rows).replace(" ", "") == text.replace(" ", "").replace(
        "\n", ""
    )
    # A wide character never splits: a 1-cell row may hold one 2-cell character.
    assert all(cell_len(r.plain) <= max(width, 2) for r in rows)
    assert len(rows) >= text.rstrip("\n").count("\n")


def test_a_hostile_reason_reaches_the_summary_only_made_safe():
    console = terminal_console()
    with LiveProgressView(console, RICH) as view:
        view.handle(create_task_start_event(task(1, HOSTILE), 1, 2))
        view.handle(create_task_skipped_event(task(1, HOSTILE), HOSTILE))
        view.handle(create_task_start_event(task(2, "Two"), 2, 2))
        view.handle(ExecutorStreamEvent("task_failed", task=task(2, "Two"), error=HOSTILE))
        view.handle(create_run_end_event(0, 1, 1, 5.0))
    assert isinstance(console.file, io.StringIO)
    output = console.file.getvalue()
    assert foreign_characters(output) == []
    text = screen(console).text()
    summary = text[text.index("\u25a0 Executor run complete") :]
    assert "\n  \u2717 [2/2] Two - Fix \u241b]52;c;" in summary
    assert "\n  \u25cb [1/2] Fix \u241b]52;c;" in summary
