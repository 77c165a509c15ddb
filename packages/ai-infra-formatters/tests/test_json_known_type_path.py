"""JsonFormatter's hot path (compact, no visibility) gives what its general path gives.

The hot path takes a dict, or the dict an event's ``to_dict()`` gave, as wire
form when its ``type`` is one of the known type names (one set lookup), and
calls orjson without ``default=`` (retrying with it only when orjson refuses a
value). Everything else goes through ``event_to_dict`` and ``dumps_event`` as
before. ``visibility="debug"`` hides nothing but always takes the general path,
so the two formatters must agree byte for byte on every event.
"""

from __future__ import annotations

import dataclasses
import decimal
import enum
from typing import Any

import orjson
import pytest
from fmt_support import SAMPLE_EVENTS

from ai_infra_formatters import JsonFormatter
from ai_infra_formatters.event_types import KNOWN_EVENT_TYPES

HOT = JsonFormatter()
GENERAL = JsonFormatter(visibility="debug")


class Kind(str, enum.Enum):
    TOKEN = "token"


class PlainKind(enum.Enum):
    TOKEN = "token"


class NamedStr(str):
    """A str subclass, as some libraries hand out."""


class PosesAsToken:
    """Hashes and compares like "token", but is no str."""

    def __hash__(self) -> int:
        return hash("token")

    def __eq__(self, other: object) -> bool:
        return other == "token"

    def __str__(self) -> str:
        return "posing"


class RaisesOnCompare:
    """Hashes like "token"; comparing it raises."""

    def __hash__(self) -> int:
        return hash("token")

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no comparing")

    def __str__(self) -> str:
        return "raiser"


class ToDict:
    """An event whose to_dict() gives whatever it was made with (or raises)."""

    def __init__(self, result: Any) -> None:
        self.result = result

    def to_dict(self) -> Any:
        if isinstance(self.result, Exception):
            raise self.result
        return self.result


@dataclasses.dataclass
class Plain:
    type: Any
    content: str = "x"


TYPE_VALUES: list[Any] = [
    "token",
    "tool_end",
    "my_custom",
    "",
    None,
    42,
    ["token"],
    Kind.TOKEN,
    PlainKind.TOKEN,
    NamedStr("token"),
    PosesAsToken(),
    RaisesOnCompare(),
]

ODD_VALUES: list[Any] = [
    {1, 2},
    b"\xffbytes",
    decimal.Decimal("1.5"),
    2**70,
    "lone \ud800 surrogate",
    {1: "int key"},
    "\x9b31m C1 \u202e bidi \x7f del",
]


def events() -> list[Any]:
    out: list[Any] = [*SAMPLE_EVENTS.values()]
    for kind in TYPE_VALUES:
        out.append({"type": kind, "content": "hi"})
        out.append({"content": "type comes second", "type": kind})
        out.append(ToDict({"type": kind, "content": "hi"}))
        out.append(Plain(kind))
    for value in ODD_VALUES:
        out.append({"type": "token", "content": value})
        out.append(ToDict({"type": "tool_end", "result": value}))
    out += [
        {},
        {"event_type": "task_start"},
        {"event_type": Kind.TOKEN},
        ToDict(None),
        ToDict(["not", "a", "dict"]),
        ToDict(RuntimeError("to_dict failed")),
        ToDict({"no": "type"}),
    ]
    cycle: dict[str, Any] = {"type": "token"}
    cycle["self"] = cycle
    out.append(cycle)
    return out


@pytest.mark.parametrize("event", events(), ids=lambda e: type(e).__name__)
def test_the_hot_path_gives_the_general_paths_bytes(event: Any) -> None:
    line = GENERAL.format(event)
    assert HOT.format(event) == line
    assert HOT.format_bytes(event) == line.encode("utf-8")
    assert HOT.format(event) == HOT.format(event)  # and again: the class is now known


@pytest.mark.parametrize("event", events(), ids=lambda e: type(e).__name__)
def test_every_line_carries_a_str_type(event: Any) -> None:
    fields = orjson.loads(HOT.format_bytes(event))
    assert isinstance(fields["type"], str)
    assert fields["type"]


def test_a_dict_in_wire_form_is_written_as_orjson_writes_it() -> None:
    for kind in sorted(KNOWN_EVENT_TYPES):
        event = {"type": kind, "content": "hi", "n": 1}
        assert HOT.format_bytes(event) == orjson.dumps(event)


def test_a_type_that_poses_as_a_known_name_still_gives_a_line() -> None:
    # Equal to "token" for the set lookup, so used as it is: orjson cannot
    # encode it and the retry writes its str(), as the general path does.
    assert orjson.loads(HOT.format({"type": PosesAsToken()}))["type"] == "posing"
    assert orjson.loads(HOT.format({"type": RaisesOnCompare()}))["type"] == "raiser"
