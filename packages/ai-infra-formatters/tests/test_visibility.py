"""Visibility levels hide the same events and fields in every format."""

from __future__ import annotations

import io
from typing import Any

import orjson
import pytest
from fmt_support import EXECUTOR_TYPES, SAMPLE_EVENTS, StreamEvent, make_console

from ai_infra_formatters import (
    ConsoleFormatter,
    JsonFormatter,
    filter_fields,
    get_formatter,
    should_emit_event,
    stream_to_console,
)
from ai_infra_formatters.event_types import CORE_EVENT_TYPES, EXECUTOR_EVENT_TYPES
from ai_infra_formatters.visibility import (
    hidden_event_types,
    hidden_fields,
    parse_visibility,
)

LEVELS = ("minimal", "standard", "detailed", "debug")

TOOL_START: dict[str, Any] = {
    "type": "tool_start",
    "tool": "search",
    "arguments": {"query": "ARGS-MARK"},
}
TOOL_END: dict[str, Any] = {
    "type": "tool_end",
    "tool": "search",
    "result": "RESULT-MARK",
    "preview": "PREVIEW-MARK",
    "latency_ms": 5,
}

#: Which of the three marked fields each level keeps.
KEPT: dict[str, set[str]] = {
    "minimal": set(),  # tool events are not shown at all
    "standard": set(),
    "detailed": {"ARGS-MARK", "RESULT-MARK"},
    "debug": {"ARGS-MARK", "RESULT-MARK", "PREVIEW-MARK"},
}
MARKS = ("ARGS-MARK", "RESULT-MARK", "PREVIEW-MARK")


def render_all(fmt: str, visibility: str, events: list[Any]) -> str:
    """Every event through *fmt* at *visibility*, joined by newlines."""
    if fmt == "json":
        formatter: Any = JsonFormatter(visibility=visibility)
    else:
        formatter = ConsoleFormatter(
            fmt, colors_enabled=False, visibility=visibility, console=make_console()
        )
    return "\n".join(formatter.format(e) for e in events)


# -- the rules themselves ---------------------------------------------------------


def test_parse_visibility() -> None:
    assert parse_visibility(" Debug ") == "debug"
    for level in LEVELS:
        assert parse_visibility(level.upper()) == level
    with pytest.raises(ValueError, match="verbose") as info:
        parse_visibility("verbose")
    for level in LEVELS:
        assert level in str(info.value)


def test_formatters_reject_unknown_visibility() -> None:
    with pytest.raises(ValueError, match="loud"):
        JsonFormatter(visibility="loud")
    with pytest.raises(ValueError, match="loud"):
        ConsoleFormatter(visibility="loud")


@pytest.mark.parametrize(
    ("etype", "lowest"),
    [
        ("token", "minimal"),
        ("error", "minimal"),
        ("thinking", "standard"),
        ("reasoning", "standard"),
        ("tool_start", "standard"),
        ("tool_end", "standard"),
        ("turn_start", "standard"),
        ("turn_end", "standard"),
        ("intent", "standard"),
        ("todo", "standard"),
        ("done", "standard"),
        ("usage", "detailed"),
    ],
)
def test_should_emit_event_core_types(etype: str, lowest: str) -> None:
    shown = [should_emit_event(etype, level) for level in LEVELS]
    start = LEVELS.index(lowest)
    assert shown == [i >= start for i in range(len(LEVELS))]


@pytest.mark.parametrize("etype", [*EXECUTOR_TYPES, "brand_new_type"])
def test_executor_and_unknown_types_always_shown(etype: str) -> None:
    assert all(should_emit_event(etype, level) for level in LEVELS)


@pytest.mark.parametrize("level", ["minimal", "standard", "detailed", "debug", "no-such-level"])
def test_hidden_event_types_are_the_types_should_emit_event_refuses(level: str) -> None:
    every_type = (*CORE_EVENT_TYPES, *EXECUTOR_EVENT_TYPES, "made_up")
    refused = {etype for etype in every_type if not should_emit_event(etype, level)}
    assert hidden_event_types(level) == refused


def test_hidden_fields_per_level() -> None:
    assert hidden_fields("minimal") == frozenset()
    assert {"arguments", "result", "preview"} <= hidden_fields("standard")
    assert hidden_fields("detailed") == frozenset({"preview"})
    assert hidden_fields("debug") == frozenset()


def test_filter_fields_does_not_mutate() -> None:
    fields = dict(TOOL_END)
    kept = filter_fields(fields, "standard")
    assert kept == {"type": "tool_end", "tool": "search", "latency_ms": 5}
    assert fields == TOOL_END
    assert filter_fields(fields, "debug") is fields


def test_structured_result_is_stripped_at_standard() -> None:
    event = StreamEvent(type="tool_end", tool="t", result={"a": 1}, result_structured=True)
    data = orjson.loads(JsonFormatter(visibility="standard").format(event))
    assert data == {"type": "tool_end", "tool": "t"}
    data = orjson.loads(JsonFormatter(visibility="detailed").format(event))
    assert data["structured_result"] == {"a": 1}


# -- the same in every format -----------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "plain", "rich", "minimal"])
def test_minimal_hides_tool_events(fmt: str) -> None:
    for event in (TOOL_START, TOOL_END, SAMPLE_EVENTS["thinking"], SAMPLE_EVENTS["usage"]):
        assert render_all(fmt, "minimal", [event]) == ""
    assert "rate limited" in render_all(fmt, "minimal", [SAMPLE_EVENTS["error"]])


@pytest.mark.parametrize("fmt", ["json", "plain", "rich"])
def test_minimal_keeps_tokens(fmt: str) -> None:
    assert "Hello" in render_all(fmt, "minimal", [SAMPLE_EVENTS["token"]])


@pytest.mark.parametrize("fmt", ["json", "plain", "rich", "minimal"])
def test_executor_events_shown_at_minimal(fmt: str) -> None:
    out = render_all(fmt, "minimal", [SAMPLE_EVENTS["task_failed"]])
    assert "tests failed" in out or "Write the parser" in out


@pytest.mark.parametrize("fmt", ["json", "plain", "rich"])
@pytest.mark.parametrize("level", ["standard", "detailed", "debug"])
def test_tool_fields_per_level(fmt: str, level: str) -> None:
    out = render_all(fmt, level, [TOOL_START, TOOL_END])
    assert "search" in out
    for mark in MARKS:
        if fmt == "plain":
            # The plain layout shows no tool arguments or results at any level.
            assert mark not in out
        else:
            assert (mark in out) == (mark in KEPT[level]), (mark, out)


@pytest.mark.parametrize("level", LEVELS)
def test_minimal_layout_respects_visibility(level: str) -> None:
    done = render_all("minimal", level, [SAMPLE_EVENTS["done"]])
    assert (done != "") == (level != "minimal")
    assert render_all("minimal", level, [TOOL_END]) == ""


@pytest.mark.parametrize("fmt", ["json", "plain", "rich"])
def test_usage_needs_detailed(fmt: str) -> None:
    assert render_all(fmt, "standard", [SAMPLE_EVENTS["usage"]]) == ""
    assert "120" in render_all(fmt, "detailed", [SAMPLE_EVENTS["usage"]])


def test_no_visibility_shows_everything() -> None:
    json_out = JsonFormatter().format(TOOL_END)
    assert orjson.loads(json_out) == TOOL_END
    rich_out = ConsoleFormatter("rich", colors_enabled=False, console=make_console()).format(
        TOOL_END
    )
    for mark in ("RESULT-MARK", "PREVIEW-MARK"):
        assert mark in rich_out


def test_json_debug_keeps_every_field() -> None:
    assert orjson.loads(JsonFormatter(visibility="debug").format(TOOL_END)) == TOOL_END
    data = orjson.loads(JsonFormatter(visibility="detailed").format(TOOL_END))
    assert data == {k: v for k, v in TOOL_END.items() if k != "preview"}


def test_format_json_of_console_formatter_uses_its_visibility() -> None:
    formatter = ConsoleFormatter("rich", colors_enabled=False, visibility="standard")
    assert "RESULT-MARK" not in formatter.format_json(TOOL_END)
    assert orjson.loads(formatter.format_json(TOOL_END))["tool"] == "search"
    assert ConsoleFormatter(visibility="minimal").format_json(TOOL_END) == ""


def test_sse_respects_visibility() -> None:
    assert JsonFormatter(visibility="minimal").format_sse(TOOL_END) == ""
    frame = JsonFormatter(visibility="standard").format_sse(TOOL_END)
    assert "RESULT-MARK" not in frame
    assert frame.startswith("data: ")


@pytest.mark.parametrize("fmt", ["json", "plain", "rich", "minimal"])
def test_get_formatter_passes_visibility(fmt: str) -> None:
    formatter = get_formatter(fmt, colors_enabled=False, visibility="minimal")
    assert formatter.format(TOOL_START) == ""
    detailed = get_formatter(fmt, colors_enabled=False, visibility="detailed")
    if fmt in ("json", "rich"):
        assert "ARGS-MARK" in detailed.format(TOOL_START)


def test_stream_to_console_with_a_visibility_formatter() -> None:
    buf = io.StringIO()
    formatter = get_formatter("plain", colors_enabled=False, visibility="minimal", stream=buf)
    for event in (SAMPLE_EVENTS["token"], TOOL_START, SAMPLE_EVENTS["error"]):
        stream_to_console(event, formatter=formatter, stream=buf)
    assert buf.getvalue() == "Hello\n✗ rate limited by provider\n"
