"""The layout is a table (issue 12, "Structure"), compiled once per formatter.

:data:`~ai_infra_formatters.layouts.LINES` says, per event type, what its line
shows; :class:`~ai_infra_formatters.line_builders.LineBuilders` compiles a table
for one set of style codes and options into line builders. These tests give it a
table of their own and check that the lines are what the table says; then they
check the shortcuts the fast paths take: each gives what the general path gives.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from ai_infra_formatters.console import ConsoleFormatter
from ai_infra_formatters.formats import OutputFormat
from ai_infra_formatters.layouts import (
    LINES,
    SYMBOLS,
    Line,
    MessageOr,
    TextOptions,
    format_duration,
)
from ai_infra_formatters.line_builders import LineBuilders
from ai_infra_formatters.text_safety import safe_line, safe_text
from ai_infra_formatters.theme import DEFAULT_STYLES

CODES = {
    "ai_infra.launch": ("<L>", "</L>"),
    "ai_infra.fetch": ("<F>", "</F>"),
    "ai_infra.alarm": ("<A>", "</A>"),
    "ai_infra.node": ("<N>", "</N>"),
    "ai_infra.tool": ("<T>", "</T>"),
    "ai_infra.timing": ("<t>", "</t>"),
}
TABLE = {
    "launch": Line("★", MessageOr("Launched", task="Launching")),
    "fetch": Line(
        "⇣", lambda f: None if f.get("tool") is None else str(f["tool"]), shows_tool=True
    ),
    "alarm": Line("!", joins_error=True),
}


def builders(**options: Any) -> LineBuilders:
    return LineBuilders(CODES, TextOptions(**options), detail=False, table=TABLE)


class Unreadable:
    def __bool__(self) -> bool:
        raise RuntimeError("no truth value")

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no equality")

    __hash__ = object.__hash__


def test_a_line_is_what_its_table_entry_says() -> None:
    lines = builders()
    assert lines.line("launch", {"type": "launch"}) == "<L>★</L> <L>Launched</L>"
    task = {"type": "launch", "task": {"title": "Deploy"}}
    assert lines.line("launch", task) == "<L>★</L> <L>Launching: Deploy</L>"
    full = {"type": "launch", "message": "go", "node_name": "api", "tool": "curl",
            "duration_ms": 2500.0}  # fmt: skip
    assert (
        lines.line("launch", full) == "<L>★</L> <N>[api]</N> <L>go</L> <T>(curl)</T> <t>(2.50s)</t>"
    )
    assert lines.line("fetch", {"type": "fetch", "tool": "wget"}) == "<F>⇣</F> <T>wget</T>"
    assert lines.line("fetch", {"type": "fetch", "message": "m"}) == "<F>⇣</F> <F>m</F>"
    alarm = {"type": "alarm", "message": "Request failed", "error": "rate limited"}
    assert lines.line("alarm", alarm) == "<A>!</A> <A>Request failed: rate limited</A>"


def test_options_are_compiled_in() -> None:
    event = {"type": "launch", "message": "x" * 30, "duration_ms": 5.0}
    assert builders(show_timing=False, max_value_length=4).line("launch", event) == (
        "<L>★</L> <L>xxxx… [+26 chars]</L>"
    )


def test_types_outside_the_table_and_unreadable_events() -> None:
    lines = builders()
    assert lines.line("tool_start", {"type": "tool_start", "tool_id": "t", "foo": 1}) == (
        "• tool_start tool_id=t foo=1"  # not in this table: a custom event, unpainted
    )
    assert lines.line("launch", {"type": "launch", "message": Unreadable()}) == (
        "<L>★</L> <L><unreadable launch event></L>"
    )
    assert lines.line("x\x1b[2J", {"type": "x\x1b[2J", "message": Unreadable()}) == (
        "• <unreadable x␛[2J event>"
    )


def test_values_pass_the_safety_gate() -> None:
    event = {"type": "launch", "message": "a\x1b]0;owned\x07", "node_name": "n\u202e",
             "tool": "t\nu"}  # fmt: skip
    line = builders().line("launch", event)
    assert "\x1b]" not in line
    assert "\u202e" not in line
    assert "\n" not in line
    assert "<N>[n<U+202E>]</N>" in line


def test_every_known_type_has_a_line_and_a_style() -> None:
    assert set(SYMBOLS) == set(LINES)
    for etype in LINES:
        assert f"ai_infra.{etype}" in DEFAULT_STYLES, etype


# -- the fast paths' shortcuts -----------------------------------------------------


@given(st.text())
def test_printable_text_passes_the_gate_unchanged(text: str) -> None:
    # format() and layouts._text give printable text back without calling the gate.
    if text.isprintable():
        assert safe_text(text) == text
        assert safe_line(text) == text


@given(st.floats(min_value=0, max_value=1000, exclude_max=True) | st.sampled_from([-0.0, 0.5]))
def test_durations_under_a_second_read_as_formatted(ms: float) -> None:
    assert format_duration(ms) == f"{ms:.0f}ms"


@dataclass
class InPlace:
    """Shaped like ai-infra's StreamEvent: event_view reads it through its __dict__."""

    type: str
    content: Any = None
    tool: Any = None
    tool_id: Any = None
    arguments: Any = None
    result: Any = None
    result_structured: Any = None
    preview: Any = None
    latency_ms: Any = None
    model: Any = None
    tools_called: Any = None
    error: Any = None
    input_tokens: Any = None
    output_tokens: Any = None
    cost: Any = None
    turn_id: Any = None
    todo_items: Any = None
    timestamp: Any = None


class Presents:
    """Its attributes are not its fields: event_view reads its to_dict()."""

    def __init__(self, shown: str) -> None:
        self.type = "token"
        self.content = "attribute, not a field"
        self.shown = shown

    def to_dict(self) -> dict[str, Any]:
        return {"type": "token", "content": self.shown}


def plain() -> ConsoleFormatter:
    console = Console(file=io.StringIO(), force_terminal=True, color_system="truecolor")
    return ConsoleFormatter("plain", console=console)


@given(st.text(), st.sampled_from(["token", "tool_start", "reasoning", "usage", "mine"]))
def test_every_shape_of_an_event_reads_the_same(content: str, etype: str) -> None:
    fmt = plain()
    as_dict = fmt.format({"type": etype, "content": content, "tool": content or None})
    for _ in range(2):  # the first of a class, and one met before
        assert fmt.format(InPlace(etype, content, tool=content or None)) == as_dict


def test_an_object_is_read_the_way_event_view_reads_it() -> None:
    fmt = plain()
    assert [fmt.format(Presents("one")), fmt.format(Presents("two"))] == ["one", "two"]


@given(st.text())
def test_a_token_is_its_safe_text(content: str) -> None:
    fmt = plain()
    assert fmt.format({"type": "token", "content": content}) == safe_text(content)
    assert fmt.format(InPlace("token", content)) == safe_text(content)


def test_a_layout_set_after_construction_is_the_one_used() -> None:
    fmt = plain()
    token = {"type": "token", "content": "hi"}
    tool = {"type": "tool_start", "tool": "add"}
    assert fmt.format(token) == "hi"
    fmt.layout = "minimal"
    assert fmt.format(token) == ""
    assert fmt.format(tool) == ""
    fmt.layout = OutputFormat.JSON
    assert fmt.format(tool) == '{"type":"tool_start","tool":"add"}'
    fmt.layout = OutputFormat.PLAIN
    assert fmt.format(tool).endswith("add\x1b[0m")
