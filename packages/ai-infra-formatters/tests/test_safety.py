"""Untrusted text never reaches the terminal as escapes, controls, bidi tricks or markup."""

from __future__ import annotations

import sys
from typing import Any

import orjson
import pytest
from fmt_support import (
    BIDI_CONTROLS,
    SAMPLE_EVENTS,
    assert_terminal_safe,
    make_console,
    sgr_sequences,
    strip_sgr,
)

from ai_infra_formatters import ConsoleFormatter, JsonFormatter
from ai_infra_formatters.text_safety import safe_line, safe_text, truncate

LAYOUTS = ("plain", "rich", "minimal")

#: Escape sequences a hostile model or tool might emit.
HOSTILE_PAYLOADS = (
    "\x1b[31mRED\x1b[0m",  # CSI SGR
    "\x1b[2J\x1b[H",  # clear screen, cursor home
    "\x1b]0;pwned title\x07",  # OSC set title, BEL-terminated
    "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\",  # OSC 8 hyperlink, ST
    "\x1b]52;c;ZXZpbA==\x07",  # OSC 52 clipboard write
    "\x9b31m",  # C1 CSI
    "\x9d0;title\x9c",  # C1 OSC ... ST
    "\x1bP+q\x1b\\",  # DCS
    "a\rOVERWRITE",  # carriage return
    "bell\x07back\x08\x7fdel",
    "\x00nul\x0bvt\x0cff",
    "safe\u202egnp.exe\u202c",  # right-to-left override
    "\u2066isolate\u2069",
)

#: Every text field a layout shows, each set to *text*.
FIELDS = (
    "content",
    "message",
    "error",
    "tool",
    "node_name",
    "model",
    "preview",
    "result",
)


def hostile_events(payload: str) -> list[dict[str, Any]]:
    """Events of every kind whose text fields all carry *payload*."""
    events: list[dict[str, Any]] = []
    for etype, sample in SAMPLE_EVENTS.items():
        event = dict(sample)
        for name in FIELDS:
            event[name] = payload
        event["arguments"] = {payload: payload}
        event["task"] = {"title": payload}
        event["todo_items"] = [{"title": payload, "status": payload}, payload]
        event["namespace"] = [payload]
        event["data"] = {"k": payload}
        event["state_snapshot"] = {"k": [payload]}
        event["type"] = etype
        events.append(event)
        # The same with a message-free body, so generic text fields are shown.
        bare = {"type": etype, "error": payload, "content": payload}
        events.append(bare)
    events.append({"type": payload, "content": payload})
    return events


@pytest.mark.parametrize("payload", HOSTILE_PAYLOADS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_colours_off_output_has_no_escapes_or_controls(layout: str, payload: str) -> None:
    formatter = ConsoleFormatter(layout, colors_enabled=False, console=make_console())
    for event in hostile_events(payload):
        out = formatter.format(event)
        assert_terminal_safe(out, allow_newline=layout == "rich" or event["type"] == "token")
        assert "\x1b" not in out


@pytest.mark.parametrize("payload", HOSTILE_PAYLOADS)
@pytest.mark.parametrize("layout", LAYOUTS)
def test_colours_on_only_theme_sgr_survives(layout: str, payload: str) -> None:
    formatter = ConsoleFormatter(layout, console=make_console(width=80))
    shown = 0
    for event in hostile_events(payload):
        out = formatter.format(event)
        shown += bool(out)
        for seq in sgr_sequences(out):
            assert seq in THEME_SGR, (seq, out)
        assert_terminal_safe(strip_sgr(out))
        if "\x1b" in payload:
            raw = payload.split("\x1b", 1)[1][:3]
            assert "\x1b" + raw not in out
    assert shown


def _theme_sgr() -> frozenset[str]:
    """Every SGR sequence the default theme can produce on a truecolor terminal."""
    from rich.color import ColorSystem
    from rich.style import Style

    from ai_infra_formatters.theme import DEFAULT_STYLES

    found = {"\x1b[0m"}
    for definition in DEFAULT_STYLES.values():
        rendered = Style.parse(definition).render("\x00", color_system=ColorSystem.TRUECOLOR)
        found.update(sgr_sequences(rendered))
    return frozenset(found)


THEME_SGR = _theme_sgr()


def test_the_csi_payload_itself_is_visible_but_inert() -> None:
    formatter = ConsoleFormatter(colors_enabled=False, console=make_console())
    out = formatter.format({"type": "error", "error": "\x1b[31mRED\x1b[0m"})
    assert out == "✗ ␛[31mRED␛[0m"
    token = formatter.format({"type": "token", "content": "\x1b]0;t\x07\x9b"})
    assert token == "␛]0;t␇\\x9b"


def test_bidi_override_is_shown_as_a_code_point() -> None:
    formatter = ConsoleFormatter(colors_enabled=False, console=make_console())
    assert formatter.format({"type": "intent", "content": "a\u202eb"}) == "→ a<U+202E>b"


@pytest.mark.parametrize("layout", LAYOUTS)
def test_rich_markup_prints_literally(layout: str) -> None:
    formatter = ConsoleFormatter(layout, colors_enabled=False, console=make_console())
    markup = "[bold red]x[/] [link=http://evil]y[/link] :smile: [/]"
    out = formatter.format({"type": "error", "error": markup})
    assert markup in out
    coloured = ConsoleFormatter(layout, console=make_console())
    assert markup in strip_sgr(coloured.format({"type": "error", "error": markup}))
    if layout != "minimal":
        token = formatter.format({"type": "token", "content": "[bold]hi[/bold]"})
        assert token == "[bold]hi[/bold]"
        assert formatter.format({"type": "tool_start", "tool": "[red]t[/]"}).endswith("[red]t[/]")


def test_rich_markup_in_panel_and_details() -> None:
    formatter = ConsoleFormatter("rich", console=make_console())
    out = strip_sgr(
        formatter.format(
            {"type": "task_failed", "task": {"title": "[b]T[/b]"}, "error": "[red]boom[/red]"}
        )
    )
    assert "[b]T[/b]" in out
    assert "[red]boom[/red]" in out
    details = strip_sgr(formatter.format({"type": "tool_start", "tool": "t", "arguments": "[i]"}))
    assert "arguments: [i]" in details


def test_json_keeps_the_text_exactly_and_escapes_it() -> None:
    payload = "\x1b[31mRED\x1b]0;t\x07\x9b\u202e[bold]"
    line = JsonFormatter().format({"type": "token", "content": payload})
    assert "\x1b" not in line
    assert "\x07" not in line
    assert orjson.loads(line)["content"] == payload


def test_safe_text_keeps_layout_safe_line_does_not() -> None:
    assert safe_text("a\tb\nc") == "a\tb\nc"
    assert safe_text("a\r\nb") == "a\nb"
    assert safe_line("a\tb\nc") == "a b↵c"
    assert safe_text("x\ud800y") == "x\ufffdy"
    plain = "nothing to see here"
    assert safe_text(plain) is plain
    assert safe_line(plain) is plain


# -- truncation --------------------------------------------------------------------------


def test_long_values_are_truncated_with_a_visible_marker() -> None:
    formatter = ConsoleFormatter("rich", colors_enabled=False, console=make_console())
    long = "y" * 5000
    out = formatter.format({"type": "tool_end", "tool": "t", "result": long})
    assert long not in out
    assert "y" * 2000 + "… [+3000 chars]" in out
    headline = formatter.format({"type": "error", "error": long}).split("\n")[0]
    assert headline.endswith("… [+3000 chars]")


def test_truncation_is_configurable() -> None:
    formatter = ConsoleFormatter(
        "plain",
        colors_enabled=False,
        console=make_console(),
        max_value_length=10,
        truncation_marker=" >>cut<<",
    )
    out = formatter.format({"type": "progress", "message": "0123456789abcdef"})
    assert out == "⋯ 0123456789 >>cut<< [+6 chars]"
    never = ConsoleFormatter(
        "plain", colors_enabled=False, console=make_console(), max_value_length=None
    )
    assert never.format({"type": "progress", "message": "z" * 10_000}) == "⋯ " + "z" * 10_000


def test_error_panel_is_truncated_too() -> None:
    formatter = ConsoleFormatter(
        "rich", colors_enabled=False, console=make_console(width=200), max_value_length=50
    )
    out = formatter.format({"type": "error", "error": "e" * 500})
    assert "e" * 51 not in out
    assert out.count("… [+450 chars]") == 2  # headline and panel


def test_token_text_is_never_truncated() -> None:
    formatter = ConsoleFormatter(colors_enabled=False, console=make_console(), max_value_length=5)
    assert formatter.format({"type": "token", "content": "t" * 100}) == "t" * 100


def test_ten_megabyte_value_in_console_and_json() -> None:
    big = "\x1b" + "m" * (10 * 1024 * 1024)
    event = {"type": "tool_end", "tool": "dump", "result": big, "error": big}
    console_out = ConsoleFormatter("rich", colors_enabled=False, console=make_console()).format(
        event
    )
    assert len(console_out) < 20_000
    assert "chars]" in console_out
    assert "\x1b" not in console_out
    json_out = orjson.loads(JsonFormatter().format(event))
    assert json_out["result"] == big


def test_truncate_function() -> None:
    assert truncate("abcdef", 3) == "abc… [+3 chars]"
    assert truncate("abcdef", 3, "~") == "abc~ [+3 chars]"
    assert truncate("abc", 3) == "abc"
    assert truncate("abcdef", None) == "abcdef"
    assert truncate("abcdef", 0) == "abcdef"


# -- nothing crashes a console formatter ------------------------------------------------------


class Hostile:
    """Every way an object can refuse to be read."""

    def __str__(self) -> str:
        raise RuntimeError("str")

    def __repr__(self) -> str:
        raise RuntimeError("repr")

    def __bool__(self) -> bool:
        raise RuntimeError("bool")

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("eq")

    __hash__ = object.__hash__


def deep(levels: int) -> Any:
    value: Any = "leaf"
    for _ in range(levels):
        value = [value]
    return value


def cyclic() -> dict[str, Any]:
    d: dict[str, Any] = {"a": 1}
    d["me"] = d
    return d


ODD_VALUES: tuple[Any, ...] = (
    None,
    10**5000,
    -(10**400),
    2**64,
    float("nan"),
    float("inf"),
    -1.5,
    b"\x1b[31m",
    {1, 2},
    Hostile(),
    deep(5000),
    cyclic(),
    {(1, 2): "tuple key"},
    "\ud800",
    "",
    [],
    {},
)
ODD_FIELDS = (
    "content",
    "message",
    "error",
    "tool",
    "node_name",
    "namespace",
    "task",
    "duration_ms",
    "latency_ms",
    "input_tokens",
    "output_tokens",
    "cost",
    "model",
    "turn_id",
    "tools_called",
    "todo_items",
    "arguments",
    "result",
    "data",
    "state_snapshot",
)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("value", ODD_VALUES, ids=lambda v: type(v).__name__)
def test_odd_values_in_every_field_never_crash(layout: str, value: Any) -> None:
    formatter = ConsoleFormatter(layout, colors_enabled=False, console=make_console())
    json_formatter = JsonFormatter()
    for etype in SAMPLE_EVENTS:
        for field in ODD_FIELDS:
            event = {"type": etype, field: value}
            out = formatter.format(event)
            assert_terminal_safe(out)
            if layout != "minimal" and not (etype == "token" and field != "content"):
                assert out or (etype == "token" and value in ("", None)), (etype, field)
            line = json_formatter.format(event)
            assert orjson.loads(line)["type"] == etype
        whole = dict.fromkeys(ODD_FIELDS, value)
        whole["type"] = etype
        assert_terminal_safe(formatter.format(whole))
        assert orjson.loads(json_formatter.format(whole))["type"] == etype


def test_unreadable_event_is_reported_not_raised() -> None:
    formatter = ConsoleFormatter(colors_enabled=False, console=make_console())
    assert formatter.format({"type": "error", "error": Hostile()}) == "✗ <unreadable error event>"
    assert formatter.format({"type": "node_start", "node_name": Hostile()}).startswith("→ ")


def test_huge_numbers_render_readably() -> None:
    formatter = ConsoleFormatter(colors_enabled=False, console=make_console())
    assert formatter.format({"type": "node_end", "duration_ms": 10**400}) == "← Node finished"
    usage = formatter.format({"type": "usage", "cost": 10**400, "input_tokens": 2**70})
    assert usage.startswith(f"Σ Usage: {2**70} in · $")
    turn = formatter.format({"type": "turn_end", "turn_id": 10**5000})
    # Python 3.11+ refuses str() of ints over 4300 digits: hex is shown instead.
    limited = hasattr(sys, "get_int_max_str_digits")
    assert turn.startswith("↺ Turn 0x" if limited else "↺ Turn 1000")


def test_bidi_list_matches_text_safety() -> None:
    for ch in BIDI_CONTROLS:
        assert ch not in safe_text(f"a{ch}b")
        assert ch not in safe_line(f"a{ch}b")
