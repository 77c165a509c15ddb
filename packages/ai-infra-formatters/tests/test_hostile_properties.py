"""More Hypothesis properties over hostile events: the cases test_properties.py leaves out.

* dataclass events (read in place by the console layouts) and discriminators that
  are not strings (Enum members, ints, None, objects);
* values that are not events at all (a list, a number, bytes, an exception);
* self-referencing containers inside fields, and nesting up to 1500 levels deep;
* long single values up to 10 MB: truncated with a marker for the console, never
  for JSON;
* Rich markup in any shown field prints literally, colours on or off;
* colours on with every colour system Rich offers;
* a stream of events through :class:`EventWriter` loses none and keeps tokens inline;
* the other JSON outputs (sorted keys, SSE frames) stay one line too.

The number of examples comes from the Hypothesis profile loaded in conftest.py
(``ci``: 500 a property). Explicit ``@example`` cases (1000-deep nesting, a 10 MB
string) run every time on top of them.
"""

from __future__ import annotations

import dataclasses
import io
import re
from enum import Enum
from typing import Any

import orjson
from fmt_support import (
    ALL_TYPES,
    MINIMAL_LAYOUT_TYPES,
    StreamEvent,
    assert_terminal_safe,
    make_console,
    sgr_sequences,
    strip_sgr,
)
from hypothesis import assume, example, given
from hypothesis import strategies as st
from test_properties import KEY, NON_JSON_LEAF, TEXT, VALUE, Mood

from ai_infra_formatters import ConsoleFormatter, EventWriter, JsonFormatter
from ai_infra_formatters.text_safety import safe_line

LAYOUTS = ("plain", "rich", "minimal")
COLOR_SYSTEMS = ("standard", "256", "truecolor")

_JSON = JsonFormatter()
_JSON_SORTED = JsonFormatter(sort_keys=True)
_OFF = {
    layout: ConsoleFormatter(layout, colors_enabled=False, console=make_console(width=60))
    for layout in LAYOUTS
}
_ON = {
    (layout, system): ConsoleFormatter(layout, console=make_console(width=60, color_system=system))
    for layout in LAYOUTS
    for system in COLOR_SYSTEMS
}


def _theme_sgr(system: str) -> frozenset[str]:
    """Every SGR sequence the default theme gives on a terminal with colour *system*."""
    from rich.color import ColorSystem
    from rich.style import Style

    from ai_infra_formatters.theme import DEFAULT_STYLES

    color_system = {
        "standard": ColorSystem.STANDARD,
        "256": ColorSystem.EIGHT_BIT,
        "truecolor": ColorSystem.TRUECOLOR,
    }[system]
    found = {"\x1b[0m"}
    for definition in DEFAULT_STYLES.values():
        rendered = Style.parse(definition).render("\x00", color_system=color_system)
        found.update(sgr_sequences(rendered))
    return frozenset(found)


THEME_SGR = {system: _theme_sgr(system) for system in COLOR_SYSTEMS}


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean(text: str) -> str:
    """*text* as it must appear in JSON: lone surrogates replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def expected_type(raw: Any) -> str:
    """The type name an event whose discriminator is *raw* must be given."""
    if isinstance(raw, Enum):
        raw = raw.value
    if raw is None or raw == "":
        return "unknown"
    return raw if isinstance(raw, str) else str(raw)


def check_json(event: Any, etype: str) -> dict[str, Any]:
    """JsonFormatter's invariant: one line orjson parses, with the type; returns the object."""
    line = _JSON.format(event)
    assert line
    assert _JSON.format_bytes(event) == line.encode("utf-8")  # the two hot paths agree
    assert "\n" not in line
    assert "\r" not in line
    line.encode("utf-8")
    data = orjson.loads(line)
    assert isinstance(data, dict)
    assert data["type"] == clean(etype)
    return data


def check_console(event: Any, etype: str, *, expect_text: bool = True) -> dict[str, str]:
    """The console invariants in every layout, colours off and on; returns the off outputs."""
    outputs = {}
    for layout, formatter in _OFF.items():
        out = formatter.format(event)
        outputs[layout] = out
        one_line = layout != "rich" and etype != "token"
        assert_terminal_safe(out, allow_newline=not one_line)
        if etype != "token":
            assert "\t" not in out
        if layout == "minimal" and etype == "tool_end" and outputs["plain"].startswith("✗ "):
            assert out == outputs["plain"]  # a failed tool call: shown, as in the plain layout
        elif layout == "minimal" and etype not in MINIMAL_LAYOUT_TYPES:
            assert out == ""  # the minimal layout documents these as not shown
        elif expect_text and etype != "token":
            assert out.strip()
    for (layout, system), formatter in _ON.items():
        out = formatter.format(event)
        for seq in sgr_sequences(out):
            assert seq in THEME_SGR[system], (system, seq)
        assert strip_sgr(out) == outputs[layout]
    return outputs


# -- dataclass events and odd discriminators --------------------------------------------


@dataclasses.dataclass
class LooseEvent:
    """A dataclass event without ``to_dict()`` whose fields may hold anything."""

    type: Any
    content: Any = None
    message: Any = None
    error: Any = None
    tool: Any = None
    node_name: Any = None
    namespace: Any = None
    task: Any = None
    duration_ms: Any = None
    data: Any = None
    result: Any = None
    todo_items: Any = None


class Stringly:
    """A discriminator object whose str() is its name."""

    def __init__(self, name: str) -> None:
        """A discriminator shown as *name*."""
        self.name = name

    def __str__(self) -> str:
        return self.name


DISCRIMINATOR = st.one_of(
    st.sampled_from(ALL_TYPES),
    TEXT,
    st.sampled_from(list(Mood)),
    st.integers(),
    st.none(),
    st.builds(Stringly, st.sampled_from(ALL_TYPES)),
)
ANY_VALUE = st.one_of(TEXT, VALUE)
LOOSE_FIELDS = {f.name for f in dataclasses.fields(LooseEvent)} - {"type"}


@given(
    DISCRIMINATOR,
    st.dictionaries(st.sampled_from(sorted(LOOSE_FIELDS)), ANY_VALUE, max_size=5),
    st.booleans(),
)
def test_dataclass_events_with_any_discriminator(
    raw: Any, fields: dict[str, Any], with_to_dict: bool
) -> None:
    if with_to_dict:
        # ai-infra's StreamEvent shape (to_dict), fields typed but holding anything.
        known = {k: v for k, v in fields.items() if k in {"content", "error", "tool", "result"}}
        event: Any = StreamEvent(type=raw, **known)
    else:
        event = LooseEvent(type=raw, **fields)
    etype = expected_type(raw)
    check_json(event, etype)
    check_console(event, etype, expect_text=etype != "token")


@given(st.one_of(NON_JSON_LEAF, TEXT, st.integers(), st.lists(VALUE, max_size=3), st.binary()))
def test_values_that_are_not_events_still_give_a_line(value: Any) -> None:
    check_json(value, "unknown")
    outputs = check_console(value, "unknown")
    assert outputs["plain"].startswith("•")


# -- cycles and deep nesting ------------------------------------------------------------


def nest(leaf: Any, shape: list[int]) -> Any:
    """*leaf* wrapped once per entry of *shape*: 0 a list, 1 a dict, 2 a tuple."""
    value = leaf
    for kind in shape:
        if kind == 0:
            value = [value]
        elif kind == 1:
            value = {"down": value}
        else:
            value = (value,)
    return value


@st.composite
def cyclic_values(draw: st.DrawFn) -> Any:
    """A container that reaches itself, directly or through another one."""
    leaf = draw(ANY_VALUE)
    kind = draw(st.sampled_from(["list", "dict", "mutual", "deep"]))
    if kind == "list":
        items: list[Any] = [leaf]
        items.append(items)
        return items
    if kind == "dict":
        mapping: dict[Any, Any] = {"leaf": leaf}
        mapping[draw(KEY)] = mapping
        return mapping
    if kind == "mutual":
        a: dict[str, Any] = {"leaf": leaf}
        b: list[Any] = [a]
        a["b"] = b
        return b
    inner: list[Any] = [leaf]
    outer = nest(inner, draw(st.lists(st.integers(0, 1), max_size=40)))
    inner.append(outer)
    return outer


FIELD = st.sampled_from(
    ["content", "message", "error", "tool", "node_name", "namespace", "task", "data", "result"]
)


@given(st.sampled_from(ALL_TYPES), FIELD, cyclic_values())
def test_self_referencing_values_in_any_field(etype: str, field: str, value: Any) -> None:
    event = {"type": etype, field: value}
    data = check_json(event, etype)
    assert "<cycle>" in orjson.dumps(data).decode()
    check_console(event, etype, expect_text=False)


@example(etype="tool_end", field="result", depth_shape=[0, 1, 2] * 334, leaf="\x1b[31mbottom")
@example(etype="error", field="error", depth_shape=[1] * 1000, leaf="\ud800")
@given(
    st.sampled_from(ALL_TYPES),
    FIELD,
    st.lists(st.integers(0, 2), max_size=1500),
    st.one_of(ANY_VALUE, NON_JSON_LEAF),
)
def test_deep_nesting_in_any_field(
    etype: str, field: str, depth_shape: list[int], leaf: Any
) -> None:
    event = {"type": etype, field: nest(leaf, depth_shape)}
    check_json(event, etype)
    check_console(event, etype, expect_text=False)


# -- long values --------------------------------------------------------------------------

TEN_MB = 10 * 1024 * 1024


@example(pattern="\x1b[2J\u202e[bold]\ud800\n", length=TEN_MB, field="result")
@given(
    TEXT.filter(bool),
    st.integers(min_value=2001, max_value=20_000),
    st.sampled_from(["message", "error", "result", "tool"]),
)
def test_long_values_cut_for_the_console_never_for_json(
    pattern: str, length: int, field: str
) -> None:
    text = (pattern * (length // len(pattern) + 1))[:length]
    etype = {"message": "progress", "error": "error", "result": "tool_end", "tool": "tool_start"}[
        field
    ]
    event = {"type": etype, field: text}
    if field == "result":
        event["tool"] = "t"
    data = check_json(event, etype)
    assert data[field] == clean(text)
    # The limit applies to the text as shown ("\r\n" is one character there).
    shown = safe_line(text)
    for layout in ("plain", "rich"):
        out = _OFF[layout].format(event)
        assert_terminal_safe(out, allow_newline=layout == "rich")
        # Every line of the output is short: each value is cut at 2000 characters.
        assert max(len(line) for line in out.split("\n")) < 2000 + 200
        if layout == "plain" and field == "result":
            continue  # the plain layout shows no tool result
        if layout == "rich" and field in ("error", "result") and "\n" in text.strip():
            continue  # several lines: the panel or an indented block shows them, lines kept
        if len(shown) > 2000:
            assert f"{shown[:2000]}… [+{len(shown) - 2000} chars]" in out
        else:
            assert shown in out


# -- Rich markup ------------------------------------------------------------------------

MARKUP = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "[bold red]",
                "[/]",
                "[/bold red]",
                "[link=https://evil.example]",
                "[/link]",
                "[#ff0000 on blue]",
                "[i]",
                "\\[escaped]",
                ":smile:",
                ":warning:",
                "[@click=app.quit]",
                "[",
                "]",
            ]
        ),
        st.text(st.characters(categories=("L", "N", "Zs", "P", "S")), max_size=6),
    ),
    min_size=1,
    max_size=8,
).map("".join)


@given(
    MARKUP,
    st.sampled_from(
        [
            ("error", "error"),
            ("task_failed", "message"),
            ("progress", "message"),
            ("intent", "content"),
            ("tool_start", "tool"),
            ("node_start", "node_name"),
            ("token", "content"),
        ]
    ),
)
def test_rich_markup_prints_literally(markup: str, where: tuple[str, str]) -> None:
    assume(markup.strip() and safe_line(markup) == markup)
    etype, field = where
    event = {"type": etype, field: markup}
    outputs = check_console(event, etype)
    for layout in LAYOUTS:
        if layout == "minimal" and etype not in MINIMAL_LAYOUT_TYPES:
            continue
        assert markup in outputs[layout], (layout, outputs[layout])
        for system in COLOR_SYSTEMS:
            assert markup in strip_sgr(_ON[(layout, system)].format(event))


# -- many events through one writer ------------------------------------------------------------

STREAM_EVENT = st.one_of(
    st.builds(lambda c: {"type": "token", "content": c}, TEXT),
    st.builds(lambda m: {"type": "progress", "message": m}, TEXT),
    st.builds(lambda t, e: {"type": t, "error": e}, st.sampled_from(ALL_TYPES), TEXT),
    st.builds(lambda v: {"type": "state_update", "state_snapshot": v}, VALUE),
)


def model_output(texts: list[tuple[bool, str]]) -> str:
    """What the output of a stream must be: the package's line discipline, stated plainly.

    *texts* holds (is a token, formatted text) per event. Tokens are written as
    they are; every other non-empty text goes on a line of its own, after a newline
    that closes a line tokens left open.
    """
    out = ""
    for is_token, text in texts:
        if is_token:
            out += text
        elif text:
            if out and not out.endswith("\n"):
                out += "\n"
            out += text + "\n"
    return out


@given(st.lists(STREAM_EVENT, max_size=15), st.sampled_from(["plain", "rich", "minimal"]))
def test_a_stream_of_events_loses_none(stream: list[dict[str, Any]], layout: str) -> None:
    formatter = _OFF[layout]
    buf = io.StringIO()
    writer = EventWriter(buf)
    for event in stream:
        writer.write(event, formatter)
    texts = [(e["type"] == "token", formatter.format(e)) for e in stream]
    assert buf.getvalue() == model_output(texts)
    for (is_token, text), event in zip(texts, stream, strict=True):
        if not is_token and not (layout == "minimal" and event["type"] not in MINIMAL_LAYOUT_TYPES):
            assert text  # shown: every such event has a line

    as_json = io.StringIO()
    json_writer = EventWriter(as_json)
    for event in stream:
        json_writer.write(event, _JSON)
    lines = as_json.getvalue().split("\n")
    assert lines[-1] == ""
    assert [orjson.loads(line)["type"] for line in lines[:-1]] == [e["type"] for e in stream]


# -- other JSON outputs -------------------------------------------------------------------


@given(st.dictionaries(KEY, VALUE, max_size=3), st.sampled_from(ALL_TYPES), st.none() | TEXT)
def test_sorted_json_and_sse_frames_are_one_line(
    fields: dict[Any, Any], etype: str, event_name: str | None
) -> None:
    event = {**fields, "type": etype}
    line = _JSON_SORTED.format(event)
    assert "\n" not in line
    assert orjson.loads(line)["type"] == etype
    frame = _JSON.format_sse(event, event_name=event_name)
    assert frame.endswith("\n\n")
    head = frame[:-2].split("\n")
    assert len(head) == (1 if event_name is None else 2)
    assert head[-1].startswith("data: ")
    assert orjson.loads(head[-1].removeprefix("data: "))["type"] == etype
    if event_name is not None:
        assert head[0].startswith("event: ")
        assert "\r" not in head[0]
