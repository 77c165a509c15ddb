"""A failed tool call (a ``tool_end`` with ``error``) reads as failed in every console layout."""

from __future__ import annotations

from typing import Any

import pytest
from fmt_support import SAMPLE_EVENTS, StreamEvent, make_console, sgr_sequences, strip_sgr

from ai_infra_formatters import ConsoleFormatter
from ai_infra_formatters.layouts import is_failed_tool, shown_in_minimal

LAYOUTS = ("plain", "rich", "minimal")
VISIBILITIES = ("standard", "detailed", "debug")

FAILED: dict[str, Any] = {
    "type": "tool_end",
    "tool": "lookup",
    "tool_id": "call_9",
    "result": "no data for Rome",
    "error": "no data for Rome",
    "latency_ms": 12.0,
    "node_name": "tools",
}


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_failed_tool_end_shows_the_error_mark_and_text(layout: str, visibility: str) -> None:
    formatter = ConsoleFormatter(
        layout, colors_enabled=False, console=make_console(), visibility=visibility
    )
    headline = formatter.format(FAILED).split("\n")[0]
    assert headline == "✗ [tools] lookup failed: no data for Rome (12ms)"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_failed_tool_end_is_painted_in_the_error_style(layout: str) -> None:
    formatter = ConsoleFormatter(layout, console=make_console(color_system="standard"))
    error_mark = sgr_sequences(formatter.format({"type": "error", "error": "x"}))[0]
    out = formatter.format(FAILED)
    assert out.startswith(f"{error_mark}✗")
    assert f"{error_mark}failed: no data for Rome" in out
    success = formatter.format(SAMPLE_EVENTS["tool_end"])
    if layout == "minimal":
        assert success == ""
    else:
        assert strip_sgr(success).startswith("✓ web_search")
        assert error_mark not in success


def test_rich_layout_keeps_the_result_rows_of_a_failed_tool() -> None:
    formatter = ConsoleFormatter("rich", colors_enabled=False, console=make_console())
    assert formatter.format(FAILED).split("\n")[1:] == ["    result: no data for Rome"]


def test_a_failed_tool_event_object_is_shown_failed() -> None:
    event = StreamEvent(type="tool_end", tool="lookup", result="boom", error="boom")
    formatter = ConsoleFormatter("plain", colors_enabled=False, console=make_console())
    assert formatter.format(event) == "✗ lookup failed: boom"


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        ("line one\nline two", "failed: line one↵line two"),
        ({"code": 7}, 'failed: {"code":7}'),
        ("\x1b[31mred", "failed: ␛[31mred"),
    ],
)
def test_the_error_text_is_one_safe_line(error: Any, shown: str) -> None:
    formatter = ConsoleFormatter("plain", colors_enabled=False, console=make_console())
    out = formatter.format({**FAILED, "error": error, "latency_ms": None})
    assert out == f"✗ [tools] lookup {shown}"


def test_a_failed_tool_without_a_name_still_reads_failed() -> None:
    formatter = ConsoleFormatter("plain", colors_enabled=False, console=make_console())
    out = formatter.format({"type": "tool_end", "error": "bad arguments"})
    assert out == "✗ Tool failed: bad arguments"


@pytest.mark.parametrize("error", [None, ""])
def test_an_unset_error_is_a_success(error: Any) -> None:
    event = {**SAMPLE_EVENTS["tool_end"], "error": error}
    assert not is_failed_tool("tool_end", event)
    assert not shown_in_minimal("tool_end", event)
    formatter = ConsoleFormatter("plain", colors_enabled=False, console=make_console())
    assert formatter.format(event).startswith("✓ web_search")


def test_only_tool_end_can_be_a_failed_tool() -> None:
    assert not is_failed_tool("tool_start", FAILED)
    assert is_failed_tool("tool_end", FAILED)
    assert shown_in_minimal("tool_end", FAILED)
    assert shown_in_minimal("error", {})
    assert not shown_in_minimal("tool_start", FAILED)


def test_unreadable_fields_are_not_a_failed_tool() -> None:
    class Hostile(dict[str, Any]):
        def get(self, key: str, default: Any = None) -> Any:
            raise RuntimeError("no")

    assert not is_failed_tool("tool_end", Hostile())
