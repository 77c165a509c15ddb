"""JsonFormatter: NDJSON by orjson, indent / sort_keys / SSE, and safe fallbacks."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import sys
import uuid
from decimal import Decimal
from enum import Enum
from pathlib import PurePosixPath
from typing import Any

import orjson
import pytest
from fmt_support import SAMPLE_EVENTS, StreamEvent

from ai_infra_formatters import JsonFormatter
from ai_infra_formatters.json_format import dumps_event, json_default, to_jsonable


class Colour(Enum):
    RED = "red"


class Opaque:
    """An object orjson knows nothing about."""

    def __str__(self) -> str:
        return "opaque-thing"


class Hostile:
    """An object whose str() and repr() raise."""

    def __str__(self) -> str:
        raise RuntimeError("no str for you")

    def __repr__(self) -> str:
        raise RuntimeError("no repr either")


@dataclasses.dataclass
class Point:
    x: int
    y: int


def one_line(event: Any, formatter: JsonFormatter | None = None) -> dict[str, Any]:
    """Format *event*, check it is exactly one JSON line, and return the parsed object."""
    line = (formatter or JsonFormatter()).format(event)
    assert line
    assert "\n" not in line
    assert "\r" not in line
    data = orjson.loads(line)
    assert isinstance(data, dict)
    return data


# -- shape of the output -------------------------------------------------------------


def test_compact_single_line() -> None:
    formatter = JsonFormatter()
    assert formatter.format({"type": "token", "content": "Hi"}) == '{"type":"token","content":"Hi"}'
    assert formatter.format_bytes({"type": "token", "content": "é"}) == (
        '{"type":"token","content":"é"}'.encode()
    )


def test_every_sample_event_round_trips() -> None:
    for event in SAMPLE_EVENTS.values():
        assert one_line(event) == event


def test_ndjson_stream_of_events() -> None:
    formatter = JsonFormatter()
    text = "".join(formatter.format(e) + "\n" for e in SAMPLE_EVENTS.values())
    parsed = [orjson.loads(line) for line in text.splitlines()]
    assert parsed == list(SAMPLE_EVENTS.values())


def test_newlines_in_values_are_escaped() -> None:
    event = {"type": "token", "content": "a\nb\r\nc\u2028d"}
    line = JsonFormatter().format(event)
    assert "\n" not in line
    assert orjson.loads(line) == event


def test_indent_two() -> None:
    event = SAMPLE_EVENTS["tool_start"]
    out = JsonFormatter(indent=2).format(event)
    assert out.splitlines()[1].startswith('  "type"')
    assert orjson.loads(out) == event
    assert out == json.dumps(event, indent=2, ensure_ascii=False)


def test_indent_four() -> None:
    event = SAMPLE_EVENTS["todo"]
    out = JsonFormatter(indent=4).format(event)
    assert out.splitlines()[1].startswith('    "type"')
    assert not out.splitlines()[1].startswith("     ")
    assert orjson.loads(out) == event


def test_indent_with_fallback_values() -> None:
    out = JsonFormatter(indent=4).format({"type": "x", "when": dt.date(2024, 1, 2), "big": 2**70})
    assert orjson.loads(out) == {"type": "x", "when": "2024-01-02", "big": str(2**70)}


@pytest.mark.parametrize("bad", [-1, True, -4])
def test_indent_rejects_nonsense(bad: Any) -> None:
    with pytest.raises(ValueError, match="indent"):
        JsonFormatter(indent=bad)


def test_sort_keys() -> None:
    event = {"type": "tool_end", "tool": "t", "arguments": {"z": 1, "a": 2}, "result": "r"}
    out = JsonFormatter(sort_keys=True).format(event)
    assert out == '{"arguments":{"a":2,"z":1},"result":"r","tool":"t","type":"tool_end"}'
    unsorted = JsonFormatter().format(event)
    assert unsorted.startswith('{"type":"tool_end"')
    indented = JsonFormatter(indent=3, sort_keys=True).format(event)
    assert list(orjson.loads(indented)) == ["arguments", "result", "tool", "type"]
    assert indented.splitlines()[1] == '   "arguments": {'


def test_hidden_event_gives_empty_output() -> None:
    formatter = JsonFormatter(visibility="minimal")
    assert formatter.format(SAMPLE_EVENTS["tool_start"]) == ""
    assert formatter.format_bytes(SAMPLE_EVENTS["tool_start"]) == b""
    assert formatter.to_dict(SAMPLE_EVENTS["tool_start"]) is None


def test_stream_event_object() -> None:
    event = StreamEvent(type="usage", input_tokens=3, output_tokens=4, cost=0.5)
    assert one_line(event) == {"type": "usage", "input_tokens": 3, "output_tokens": 4, "cost": 0.5}


def test_json_formatter_never_imports_rich_names() -> None:
    formatter = JsonFormatter()
    assert formatter.inline_tokens is False


# -- SSE ---------------------------------------------------------------------------------


def test_sse_data_frame() -> None:
    frame = JsonFormatter().format_sse({"type": "token", "content": "a\nb"})
    assert frame == 'data: {"type":"token","content":"a\\nb"}\n\n'


def test_sse_with_event_name() -> None:
    frame = JsonFormatter().format_sse(SAMPLE_EVENTS["done"], event_name="done")
    assert frame == 'event: done\ndata: {"type":"done","tools_called":2}\n\n'


def test_sse_event_name_newlines_removed() -> None:
    frame = JsonFormatter().format_sse(
        SAMPLE_EVENTS["done"], event_name="evil\r\ndata: injected\nmore"
    )
    lines = frame.split("\n")
    assert lines[0] == "event: evildata: injectedmore"
    assert lines[1].startswith("data: {")
    assert lines[2:] == ["", ""]


def test_sse_is_compact_even_with_indent_and_keeps_sort_keys() -> None:
    event = {"type": "x", "b": 1, "a": 2}
    frame = JsonFormatter(indent=2, sort_keys=True).format_sse(event)
    assert frame == 'data: {"a":2,"b":1,"type":"x"}\n\n'


def test_sse_with_fallback_values_is_one_data_line() -> None:
    frame = JsonFormatter().format_sse({"type": "x", "raw": b"\xff\n", "n": 2**80})
    assert frame.count("\n") == 2
    data = orjson.loads(frame.removeprefix("data: "))
    assert data["n"] == str(2**80)


# -- fallbacks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2024, 5, 6, 7, 8, 9), "2024-05-06T07:08:09"),
        (dt.date(2024, 5, 6), "2024-05-06"),
        (Colour.RED, "red"),
        (b"bytes\xff", "bytes\\xff"),
        ({3, 1, 2}, [1, 2, 3]),
        (frozenset({"b", "a"}), ["a", "b"]),
        ((1, "two"), [1, "two"]),
        (Decimal("1.10"), "1.10"),
        (uuid.UUID(int=5), "00000000-0000-0000-0000-000000000005"),
        (ValueError("bad value"), "ValueError: bad value"),
        (Opaque(), "opaque-thing"),
        (Hostile(), "<unrepresentable Hostile>"),
        (PurePosixPath("/tmp/x"), "/tmp/x"),
        (Point(1, 2), {"x": 1, "y": 2}),
        (float("nan"), None),
        (float("inf"), None),
        (2**64 - 1, 2**64 - 1),
        (-(2**63), -(2**63)),
        (2**64, str(2**64)),
        (-(2**63) - 1, str(-(2**63) - 1)),
        ("lone \ud800 surrogate", "lone \ufffd surrogate"),
        ({1: "a", None: "b", (1, 2): "c"}, {"1": "a", "None": "b", "(1, 2)": "c"}),
        ({Colour.RED: 1}, {"red": 1}),
        ({"\udfff": "\udc80"}, {"\ufffd": "\ufffd"}),
        ({1, "a"}, None),  # unsortable set: order is not promised, checked below
    ],
)
def test_values_orjson_cannot_take(value: Any, expected: Any) -> None:
    data = one_line({"type": "custom", "value": value})
    assert data["type"] == "custom"
    if isinstance(value, set) and expected is None:
        assert sorted(map(str, data["value"])) == ["1", "a"]
    else:
        assert data["value"] == expected


def test_int_beyond_python_str_limit() -> None:
    huge = 10**5000  # more digits than Python 3.11+ converts to str by default
    data = one_line({"type": "custom", "value": huge, huge: "key"})
    assert data["type"] == "custom"
    assert int(data["value"], 0) == huge
    line = JsonFormatter().format({"type": "custom", "negative": -huge})
    assert int(orjson.loads(line)["negative"], 0) == -huge


def test_to_dict_object_inside_an_event() -> None:
    class Inner:
        def to_dict(self) -> dict[str, Any]:
            return {"type": "token", "content": "nested"}

    data = one_line({"type": "wrapper", "inner": Inner(), "point": Point(3, 4)})
    assert data["inner"] == {"type": "token", "content": "nested"}
    assert data["point"] == {"x": 3, "y": 4}


def test_self_referencing_dict() -> None:
    event: dict[str, Any] = {"type": "state_update", "name": "loop"}
    event["self"] = event
    data = one_line(event)
    assert data["type"] == "state_update"
    assert data["self"] == "<cycle>"


def test_self_referencing_list_inside_event() -> None:
    items: list[Any] = [1]
    items.append(items)
    data = one_line({"type": "x", "items": items})
    assert data["items"] == [1, "<cycle>"]


def test_shared_non_cyclic_values_are_not_cycles() -> None:
    shared = {"k": "v"}
    data = one_line({"type": "x", "a": shared, "b": shared, "bad": {1, 2}, "big": 2**65})
    assert data["a"] == data["b"] == {"k": "v"}


@pytest.mark.parametrize("depth", [300, 1000, 5000])
def test_very_deep_nesting(depth: int) -> None:
    nested: Any = "bottom"
    for _ in range(depth):
        nested = {"down": [nested]}
    data = one_line({"type": "deep", "tree": nested})
    assert data["type"] == "deep"
    assert data["tree"]["down"][0]["down"][0]["down"]
    assert "<max depth>" in orjson.dumps(data).decode()


def test_deeper_than_the_recursion_limit() -> None:
    nested: Any = None
    for _ in range(sys.getrecursionlimit() * 3):
        nested = [nested]
    assert one_line({"type": "deep", "tree": nested})["type"] == "deep"


def test_ten_megabyte_value_is_never_truncated() -> None:
    big = "x" * (10 * 1024 * 1024)
    data = one_line({"type": "tool_end", "tool": "dump", "result": big})
    assert data["result"] == big


def test_event_that_is_a_cycle_through_to_dict() -> None:
    class Weird:
        def to_dict(self) -> dict[str, Any]:
            d: dict[str, Any] = {"type": "weird"}
            d["me"] = [d]
            return d

    data = one_line(Weird())
    assert data == {"type": "weird", "me": ["<cycle>"]}


def test_json_default_never_raises() -> None:
    assert json_default(Hostile()) == "<unrepresentable Hostile>"
    assert json_default(b"\x00") == "\x00"


def test_to_jsonable_gives_only_json_types() -> None:
    value = {"s": {1, 2}, 3: [b"x", Decimal("2")], "t": (None, True, 1.5)}
    assert to_jsonable(value) == {"s": [1, 2], "3": ["x", "2"], "t": [None, True, 1.5]}
    assert to_jsonable([[[1]]], max_depth=2) == [["<max depth>"]]


def test_dumps_event_is_the_fast_path_for_plain_events() -> None:
    assert dumps_event({"type": "token", "content": "x"}) == b'{"type":"token","content":"x"}'


def test_type_is_always_present() -> None:
    for event in ({}, {"content": "c"}, {"event_type": Colour.RED}, [], 5, None, Hostile()):
        data = one_line(event)
        assert isinstance(data["type"], str)
        assert data["type"]
