"""The live view and the demo command on a terminal: hostile text, malformed events, faults.

* Every escape sequence the live view writes is one Rich's styling or its live
  redraw produced; event text reaches the terminal only through
  ``ai_infra_formatters.text_safety`` (checked in-process, under hypothesis, and
  through the real command in a pseudo-terminal).
* A malformed event never makes the view raise.
* A reader that goes away gives ``StreamClosedError`` once (never Rich's
  ``SystemExit(1)``), and the demo command exits 0 quietly.
"""

from __future__ import annotations

import io
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from executor_support import EXECUTOR_SAMPLES
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from ai_infra_executor import (
    ExecutorStreamConfig,
    ExecutorStreamEvent,
    LiveProgressView,
    create_interrupt_event,
    create_node_start_event,
    create_run_start_event,
    create_task_start_event,
)
from ai_infra_executor.cli import _decide
from ai_infra_formatters import StreamClosedError, StreamWriteError

RICH = ExecutorStreamConfig(output_format="rich", stream_tokens=True)

#: What Rich writes to draw: styles (SGR), and the live redraw's cursor moves.
RICH_SEQUENCE = re.compile(r"\x1b\[[0-9;]*m|\x1b\[2K|\x1b\[1A|\x1b\[\?25[lh]|\r(?=\n|\x1b\[2K)")
#: What must never reach the terminal from event text.
FOREIGN = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
    "\U000e0000-\U000e007f]"
)

ATTACKS = (
    "\x1b]52;c;ZXZpbA==\x07",  # OSC 52: write the clipboard
    "\x1b[2J\x1b[H",  # clear the screen
    "\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\",  # OSC 8 hyperlink
    "\x9b31m",  # a C1 CSI
    "\u202eevil\u202c",  # a bidi override
    "\x7f\x08\r",  # DEL, backspace, carriage return
)
HOSTILE = "Fix " + " ".join(ATTACKS) + " now"


def foreign_characters(output: str) -> list[str]:
    """The characters of *output* no Rich drawing explains (none, for a safe output)."""
    return FOREIGN.findall(RICH_SEQUENCE.sub("", output))


def terminal(width: int = 100) -> Console:
    return Console(
        file=io.StringIO(), force_terminal=True, width=width, height=30, color_system="truecolor"
    )


def hostile_events() -> list[Any]:
    """A run whose every piece of text a node or a roadmap controls is hostile."""
    task = {"id": HOSTILE, "title": HOSTILE}
    nested = create_node_start_event(HOSTILE)
    nested.namespace = [f"{HOSTILE}:1f2e", HOSTILE]
    events: list[Any] = [
        create_run_start_event(HOSTILE, 2),
        create_task_start_event(task, 1, 2),
        create_node_start_event(HOSTILE),
        nested,
        ExecutorStreamEvent("token", content=HOSTILE, node_name=HOSTILE),
        ExecutorStreamEvent("tool_start", tool=HOSTILE, node_name=HOSTILE),
        ExecutorStreamEvent("tool_end", tool=HOSTILE, result=HOSTILE, error=HOSTILE),
        create_interrupt_event(HOSTILE, {"title": HOSTILE}),
        {"type": "interrupt", "node_name": HOSTILE, "data": {"value": {"question": HOSTILE}}},
        {"type": HOSTILE, HOSTILE: HOSTILE},
        {"type": "task_failed", "task": task, "error": HOSTILE, "message": HOSTILE},
        {"type": "run_end", "message": HOSTILE, "data": {"completed": 1, "failed": 1}},
    ]
    return events


def test_a_hostile_run_reaches_the_terminal_only_as_rich_drew_it():
    console = terminal()
    with LiveProgressView(console, RICH, refresh_per_second=50) as view:
        for event in hostile_events():
            view.handle(event)
            view.__rich__()  # what the widget would draw next
        time.sleep(0.05)  # let the refresh thread draw too
    output = console.file.getvalue()
    assert "Fix " in output  # the text is shown, made visible
    assert "\u241b]52;c;" in output  # ESC as its visible stand-in
    assert foreign_characters(output) == []


_HOSTILE_TEXT = st.lists(
    st.sampled_from(
        [*ATTACKS, "a", " ", "\n", "\x1b", "\x9b", "\u202e", "\U000e0041", "\u2028", "[bold]"]
    ),
    max_size=12,
).map("".join)


@given(
    title=_HOSTILE_TEXT,
    node=_HOSTILE_TEXT,
    namespace=st.lists(_HOSTILE_TEXT, max_size=3),
    content=_HOSTILE_TEXT,
)
def test_any_text_in_any_widget_field_stays_safe(
    title: str, node: str, namespace: list[str], content: str
) -> None:
    console = terminal(width=60)
    view = LiveProgressView(console, RICH)
    start = create_node_start_event(node)
    start.namespace = namespace
    for event in (
        create_task_start_event({"title": title}, 1, 1),
        {"type": "task_start", "message": title},
        start,
        ExecutorStreamEvent("token", content=content),
    ):
        view.handle(event)
    console.print(view)
    assert foreign_characters(console.file.getvalue()) == []


class Unprintable:
    """A value whose ``str()`` and ``repr()`` raise."""

    def __str__(self) -> str:
        raise RuntimeError("no str for you")

    def __repr__(self) -> str:
        raise RuntimeError("no repr either")


class Ambiguous:
    """A numpy-like value: ``==`` gives another such value, and its truth raises."""

    def __bool__(self) -> bool:
        raise ValueError("the truth value of an array is ambiguous")

    def __eq__(self, other: object) -> Ambiguous:  # type: ignore[override]
        return Ambiguous()

    __hash__ = None  # type: ignore[assignment]


class HostileMapping(dict):  # type: ignore[type-arg]
    """A mapping whose every read raises."""

    def get(self, key: Any, default: Any = None) -> Any:
        raise RuntimeError("no reading me")


MALFORMED = [
    {"type": "run_start", "data": [1]},
    {"type": "run_start", "data": {"total_tasks": 10**400}},
    {"type": "run_start", "data": {"total_tasks": float("inf")}},
    {"type": "task_start", "task": "a title"},
    {"type": "task_start", "task": {"title": Unprintable()}},
    {"type": "task_start", "message": Unprintable(), "data": {"total_tasks": "3"}},
    {"type": "run_end", "data": {"completed": "three"}},
    {"type": "run_end", "data": {"completed": float("nan")}},
    {"type": "run_end", "data": {"completed": float("inf"), "failed": -1}},
    {"type": "run_end", "data": {"completed": [1]}},
    {"type": "node_start", "namespace": 5},
    {"type": "node_start", "namespace": [Unprintable()], "node_name": Unprintable()},
    {"type": "node_end", "node_name": Unprintable()},
    {"type": "interrupt", "namespace": "abc"},
    {"type": "token", "content": Unprintable()},
    {"type": "tool_start", "tool": Unprintable()},
    {"type": "progress", "data": None},
    {"type": None},
    {"type": "node_start", "node_name": Ambiguous()},
    {"type": "node_end", "node_name": Ambiguous(), "namespace": [Ambiguous()]},
    {"type": "task_start", "task": {"title": Ambiguous()}},
    {"type": "run_start", "data": HostileMapping(total_tasks=3)},
    {"type": "task_start", "task": HostileMapping(title="x")},
    {"data": {"total_tasks": 3}},
    Unprintable(),
]


@pytest.mark.parametrize("event", MALFORMED, ids=[f"malformed-{n}" for n in range(len(MALFORMED))])
def test_a_malformed_event_never_makes_the_view_raise(event: Any) -> None:
    console = terminal()
    with LiveProgressView(console, RICH) as view:
        view.handle(create_run_start_event("R.md", 2))
        view.handle(event)
        console.print(view)  # and the widget still draws
        view.handle(create_task_start_event({"title": "Next"}, 2, 2))
    assert "[2/2] Next" in console.file.getvalue()


@given(
    st.dictionaries(
        st.sampled_from(["type", "data", "task", "message", "node_name", "namespace", "content"]),
        st.one_of(
            st.sampled_from([*sorted(EXECUTOR_SAMPLES), "token", "reasoning", "run_end"]),
            st.none(),
            st.integers(),
            st.floats(),
            _HOSTILE_TEXT,
            st.lists(st.integers() | _HOSTILE_TEXT, max_size=3),
            st.dictionaries(
                st.sampled_from(["title", "id", "total_tasks", "completed", "failed"]),
                st.integers() | st.floats() | _HOSTILE_TEXT | st.none(),
            ),
        ),
    )
)
def test_any_fields_never_make_the_view_raise(fields: dict[str, Any]) -> None:
    console = terminal(width=60)
    view = LiveProgressView(console, RICH)
    view.handle(fields)
    console.print(view)
    assert foreign_characters(console.file.getvalue()) == []


# -- the stream goes away ---------------------------------------------------------


class BrokenStream(io.StringIO):
    """A terminal-like stream whose reader goes away after *budget* characters."""

    def __init__(self, budget: int) -> None:
        super().__init__()
        self.budget = budget

    def write(self, text: str) -> int:
        if self.tell() + len(text) > self.budget:
            raise BrokenPipeError(32, "Broken pipe")
        return super().write(text)

    def isatty(self) -> bool:
        return True


def test_the_refresh_thread_draws_through_the_guard_too():
    writers: set[str] = set()

    class Recording(io.StringIO):
        def write(self, text: str) -> int:
            writers.add(threading.current_thread().name)
            return super().write(text)

    view = LiveProgressView(
        Console(file=Recording(), force_terminal=True, width=80), RICH, refresh_per_second=200
    )
    with view:
        deadline = time.monotonic() + 5
        while len(writers) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert threading.main_thread().name in writers
    assert len(writers) == 2  # and the refresh thread: the guard serves it as well


def refresh_threads() -> list[threading.Thread]:
    """Rich's refresh threads still running a second after they were told to stop."""
    threads = [t for t in threading.enumerate() if type(t).__name__ == "_RefreshThread"]
    for thread in threads:
        thread.join(timeout=1)  # a stopped one ends at its next tick
    return [t for t in threads if t.is_alive()]


def test_a_reader_going_away_raises_stream_closed_once_and_never_exits():
    stream = BrokenStream(budget=400)
    failures: list[BaseException] = []
    previous_hook = threading.excepthook
    threading.excepthook = lambda args: failures.append(args.exc_value)  # type: ignore[assignment]
    try:
        view = LiveProgressView(
            Console(file=stream, force_terminal=True, width=80), RICH, refresh_per_second=100
        )
        closed = 0
        for n in range(200):
            try:
                view.handle(ExecutorStreamEvent("tool_start", tool=f"tool number {n}"))
                if n == 0:
                    view.start()
            except StreamClosedError:
                closed += 1
        time.sleep(0.05)  # the refresh thread writes too
        view.stop()
    finally:
        threading.excepthook = previous_hook
    assert closed == 1
    assert failures == []  # the refresh thread never died of it
    assert view.console.file is stream  # the caller's console has its own stream back


def test_a_failing_stream_raises_stream_write_error_each_time():
    class FullDisk(io.StringIO):
        def write(self, text: str) -> int:
            raise OSError(28, "No space left on device")

        def isatty(self) -> bool:
            return True

    full = FullDisk()
    view = LiveProgressView(Console(file=full, force_terminal=True), RICH)
    with pytest.raises(StreamWriteError, match="No space left on device"):
        view.start()
    # Nothing left running on the dead stream, and the caller's console is its own again.
    assert refresh_threads() == []
    assert view.console.file is full
    for _ in range(2):
        with pytest.raises(StreamWriteError):
            view.handle(ExecutorStreamEvent("tool_start", tool="search"))
    view.stop()  # the display never ran: nothing to stop, nothing written
    with pytest.raises(StreamWriteError):
        view.start()  # a new start meets the same failure
    assert refresh_threads() == []


def test_the_approval_prompt_shows_the_question_safely(capsys: pytest.CaptureFixture[str]):
    assert _decide({"question": HOSTILE}, approve=True) == "approve"
    err = capsys.readouterr().err
    assert "Fix " in err
    assert foreign_characters(err) == []


# -- the real command ------------------------------------------------------------


def demo_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "ai_infra_executor", "demo", *args]


@pytest.fixture
def evil_roadmap(tmp_path: Path) -> Path:
    path = tmp_path / "evil.md"
    lines = [f"- [ ] {HOSTILE} (src/{n}.py)" for n in range(2)]
    path.write_text("# Evil\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_in_terminal(command: list[str], timeout: float = 60) -> tuple[int, str]:
    """Run *command* with a pseudo-terminal (100 x 30) as its stdin, stdout and
    stderr; its exit status and all it wrote.

    ``subprocess`` starts the child (no ``pty.fork()``: forking a process that has
    threads may deadlock the child).
    """
    main_fd, child_fd = pty.openpty()
    env = {**os.environ, "COLUMNS": "100", "LINES": "30", "TERM": "xterm-256color"}
    env.pop("FORCE_COLOR", None)
    process = subprocess.Popen(
        command, stdin=child_fd, stdout=child_fd, stderr=child_fd, env=env, start_new_session=True
    )
    os.close(child_fd)
    output = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([main_fd], [], [], 0.5)
            if not ready:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(main_fd, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            output += chunk
    finally:
        os.close(main_fd)
    return process.wait(timeout=timeout), output.decode("utf-8", "replace")


def test_the_demo_in_a_terminal_shows_a_hostile_roadmap_safely(evil_roadmap: Path):
    status, output = run_in_terminal(
        demo_command("--roadmap", str(evil_roadmap), "--latency-scale", "0.05")
    )
    assert status == 0, output[-2000:]
    assert "\x1b[1A" in output  # a live display was drawn
    assert "Fix " in output
    assert foreign_characters(output) == []


def test_the_live_view_cut_short_by_head_exits_0_quietly():
    head = shutil.which("head")
    if head is None:
        pytest.skip("no head command")
    producer = subprocess.Popen(
        demo_command("--format", "rich", "--latency-scale", "0.2"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "FORCE_COLOR": "1"},
    )
    reader = subprocess.Popen([head, "-c", "300"], stdin=producer.stdout, stdout=subprocess.PIPE)
    assert producer.stdout is not None
    assert producer.stderr is not None
    producer.stdout.close()
    shown, _ = reader.communicate(timeout=60)
    err = producer.stderr.read().decode("utf-8", "replace")
    producer.stderr.close()
    assert (producer.wait(timeout=60), err) == (0, "")
    assert len(shown) == 300


def test_the_demo_with_stdout_closed_says_so_and_exits_2():
    result = subprocess.run(
        demo_command("--latency-scale", "0"),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        pass_fds=(),
        preexec_fn=lambda: os.close(1),
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert b"stdout is closed" in result.stderr


def test_the_live_view_on_an_ascii_stdout_writes_question_marks():
    result = subprocess.run(
        demo_command("--format", "rich", "--latency-scale", "0"),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env={**os.environ, "FORCE_COLOR": "1", "PYTHONIOENCODING": "ascii"},
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, b"")
    assert b"Executor run complete" in result.stdout
    assert b"?" in result.stdout  # the symbols ASCII cannot hold


def test_a_failing_stderr_never_fails_the_prompt(monkeypatch: pytest.MonkeyPatch):
    class BrokenStderr(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stderr", BrokenStderr())
    assert _decide({"question": "Apply?"}, approve=True) == "approve"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_as_the_live_view_starts_is_an_output_error():
    with open("/dev/full", "w", encoding="utf-8") as full:
        result = subprocess.run(
            demo_command("--format", "rich", "--latency-scale", "0"),
            stdin=subprocess.DEVNULL,
            stdout=full,
            stderr=subprocess.PIPE,
            env={**os.environ, "FORCE_COLOR": "1"},
            timeout=60,
            check=False,
        )
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 1
    assert err.startswith("ai-infra-executor: error: cannot write the output: "), err
    assert err.count("\n") == 1
