"""Console output people can read: error texts, skipped tasks, custom events (issue 12)."""

from __future__ import annotations

from typing import Any

import pytest

from ai_infra_formatters import ConsoleFormatter

LAYOUTS = ["plain", "minimal", "rich"]


def shown(layout: str, event: dict[str, Any]) -> str:
    return ConsoleFormatter(layout, colors_enabled=False).format(event)


@pytest.mark.parametrize("layout", LAYOUTS)
def test_an_error_with_a_message_shows_both(layout: str) -> None:
    event = {"type": "error", "error": "rate limited", "message": "Request failed"}
    assert shown(layout, event).split("\n")[0] == "✗ Request failed: rate limited"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_failed_task_shows_why(layout: str) -> None:
    event = {
        "type": "task_failed",
        "task": {"title": "Move settings"},
        "message": "Failed task [2/3]: Move settings",
        "error": "3 tests failed",
        "duration_ms": 6540,
    }
    assert shown(layout, event) == "✗ Failed task [2/3]: Move settings: 3 tests failed (6.54s)"


@pytest.mark.parametrize("layout", ["plain", "minimal"])
def test_an_error_of_several_lines_stays_on_one_line_in_line_layouts(layout: str) -> None:
    event = {"type": "task_failed", "task": {"title": "T"}, "error": "3 tests failed\nE: x"}
    assert shown(layout, event) == "✗ Failed task: T: 3 tests failed\u21b5E: x"


def test_the_rich_layout_shows_an_error_once() -> None:
    # The builder's message already ends with the error: the panel alone shows its lines.
    event = {
        "type": "task_failed",
        "message": "Task failed: Move settings - 3 tests failed\nE: x",
        "error": "3 tests failed\nE: x",
    }
    out = shown("rich", event)
    assert out.split("\n")[0] == "✗ Task failed: Move settings"
    assert out.count("3 tests failed") == 1
    assert "│ E: x" in out
    # A one-line error the headline already says gets no panel.
    one_line = shown("rich", {"type": "error", "error": "boom", "message": "Failed"})
    assert one_line == "✗ Failed: boom"


def test_a_node_error_keeps_its_exception_type_in_the_rich_panel() -> None:
    event = {
        "type": "node_error",
        "node_name": "verifier",
        "message": "Node error: verifier - Verification failed",
        "error": "ValueError: Verification failed",
    }
    assert shown("plain", event) == "✗ [verifier] Node error: verifier - Verification failed"
    assert "│ ValueError: Verification failed │" in shown("rich", event)


def test_the_minimal_layout_shows_a_skipped_task() -> None:
    event = {"type": "task_skipped", "message": "Skipped task: Setup - already done"}
    assert shown("minimal", event) == "○ Skipped task: Setup - already done"


def test_the_rich_layout_does_not_repeat_the_run_summary_as_data() -> None:
    event = {
        "type": "run_end",
        "message": "Executor run complete: 3 completed, 0 failed, 0 skipped",
        "data": {"completed": 3, "failed": 0, "skipped": 0},
    }
    assert shown("rich", event) == "■ Executor run complete: 3 completed, 0 failed, 0 skipped"


@pytest.mark.parametrize("layout", ["plain", "rich"])
def test_a_custom_event_keeps_its_fields(layout: str) -> None:
    assert shown(layout, {"type": "my_custom", "foo": 1, "bar": "x"}) == "• my_custom foo=1 bar=x"
    hostile = shown(layout, {"type": "my_custom", "k\x1b[2J": "v\x9b31m"})
    assert "\x1b" not in hostile
    assert "\x9b" not in hostile


def test_a_value_of_several_lines_is_an_indented_block_in_the_rich_layout() -> None:
    event = {"type": "tool_end", "tool": "read", "result": "def f():\n    return 1\n"}
    assert shown("rich", event) == ("\u2713 read\n    result:\n      def f():\n          return 1")
    hostile = shown("rich", {"type": "tool_end", "tool": "read", "result": "a\x1b[2J\nb"})
    assert hostile == "\u2713 read\n    result:\n      a\u241b[2J\n      b"


def test_internal_ids_show_only_when_debugging() -> None:
    event = {
        "type": "interrupt",
        "node_name": "approve",
        "data": {"value": {"question": "Apply?"}, "interrupt_id": "9f2c1e"},
    }
    for visibility in ("standard", "detailed"):
        formatter = ConsoleFormatter("rich", colors_enabled=False, visibility=visibility)
        out = formatter.format(event)
        assert "Apply?" in out
        assert "9f2c1e" not in out
    for visibility in ("debug", None):
        formatter = ConsoleFormatter("rich", colors_enabled=False, visibility=visibility)
        assert "9f2c1e" in formatter.format(event)
