"""Issue 11 item 15: error texts as the old executor wrote them.

- ``create_node_error_event(...).message`` carries the error text again
  ("Node error: verifier - Verification failed"), and the console prints it once.
- A task error given as the executor's error dict (``{"error_type": ...,
  "message": ...}``) reads as its message, never as the dict's repr: from the
  builder and from a graph whose failure node receives such a dict.
"""

from __future__ import annotations

import io
from typing import Any, TypedDict

import pytest
from graph_support import collect
from langgraph.graph import END, START, StateGraph
from rich.console import Console

from ai_infra_executor import (
    StreamingExecutor,
    create_node_error_event,
    create_task_failed_event,
)
from ai_infra_formatters import ConsoleFormatter, OutputFormat

ERROR_DICT = {
    "error_type": "verification",
    "message": "Verification failed",
    "node": "verify",
    "task_id": "2",
    "recoverable": True,
}
TASK = {"id": "2", "title": "Add auth"}


def test_node_error_message_carries_the_error_text():
    event = create_node_error_event("verifier", ValueError("Verification failed"), 12.0)
    assert event.message == "Node error: verifier - Verification failed"
    assert event.error == "ValueError: Verification failed"
    assert event.data == {"error_type": "ValueError", "error_message": "Verification failed"}


@pytest.mark.parametrize(
    ("error", "message", "error_field"),
    [
        (RuntimeError(), "Node error: n - RuntimeError", "RuntimeError"),
        ("disk full", "Node error: n - disk full", "disk full"),
        (ERROR_DICT, "Node error: n - Verification failed", "Verification failed"),
    ],
    ids=["silent-exception", "text", "error-dict"],
)
def test_node_error_message_for_other_errors(error, message, error_field):
    event = create_node_error_event("n", error, 1.0)
    assert (event.message, event.error) == (message, error_field)


def test_task_error_dict_reads_as_its_message():
    event = create_task_failed_event(TASK, ERROR_DICT, 5.0)
    assert event.message == "Task failed: Add auth - Verification failed"
    assert event.error == "Verification failed"
    assert event.data == {"error": "Verification failed"}


class _Raising(dict[str, Any]):
    def get(self, key: str, default: Any = None) -> Any:
        raise RuntimeError("no")


@pytest.mark.parametrize(
    ("error", "text"),
    [
        ({"error_type": "timeout"}, "{'error_type': 'timeout'}"),
        ({"error_type": "timeout", "message": ""}, "{'error_type': 'timeout', 'message': ''}"),
        ({"message": 42}, "42"),
        (_Raising(), "<unreadable error: RuntimeError>"),
    ],
    ids=["no-message", "empty-message", "non-text-message", "raising-get"],
)
def test_an_error_dict_without_a_usable_message_falls_back(error, text):
    assert create_task_failed_event(TASK, error, 1.0).error == text


def _formatter(layout: OutputFormat) -> ConsoleFormatter:
    console = Console(file=io.StringIO(), width=200)
    return ConsoleFormatter(layout, colors_enabled=False, console=console)


@pytest.mark.parametrize("layout", [OutputFormat.PLAIN, OutputFormat.RICH, OutputFormat.MINIMAL])
def test_every_layout_prints_the_node_error_once(layout):
    event = create_node_error_event("verifier", ValueError("Verification failed"), 12.0)
    headline = _formatter(layout).format(event).splitlines()[0]
    assert "Node error: verifier - Verification failed" in headline
    assert headline.count("Verification failed") == 1


def test_the_rich_layout_still_shows_the_exception_in_its_panel():
    event = create_node_error_event("verifier", ValueError("Verification failed"), 12.0)
    assert "ValueError: Verification failed" in _formatter(OutputFormat.RICH).format(event)


@pytest.mark.parametrize("layout", [OutputFormat.PLAIN, OutputFormat.RICH, OutputFormat.MINIMAL])
def test_every_layout_prints_a_task_error_dict_as_its_message(layout):
    text = _formatter(layout).format(create_task_failed_event(TASK, ERROR_DICT, 5.0))
    assert "Task failed: Add auth - Verification failed" in text
    assert "error_type" not in text


class _State(TypedDict, total=False):
    todos: list[dict[str, Any]]
    current_task: dict[str, Any] | None
    error: dict[str, Any] | None


def _failing_graph() -> Any:
    """pick_task -> execute_task (sets the executor's error dict) -> handle_failure."""
    graph = StateGraph(_State)
    graph.add_node("pick_task", lambda s: {"current_task": s["todos"][0]})
    graph.add_node("execute_task", lambda s: {"error": dict(ERROR_DICT)})
    graph.add_node("handle_failure", lambda s: {"current_task": None})
    graph.add_edge(START, "pick_task")
    graph.add_edge("pick_task", "execute_task")
    graph.add_edge("execute_task", "handle_failure")
    graph.add_edge("handle_failure", END)
    return graph.compile()


async def test_a_graph_failing_with_the_error_dict_reports_its_message():
    events = await collect(StreamingExecutor(_failing_graph()).astream_events({"todos": [TASK]}))
    (failed,) = [e for e in events if e.type == "task_failed"]
    assert failed.message == "Task failed: Add auth - Verification failed"
    assert failed.error == "Verification failed"
