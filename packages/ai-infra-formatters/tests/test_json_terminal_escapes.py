"""JSON output never carries a raw character a terminal acts on (issue 10, item 4).

orjson escapes C0 controls but wrote DEL, C1 controls (``\\u009b`` became the raw
bytes C2 9B, a CSI to terminals that honour UTF-8 C1), bidi controls, U+2028/9
and tag characters raw. Every JSON output of the package now escapes them, and
still decodes to the same data.

The set of characters is written out here independently of the package.
"""

from __future__ import annotations

import dataclasses
import io
import json
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_infra_formatters import ConsoleFormatter, JsonFormatter, stream_to_console

#: DEL, C1 controls, bidi controls, line/paragraph separators, tag characters.
UNSAFE = frozenset(
    {0x7F}
    | set(range(0x80, 0xA0))
    | set(range(0x202A, 0x202F))
    | set(range(0x2066, 0x206A))
    | {0x200E, 0x200F, 0x061C, 0x2028, 0x2029}
    | set(range(0xE0000, 0xE0080))
)
UNSAFE_CHARS = sorted(chr(c) for c in UNSAFE)


def expected_escape(char: str) -> str:
    """The JSON escape of *char*, as json.dumps(ensure_ascii=True) writes it."""
    return json.dumps(char)[1:-1]


def raw_unsafe(text: str) -> list[str]:
    """The characters of *text* (decoded output) a terminal would act on: C0 and UNSAFE."""
    return [ch for ch in text if ord(ch) in UNSAFE or (ord(ch) < 0x20 and ch != "\n")]


def decoded(output: str | bytes) -> Any:
    return orjson.loads(output)


def same_data(event: dict[str, Any]) -> Any:
    """What the JSON of *event* must decode to (orjson's own round trip)."""
    return orjson.loads(orjson.dumps(event))


# Text that is often hostile: any character, or one of the listed ones.
HOSTILE_TEXT = st.text(
    alphabet=st.one_of(st.characters(exclude_categories=("Cs",)), st.sampled_from(UNSAFE_CHARS)),
    max_size=40,
)
EVENTS = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["token", "tool_end", "error", "node_start"]),
        "content": HOSTILE_TEXT,
        "result": st.dictionaries(HOSTILE_TEXT, st.lists(HOSTILE_TEXT, max_size=3), max_size=3),
        "error": HOSTILE_TEXT,
    }
)

COMPACT = JsonFormatter()
SORTED = JsonFormatter(sort_keys=True)
PRETTY_2 = JsonFormatter(indent=2)
PRETTY_4 = JsonFormatter(indent=4)
FILTERED = JsonFormatter(visibility="debug")


@given(EVENTS)
def test_every_json_method_escapes_the_unsafe_characters_and_keeps_the_data(
    event: dict[str, Any],
) -> None:
    want = same_data(event)
    outputs: dict[str, str | bytes] = {
        "format": COMPACT.format(event),
        "format_bytes": COMPACT.format_bytes(event),
        "sorted format_bytes": SORTED.format_bytes(event),
        "indent 2": PRETTY_2.format(event),
        "indent 4": PRETTY_4.format(event),
        "visibility format": FILTERED.format(event),
        "visibility format_bytes": FILTERED.format_bytes(event),
    }
    for name, output in outputs.items():
        text = output.decode("utf-8") if isinstance(output, bytes) else output
        assert raw_unsafe(text) == [], name
        assert decoded(output) == want, name
    assert COMPACT.format(event) == COMPACT.format_bytes(event).decode("utf-8")


@given(EVENTS, HOSTILE_TEXT)
def test_sse_frames_escape_the_data_and_clean_the_name(event: dict[str, Any], name: str) -> None:
    frame = COMPACT.format_sse(event, event_name=name)
    assert raw_unsafe(frame.replace("\n", "")) == []
    head, data_line, blank, end = frame.split("\n")
    assert head.startswith("event: ")
    assert data_line.startswith("data: ")
    assert (blank, end) == ("", "")
    assert decoded(data_line.removeprefix("data: ")) == same_data(event)
    kept = "".join(ch for ch in name if ord(ch) >= 0x20 and ord(ch) not in UNSAFE)
    assert head == f"event: {kept}"


@pytest.mark.parametrize("char", UNSAFE_CHARS, ids=lambda c: f"U+{ord(c):04X}")
@pytest.mark.parametrize("before", ["a", "é"], ids=["ascii-line", "non-ascii-line"])
def test_each_listed_character_becomes_its_json_escape(char: str, before: str) -> None:
    event = {"type": "token", "content": f"{before}{char}b"}
    want = f'{{"type":"token","content":"{before}{expected_escape(char)}b"}}'
    assert COMPACT.format(event) == want
    assert COMPACT.format_bytes(event) == want.encode("utf-8")


def test_the_issue_examples() -> None:
    assert COMPACT.format({"type": "token", "content": "\x9b2J"}) == (
        '{"type":"token","content":"\\u009b2J"}'
    )
    assert COMPACT.format_bytes({"type": "token", "content": "\U000e0041"}) == (
        b'{"type":"token","content":"\\udb40\\udc41"}'
    )
    assert COMPACT.format({"type": "token", "content": "\x7f\u202e\u2028"}) == (
        '{"type":"token","content":"\\u007f\\u202e\\u2028"}'
    )


def test_no_other_character_is_escaped() -> None:
    # Every code point but the surrogates, in blocks: what is not listed stays as
    # orjson writes it, byte for byte.
    for start in range(0, 0x110000, 0x1000):
        chars = [
            chr(c)
            for c in range(start, start + 0x1000)
            if not 0xD800 <= c <= 0xDFFF and c not in UNSAFE
        ]
        event = {"type": "token", "content": "".join(chars)}
        assert COMPACT.format_bytes(event) == orjson.dumps(event), hex(start)


def test_keys_and_nested_values_are_escaped() -> None:
    event = {"type": "tool_end", "result": {"\u202ekey": ["\x85", {"\U000e007f": "\u2066"}]}}
    out = COMPACT.format_bytes(event)
    assert out.isascii()
    assert decoded(out) == event


def test_escapes_survive_the_fallback_walk() -> None:
    # An int beyond 64 bits makes orjson refuse the dict: the to_jsonable walk runs.
    event = {"type": "usage", "big": 2**80, "note": "\x9b31m"}
    out = COMPACT.format_bytes(event)
    assert b"\\u009b31m" in out
    assert decoded(out)["note"] == "\x9b31m"


def test_event_objects_are_escaped_too() -> None:
    @dataclasses.dataclass
    class Event:
        type: str
        content: str

    event = Event("token", "hi\u202egnp.exe")
    assert COMPACT.format(event) == '{"type":"token","content":"hi\\u202egnp.exe"}'


def test_backslashes_before_an_unsafe_character_stay_right() -> None:
    event = {"type": "token", "content": "\\\x9b\\\\\u202e\\u009b"}
    out = COMPACT.format_bytes(event)
    assert out.isascii()
    assert decoded(out) == event


def test_json_through_the_console_formatter_and_stream_to_console() -> None:
    event = {"type": "token", "content": "\x9b2J\u202e"}
    line = ConsoleFormatter("json", file=io.StringIO()).format(event)
    assert raw_unsafe(line) == []
    stream = io.StringIO()
    stream_to_console(event, format="json", stream=stream)
    assert raw_unsafe(stream.getvalue().rstrip("\n")) == []
    assert decoded(stream.getvalue()) == event


def test_lines_without_such_characters_are_left_as_orjson_wrote_them() -> None:
    for event in (
        {"type": "token", "content": "plain ascii"},
        {"type": "token", "content": "résumé — naïve 日本語 🚀 \u2019quoted\u2019 …"},
        {"type": "token", "content": "\x1b[31mred\x1b[0m"},  # C0: orjson's own escape
    ):
        assert COMPACT.format_bytes(event) == orjson.dumps(event)
