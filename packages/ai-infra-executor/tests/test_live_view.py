"""LiveProgressView on real Rich consoles: a live display in a terminal, lines elsewhere."""

from __future__ import annotations

import io

import orjson
from graph_support import build_roadmap_graph, collect, initial
from rich.console import Console
from rich.text import Text

from ai_infra_executor import (
    ExecutorStreamConfig,
    ExecutorStreamEvent,
    LiveProgressView,
    StreamingExecutor,
    create_interrupt_event,
    create_node_start_event,
    create_run_start_event,
    create_task_start_event,
)
from ai_infra_formatters import ConsoleFormatter

RICH = ExecutorStreamConfig(output_format="rich", stream_tokens=True)


def terminal(width: int = 80) -> Console:
    return Console(
        file=io.StringIO(), force_terminal=True, width=width, color_system="standard", height=30
    )


def pipe(width: int = 80) -> Console:
    return Console(file=io.StringIO(), force_terminal=False, width=width)


def rendered(view: LiveProgressView, width: int = 80) -> str:
    console = Console(file=io.StringIO(), width=width, force_terminal=False, height=30)
    console.print(view)
    return console.file.getvalue()


async def run_events(**graph_options):
    executor = StreamingExecutor(build_roadmap_graph(**graph_options), roadmap_path="R.md")
    return await collect(executor.astream_events(initial(), None, RICH))


def tokens(*words: str) -> list[ExecutorStreamEvent]:
    return [ExecutorStreamEvent("token", content=w, node_name="execute_task") for w in words]


async def test_in_a_terminal_it_draws_live_and_prints_finished_tasks_above():
    console = terminal()
    events = await run_events(fail_id="2")
    with LiveProgressView(console, RICH, refresh_per_second=50) as view:
        assert view.is_live
        for event in events:
            view.handle(event)
    out = console.file.getvalue()
    assert "\x1b[" in out  # colours and cursor movement: a live display
    assert "Completed task: Add auth" in out
    assert "Task failed: Write docs - tests did not pass" in out
    assert "Executor run complete: 2 completed, 1 failed, 0 skipped" in out
    # Node transitions are shown by the widget, never printed as lines.
    assert "Executing node" not in out
    # The run's end: a summary naming the failed task; the widget shows nothing more.
    assert "\u2717 [2/3] Write docs - tests did not pass" in out
    assert rendered(view) == ""


async def test_the_widget_shows_the_current_task_node_and_tokens():
    view = LiveProgressView(terminal(), RICH)
    view.handle(create_run_start_event("R.md", 4))
    view.handle(create_task_start_event({"id": "2", "title": "Add [bold]auth[/]"}, 2, 4))
    view.handle(create_node_start_event("execute_task"))
    inner = create_node_start_event("model")
    inner.namespace = ["execute_task:1f2e"]
    view.handle(inner)
    for event in tokens("Adding ", "the ", "middleware"):
        view.handle(event)
    text = rendered(view)
    assert "[2/4] Add [bold]auth[/]" in text  # titles are never read as markup
    assert "0/4" not in text  # one count: the task's number (the bar shows tasks done)
    assert "node: execute_task \u203a model" in text
    assert "Adding the middleware" in text
    # An interrupted node leaves the widget (it will start again on resume).
    paused = create_interrupt_event("model")
    paused.namespace = ["execute_task:1f2e"]
    view.handle(paused)
    assert "node: execute_task\n" in rendered(view)


def test_the_token_pane_keeps_only_the_last_lines():
    view = LiveProgressView(terminal(width=40), RICH, token_lines=2)
    view.handle(create_task_start_event({"title": "T"}, 1, 1))
    for n in range(30):
        view.handle(ExecutorStreamEvent("token", content=f"word{n} "))
    text = rendered(view, width=40)
    assert "word29" in text
    assert "word0 " not in text
    view.handle(create_task_start_event({"title": "U"}, 1, 1))
    assert "word29" not in rendered(view, width=40)


def printed(console: Console) -> str:
    """What was printed on *console* (above the display), without styles."""
    return Text.from_ansi(console.file.getvalue()).plain


def test_text_around_a_tool_call_goes_on_separate_lines():
    console = terminal()
    view = LiveProgressView(console, RICH)
    view.handle(ExecutorStreamEvent("tool_start", tool="read_file"))  # no text yet: no blank line
    view.handle(ExecutorStreamEvent("token", content="Reading."))
    view.handle(ExecutorStreamEvent("tool_start", tool="read_file"))
    view.handle(ExecutorStreamEvent("tool_end", tool="read_file"))
    view.handle(ExecutorStreamEvent("token", content="Done."))
    assert "  Reading.\n" in printed(console)  # finished: printed above the display
    assert "\n  Done.\n" in rendered(view)


async def test_when_not_a_terminal_it_writes_the_formatter_lines():
    console = pipe()
    events = await run_events()
    with LiveProgressView(console, RICH) as view:
        assert not view.is_live
        for event in events:
            view.handle(event)
    out = console.file.getvalue()
    assert "\x1b[" not in out
    formatter = ConsoleFormatter("rich", console=pipe())
    expected = [formatter.format(e) for e in events]
    assert out == "\n".join(expected) + "\n"
    assert out.splitlines()[0] == "▶ Starting executor run: R.md (3 tasks)"


def test_tokens_are_inline_in_line_output_and_the_line_is_closed_on_stop():
    console = pipe()
    view = LiveProgressView(console, ExecutorStreamConfig(stream_tokens=True))
    with view:
        for event in tokens("Hello ", "world"):
            view.handle(event)
    assert console.file.getvalue() == "[execute_task] Hello world\n"  # who is speaking


def test_json_is_never_live_and_writes_ndjson():
    console = terminal()
    view = LiveProgressView(console, ExecutorStreamConfig.json_output())
    assert not view.is_live
    with view:
        view.handle(create_run_start_event("R.md", 1))
        for event in tokens("a", "b"):
            view.handle(event)
    lines = console.file.getvalue().splitlines()
    assert [orjson.loads(line)["type"] for line in lines] == ["run_start", "token", "token"]


def test_live_false_writes_lines_on_a_terminal_and_disabled_writes_nothing():
    console = terminal()
    view = LiveProgressView(console, ExecutorStreamConfig(colors_enabled=False), live=False)
    assert not view.is_live
    view.handle(create_run_start_event("R.md", 1))
    assert console.file.getvalue() == "▶ Starting executor run: R.md (1 task)\n"

    quiet = terminal()
    view = LiveProgressView(quiet, ExecutorStreamConfig.disabled())
    with view:
        view.handle(create_run_start_event("R.md", 1))
    assert "Starting" not in quiet.file.getvalue()


def test_stop_then_start_resumes_the_display():
    console = terminal()
    view = LiveProgressView(console, RICH)
    view.start()
    view.handle(create_run_start_event("R.md", 2))
    view.stop()
    console.print("question?")
    view.start()
    view.handle(create_task_start_event({"title": "Second"}, 2, 2))
    view.stop()
    out = console.file.getvalue()
    assert out.index("Starting executor run") < out.index("question?")
    assert "[2/2] Second" in out


def test_reasoning_streams_into_the_pane_on_lines_of_its_own():
    console = terminal()
    view = LiveProgressView(console, RICH)
    view.handle(create_task_start_event({"title": "T"}, 1, 1))
    for text in ("Checking ", "the docs."):
        view.handle(ExecutorStreamEvent("reasoning", content=text, node_name="model"))
    for text in ("The ", "answer."):
        view.handle(ExecutorStreamEvent("token", content=text, node_name="model"))
    assert "  \u2234 Checking the docs.\n" in printed(console)
    assert "\n  The answer.\n" in rendered(view)
