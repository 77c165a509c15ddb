"""Hypothesis properties over hostile events: every format survives everything.

Events are built from all of Unicode (controls, lone surrogates, bidi controls),
escape-sequence fragments, Rich markup, arbitrary JSON-like nesting and values
orjson cannot encode. The number of examples comes from the Hypothesis profile
loaded in conftest.py (``ci``: 500 a property).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import uuid
from decimal import Decimal
from enum import Enum
from typing import Any

import orjson
from fmt_support import (
    ALL_TYPES,
    MINIMAL_LAYOUT_TYPES,
    AttributeEvent,
    ReadOnlyMapping,
    assert_terminal_safe,
    make_console,
    sgr_sequences,
    strip_sgr,
)
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from ai_infra_formatters import (
    ConsoleFormatter,
    JsonFormatter,
    event_to_dict,
    stream_to_console,
)
from ai_infra_formatters.text_safety import safe_cut, safe_line, safe_text, truncate
from ai_infra_formatters.visibility import should_emit_event

# -- strategies -------------------------------------------------------------------------

#: Any code point at all: C0/C1 controls, lone surrogates, bidi controls included.
ANY_CHAR = st.characters(exclude_categories=())

FRAGMENTS = st.sampled_from(
    [
        "\x1b[",
        "\x1b[31m",
        "\x1b]0;t\x07",
        "\x1b]8;;http://x\x1b\\",
        "\x1b\\",
        "\x9b",
        "\x9d",
        "\x07",
        "\r",
        "\r\n",
        "\n",
        "\t",
        "\x00",
        "\u202e",
        "\u2066",
        "\ud800",
        "\udfff",
        "[bold red]",
        "[/]",
        "[link=http://x]",
        ":smile:",
        "\u2028",
        "\u2029",
        "\ufeff",
        "\u200b",
        "\u200d",
        "\u2060",
        "\U000e0001",
        "\U000e0041",
        "\U000e007f",
        "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",
        "👩\u200d💻",
        "🙂",
        "東京",
    ]
)

TEXT = st.one_of(
    st.text(ANY_CHAR, max_size=30),
    st.lists(st.one_of(FRAGMENTS, st.text(ANY_CHAR, max_size=5)), max_size=8).map("".join),
)


class Mood(Enum):
    HAPPY = "happy"
    ODD = 7


@dataclasses.dataclass
class Box:
    label: Any
    items: Any = None


class Opaque:
    def __str__(self) -> str:
        return "opaque"


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no str")

    def __repr__(self) -> str:
        raise RuntimeError("no repr")


NON_JSON_LEAF = st.one_of(
    st.datetimes(),
    st.dates(),
    st.uuids(),
    st.decimals(allow_nan=True),
    st.sampled_from(list(Mood)),
    st.binary(max_size=12),
    st.frozensets(st.integers(), max_size=3),
    st.sets(st.text(max_size=3), max_size=3),
    st.builds(lambda e: e, st.sampled_from([ValueError("v"), KeyError("k"), RuntimeError()])),
    st.builds(Box, TEXT),
    st.builds(Opaque),
    st.builds(Unprintable),
    st.just(dt.timedelta(seconds=3)),
    st.just(uuid.UUID(int=1)),
    st.just(Decimal("NaN")),
)
JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63, max_value=2**200),
    st.integers(max_value=-(2**63) - 1, min_value=-(2**200)),
    st.sampled_from([5000, -4400]).map(lambda n: 10 ** abs(n) * (1 if n > 0 else -1)),
    st.floats(allow_nan=True, allow_infinity=True),
    TEXT,
)
KEY = st.one_of(
    TEXT,
    st.integers(),
    st.none(),
    st.tuples(st.integers()),
    st.sampled_from(list(Mood)),
    st.floats(allow_nan=False),
)
VALUE = st.recursive(
    st.one_of(JSON_LEAF, NON_JSON_LEAF),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.tuples(inner, inner),
        st.dictionaries(KEY, inner, max_size=4),
    ),
    max_leaves=12,
)

EVENT_TYPE = st.one_of(st.sampled_from(ALL_TYPES), TEXT)
FIELD_NAMES = (
    "content",
    "message",
    "error",
    "tool",
    "tool_id",
    "arguments",
    "result",
    "structured_result",
    "preview",
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
    "data",
    "state_snapshot",
)
FIELD_VALUE = st.one_of(TEXT, VALUE)
FIELDS = st.dictionaries(st.sampled_from(FIELD_NAMES), FIELD_VALUE, max_size=6)
EXTRA_FIELDS = st.dictionaries(KEY, VALUE, max_size=2)


@st.composite
def events(draw: st.DrawFn) -> tuple[Any, str]:
    """An event in one of the accepted shapes, and the type name it must be given."""
    etype = draw(EVENT_TYPE)
    fields: dict[Any, Any] = {**draw(EXTRA_FIELDS), **draw(FIELDS)}
    fields.pop("type", None)
    fields.pop("event_type", None)
    shape = draw(st.sampled_from(["type", "event_type", "mapping", "object", "cycle"]))
    expected = etype if etype else "unknown"
    event: Any
    if shape == "event_type":
        event = {**fields, "event_type": etype}
    elif shape == "mapping":
        event = ReadOnlyMapping({**fields, "type": etype})
    elif shape == "object":
        str_fields = {k: v for k, v in fields.items() if isinstance(k, str) and k.isidentifier()}
        event = AttributeEvent(**str_fields, type=etype)
        fields = str_fields
    else:
        event = {**fields, "type": etype}
        if shape == "cycle":
            event["loop"] = [event]
    return event, expected


VISIBILITY = st.sampled_from([None, "minimal", "standard", "detailed", "debug"])

# Formatters are built once: building one per example would dominate the run time.
_JSON = {v: JsonFormatter(visibility=v) for v in (None, "minimal", "standard", "detailed", "debug")}
_OFF = {
    layout: ConsoleFormatter(layout, colors_enabled=False, console=make_console(width=60))
    for layout in ("plain", "rich", "minimal")
}
_RICH_AT = {
    v: ConsoleFormatter("rich", colors_enabled=False, visibility=v, console=make_console())
    for v in (None, "minimal", "standard", "detailed", "debug")
}
_ON = {
    layout: ConsoleFormatter(layout, console=make_console(width=60))
    for layout in ("plain", "rich", "minimal")
}


def _theme_sgr() -> frozenset[str]:
    from rich.color import ColorSystem
    from rich.style import Style

    from ai_infra_formatters.theme import DEFAULT_STYLES

    found = {"\x1b[0m"}
    for definition in DEFAULT_STYLES.values():
        rendered = Style.parse(definition).render("\x00", color_system=ColorSystem.TRUECOLOR)
        found.update(sgr_sequences(rendered))
    return frozenset(found)


THEME_SGR = _theme_sgr()


def clean(text: str) -> str:
    """*text* as it must appear in JSON: lone surrogates replaced."""
    return "".join("\ufffd" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)


def token_has_text(event: Any) -> bool:
    """Whether a token event carries content that shows as something."""
    try:
        content = event.get("content") if isinstance(event, dict) else event.content
    except (AttributeError, KeyError):
        return False
    return content is not None and content != ""


# -- properties ------------------------------------------------------------------------------


@given(events(), VISIBILITY)
def test_json_is_one_parseable_line_with_the_type(case: tuple[Any, str], visibility: Any) -> None:
    event, etype = case
    line = _JSON[visibility].format(event)
    assert _JSON[visibility].format_bytes(event) == line.encode("utf-8")
    if visibility is not None and not should_emit_event(etype, visibility):
        assert line == ""
        return
    assert line
    assert "\n" not in line
    assert "\r" not in line
    data = orjson.loads(line)
    assert data["type"] == clean(etype)
    line.encode("utf-8")


def _minimal_shows(event: Any, etype: str) -> bool:
    """What the minimal layout documents it shows: its types, and failed tool calls
    (a ``tool_end`` whose ``error`` is set and not empty)."""
    if etype in MINIMAL_LAYOUT_TYPES:
        return True
    error = event_to_dict(event).get("error")
    return etype == "tool_end" and error is not None and error != ""


@given(events())
def test_console_colours_off_is_terminal_safe(case: tuple[Any, str]) -> None:
    event, etype = case
    for layout, formatter in _OFF.items():
        out = formatter.format(event)
        assert "\x1b" not in out
        one_line = layout != "rich" and etype != "token"
        assert_terminal_safe(out, allow_newline=not one_line)
        if etype != "token":
            assert "\t" not in out
        # An event in gives output out, unless the layout documents it as hidden.
        if layout == "minimal" and not _minimal_shows(event, etype):
            assert out == ""
        elif etype == "token":
            assert bool(out) == token_has_text(event)
        else:
            assert out.strip()


@given(events())
def test_console_colours_on_has_only_theme_sgr(case: tuple[Any, str]) -> None:
    event, _ = case
    for layout, formatter in _ON.items():
        out = formatter.format(event)
        for seq in sgr_sequences(out):
            assert seq in THEME_SGR
        assert_terminal_safe(strip_sgr(out))
        assert strip_sgr(out) == _OFF[layout].format(event)


@given(events(), VISIBILITY)
def test_visibility_hides_the_same_events_everywhere(
    case: tuple[Any, str], visibility: Any
) -> None:
    event, etype = case
    json_shown = bool(_JSON[visibility].format(event))
    rich_out = _RICH_AT[visibility].format(event)
    if etype == "token" and not token_has_text(event):
        return
    assert json_shown == bool(rich_out)
    assert json_shown == (visibility is None or should_emit_event(etype, visibility))


# Bidirectional controls and invisible characters (tags, U+2028/9, zero-width
# spaces) are made visible on purpose (text_safety), so a token stream that must
# come back unchanged leaves them out, with C0/C1 and surrogates.
_MADE_VISIBLE = "".join(
    chr(c)
    for c in (
        *(*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C),
        *(*range(0xE0000, 0xE0080), 0x2028, 0x2029),
        *(0x200B, *range(0x2060, 0x2065), *range(0x206A, 0x2070), 0xFEFF),
    )
)


@given(
    st.lists(
        st.text(
            st.characters(exclude_categories=("Cc", "Cs"), exclude_characters=_MADE_VISIBLE)
            | st.sampled_from("\n\t")
        ),
        max_size=20,
    ),
    st.integers(min_value=1, max_value=300),
)
def test_tokens_concatenate_to_the_original(tokens: list[str], width: int) -> None:
    buf = io.StringIO()
    formatter = ConsoleFormatter(colors_enabled=False, console=Console(file=buf, width=width))
    for token in tokens:
        stream_to_console({"type": "token", "content": token}, formatter=formatter, stream=buf)
    text = "".join(tokens)
    assert buf.getvalue() == text
    stream_to_console({"type": "done"}, formatter=formatter, stream=buf)
    after = buf.getvalue()[len(text) :]
    assert after == ("■ Done\n" if text.endswith("\n") or not text else "\n■ Done\n")


@given(
    st.lists(TEXT, max_size=12).map("".join),
    st.one_of(st.none(), st.integers(min_value=0, max_value=40)),
    st.booleans(),
)
def test_safe_cut_is_truncate_of_the_whole_safe_text(
    text: str, limit: int | None, keep_layout: bool
) -> None:
    make_safe = safe_text if keep_layout else safe_line
    expected = truncate(make_safe(text), limit, "…")
    assert safe_cut(text, limit, "…", keep_layout=keep_layout) == expected


@given(TEXT, st.integers(min_value=1, max_value=50))
def test_truncation_keeps_a_visible_marker(text: str, limit: int) -> None:
    formatter = ConsoleFormatter(
        colors_enabled=False, console=make_console(), max_value_length=limit
    )
    out = formatter.format({"type": "progress", "message": text})
    assert_terminal_safe(out, allow_newline=False)
    if text:
        # The limit applies to the text as shown (controls made visible).
        shown = safe_line(text)
        if len(shown) > limit:
            assert out == f"⋯ {shown[:limit]}… [+{len(shown) - limit} chars]"
        else:
            assert out == f"⋯ {shown}"
    data = orjson.loads(JsonFormatter().format({"type": "progress", "message": text}))
    assert data["message"] == clean(text)
