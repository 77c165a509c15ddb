"""Issue 11 item 15, the formatter side.

- ``PlainFormatter(show_timestamps=...)``, an argument of ai-infra's
  ``PlainFormatter(colors_enabled, show_timing, show_timestamps)``, is accepted
  (by keyword and positionally) and, as there, changes nothing in the output.
- A ``node_error`` whose message already ends with what its error says
  ("Node error: plan - bad input" with "ValueError: bad input", as the
  executor's builder writes them) is printed once; any other message is still
  followed by ``: error``.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from fmt_support import make_console

from ai_infra_formatters import ConsoleFormatter
from ai_infra_formatters.console import PlainFormatter

EVENTS: list[dict[str, Any]] = [
    {"type": "task_start", "message": "Starting task [2/5]: Add auth", "task": {"title": "A"}},
    {"type": "node_end", "node_name": "plan", "message": "Completed node: plan", "duration_ms": 5},
    {"type": "token", "content": "Hello"},
    {"type": "tool_end", "tool": "search", "latency_ms": 12.5, "result": "3 hits"},
]


def test_show_timestamps_is_accepted_and_kept() -> None:
    assert PlainFormatter(show_timestamps=True).show_timestamps is True
    assert PlainFormatter().show_timestamps is False
    formatter = PlainFormatter(False, False, True, console=make_console())
    assert (formatter.colors_enabled, formatter.show_timing, formatter.show_timestamps) == (
        False,
        False,
        True,
    )


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e["type"])
def test_show_timestamps_adds_a_time_column_to_every_line_but_tokens(
    event: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    try:
        stamped = {**event, "timestamp": 3 * 3600 + 4 * 60 + 5}
        console = make_console()
        with_flag = PlainFormatter(colors_enabled=False, show_timestamps=True, console=console)
        without = PlainFormatter(colors_enabled=False, console=console)
        if event["type"] == "token":
            assert with_flag.format(stamped) == without.format(stamped)
        else:
            assert with_flag.format(stamped) == f"03:04:05 {without.format(stamped)}"
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_the_time_column_reads_iso_text_and_falls_back_to_now() -> None:
    formatter = ConsoleFormatter(
        "plain", colors_enabled=False, show_timestamps=True, console=make_console()
    )
    iso = formatter.format({"type": "tool_start", "tool": "t", "timestamp": "2026-11-30T14:03:07Z"})
    assert iso.endswith(" ⚙ t")
    assert len(iso.split(" ")[0]) == 8  # HH:MM:SS, in local time
    for bad in (float("nan"), 1e20, "yesterday", None, [1]):
        line = formatter.format({"type": "tool_start", "tool": "t", "timestamp": bad})
        assert line.split(" ", 1)[1] == "⚙ t"


def _headline(event: dict[str, Any]) -> str:
    formatter = ConsoleFormatter("plain", colors_enabled=False, console=make_console(width=200))
    return formatter.format(event)


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("Node error: plan - bad input", "ValueError: bad input"),
        ("Node error: plan - disk full", "disk full"),
        ("Node error: plan - a: b", "ValueError: a: b"),
        ("Node error: plan - RuntimeError", "RuntimeError"),
    ],
)
def test_a_node_error_message_that_says_the_error_is_printed_once(message: str, error: str) -> None:
    line = _headline(
        {"type": "node_error", "node_name": "plan", "message": message, "error": error}
    )
    assert line == f"✗ [plan] {message}"


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("Node plan failed", "ValueError: bad input"),
        ("Node plan failed", "d"),
        ("Node error: plan - bad", "ValueError: bad input"),
    ],
)
def test_any_other_node_error_message_is_followed_by_the_error(message: str, error: str) -> None:
    line = _headline(
        {"type": "node_error", "node_name": "plan", "message": message, "error": error}
    )
    assert line == f"✗ [plan] {message}: {error}"


def test_the_old_executor_message_alone_still_prints() -> None:
    assert _headline({"type": "node_error", "message": "Node error: plan - x"}) == (
        "✗ Node error: plan - x"
    )
