"""Every event shape of the contract is accepted, and every known type has its symbol."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

import orjson
import pytest
from fmt_support import (
    ALL_TYPES,
    CORE_TYPES,
    EXECUTOR_TYPES,
    MINIMAL_LAYOUT_TYPES,
    SAMPLE_EVENTS,
    AttributeEvent,
    BareDataclassEvent,
    EventKind,
    PlainEnumKind,
    ReadOnlyMapping,
    StreamEvent,
    ToDictFails,
    make_console,
    strip_sgr,
)

from ai_infra_formatters import (
    CORE_EVENT_TYPES,
    EXECUTOR_EVENT_TYPES,
    KNOWN_EVENT_TYPES,
    ConsoleFormatter,
    JsonFormatter,
    event_to_dict,
)
from ai_infra_formatters.events import event_type_of
from ai_infra_formatters.layouts import SYMBOLS
from ai_infra_formatters.theme import DEFAULT_STYLES


def plain() -> ConsoleFormatter:
    return ConsoleFormatter("plain", colors_enabled=False, console=make_console())


# -- known types ---------------------------------------------------------------


def test_known_type_lists_match_the_contract() -> None:
    assert CORE_EVENT_TYPES == CORE_TYPES
    assert EXECUTOR_EVENT_TYPES == EXECUTOR_TYPES
    assert len(CORE_EVENT_TYPES) == 12
    assert len(EXECUTOR_EVENT_TYPES) == 13
    assert frozenset(ALL_TYPES) == KNOWN_EVENT_TYPES


def test_every_known_type_has_a_symbol_and_a_style() -> None:
    assert set(SYMBOLS) == set(ALL_TYPES)
    for etype in ALL_TYPES:
        assert f"ai_infra.{etype}" in DEFAULT_STYLES
        if etype != "token":
            assert SYMBOLS[etype].strip(), etype


@pytest.mark.parametrize("etype", ALL_TYPES)
@pytest.mark.parametrize("layout", ["plain", "rich", "minimal"])
def test_each_type_renders_with_its_symbol(layout: str, etype: str) -> None:
    formatter = ConsoleFormatter(layout, colors_enabled=False, console=make_console())
    out = formatter.format(SAMPLE_EVENTS[etype])
    if layout == "minimal" and etype not in MINIMAL_LAYOUT_TYPES:
        assert out == ""
        return
    if etype == "token":
        assert out == "Hello"
        return
    if etype == "reasoning":  # streams inline like tokens; the writer puts its mark
        assert out == "A implies B"
        assert formatter.speaker_label(SAMPLE_EVENTS[etype]) == SYMBOLS[etype] + " "
        return
    first_line = out.split("\n", 1)[0]
    assert first_line.startswith(SYMBOLS[etype] + " "), (etype, out)
    assert len(first_line) > len(SYMBOLS[etype]) + 1


@pytest.mark.parametrize("etype", [t for t in ALL_TYPES if t != "token"])
def test_each_type_symbol_wears_its_theme_style(etype: str) -> None:
    from rich.color import ColorSystem
    from rich.style import Style

    formatter = ConsoleFormatter("plain", console=make_console())
    out = formatter.format(SAMPLE_EVENTS[etype])
    if etype == "reasoning":  # the mark starts its line, from the writer's label
        out = formatter.speaker_label(SAMPLE_EVENTS[etype])
    style = Style.parse(DEFAULT_STYLES[f"ai_infra.{etype}"])
    start = style.render("\x00", color_system=ColorSystem.TRUECOLOR).partition("\x00")[0]
    assert start.startswith("\x1b["), etype
    assert out.startswith(start + SYMBOLS[etype]), (etype, out)


@pytest.mark.parametrize("layout", ["plain", "rich"])
def test_unknown_type_prints_and_never_raises(layout: str) -> None:
    formatter = ConsoleFormatter(layout, colors_enabled=False, console=make_console())
    out = formatter.format({"type": "quantum_flux", "message": "flux capacitor charged"})
    assert "flux capacitor charged" in out
    assert out.startswith("• ")
    assert formatter.format({"type": "quantum_flux"}) == "• quantum_flux"
    line = JsonFormatter().format({"type": "quantum_flux", "n": 1})
    assert orjson.loads(line) == {"type": "quantum_flux", "n": 1}


# -- shapes ----------------------------------------------------------------------


def test_plain_dict_is_returned_unchanged() -> None:
    event = {"type": "token", "content": "hi"}
    assert event_to_dict(event) == {"type": "token", "content": "hi"}


@pytest.mark.parametrize(
    ("discriminator", "expected"),
    [
        ("task_start", "task_start"),
        (EventKind.TASK_START, "task_start"),
        (PlainEnumKind.NODE_END, "node_end"),
    ],
)
def test_event_type_discriminator(discriminator: Any, expected: str) -> None:
    event = {"event_type": discriminator, "message": "legacy event"}
    assert event_to_dict(event)["type"] == expected
    assert event_type_of(event) == expected
    assert orjson.loads(JsonFormatter().format(event))["type"] == expected
    out = plain().format(event)
    assert out.startswith(SYMBOLS[expected] + " ")
    assert "legacy event" in out


def test_type_as_enum_value() -> None:
    event = {"type": EventKind.ERROR, "error": "boom"}
    assert event_to_dict(event)["type"] == "error"
    assert plain().format(event) == "✗ boom"


def test_type_wins_over_event_type() -> None:
    assert event_to_dict({"type": "token", "event_type": "task_start"})["type"] == "token"


def test_stream_event_dataclass_with_to_dict() -> None:
    event = StreamEvent(type="tool_start", tool="calculator", arguments={"expr": "2+2"})
    fields = event_to_dict(event)
    assert fields == {"type": "tool_start", "tool": "calculator", "arguments": {"expr": "2+2"}}
    assert "timestamp" not in orjson.loads(JsonFormatter().format(event))
    assert plain().format(event) == "⚙ calculator"
    rich = ConsoleFormatter("rich", colors_enabled=False, console=make_console())
    assert rich.format(event) == '⚙ calculator\n    arguments: {"expr":"2+2"}'


def test_stream_event_structured_result() -> None:
    event = StreamEvent(type="tool_end", tool="lookup", result={"rows": 3}, result_structured=True)
    data = orjson.loads(JsonFormatter().format(event))
    assert data["structured_result"] == {"rows": 3}
    assert data["result_structured"] is True
    rich = ConsoleFormatter(
        "rich", colors_enabled=False, console=make_console(), visibility="detailed"
    )
    assert 'structured_result: {"rows":3}' in rich.format(event)


def test_stream_event_token() -> None:
    assert plain().format(StreamEvent(type="token", content="abc")) == "abc"
    assert event_type_of(StreamEvent(type="token", content="abc")) == "token"


def test_dataclass_without_to_dict() -> None:
    event = BareDataclassEvent(type="node_start", node_name="plan")
    assert event_to_dict(event) == {"type": "node_start", "node_name": "plan"}
    assert plain().format(event) == "→ [plan] Node started"


def test_object_with_attributes() -> None:
    event = AttributeEvent(type="progress", message="halfway", _private="x", data=None)
    assert event_to_dict(event) == {"type": "progress", "message": "halfway"}
    assert plain().format(event) == "⋯ halfway"


def test_mapping_that_is_not_a_dict() -> None:
    event = ReadOnlyMapping({"event_type": EventKind.TOKEN, "content": "mapped"})
    assert event_to_dict(event) == {
        "event_type": EventKind.TOKEN,
        "content": "mapped",
        "type": "token",
    }
    assert plain().format(event) == "mapped"


def test_to_dict_that_raises_falls_back_to_attributes() -> None:
    event = ToDictFails()
    assert event_to_dict(event) == {"type": "node_start", "node_name": "fallback"}
    assert plain().format(event) == "→ [fallback] Node started"
    assert orjson.loads(JsonFormatter().format(event))["node_name"] == "fallback"


@pytest.mark.parametrize("junk", [None, "just a string", 42, 3.5, True, b"bytes", object()])
def test_junk_events_become_unknown_and_still_print(junk: Any) -> None:
    fields = event_to_dict(junk)
    assert fields["type"] == "unknown"
    line = JsonFormatter().format(junk)
    assert orjson.loads(line)["type"] == "unknown"
    for layout in ("plain", "rich"):
        out = ConsoleFormatter(layout, colors_enabled=False, console=make_console()).format(junk)
        assert out.startswith("• ")
    if isinstance(junk, str):
        assert "just a string" in plain().format(junk)


@pytest.mark.parametrize(("raw_type", "expected"), [("", "unknown"), (None, "unknown"), (0, "0")])
def test_missing_or_empty_type(raw_type: Any, expected: str) -> None:
    assert event_to_dict({"type": raw_type, "message": "m"})["type"] == expected
    assert event_to_dict({"message": "m"})["type"] == "unknown"
    assert plain().format({"type": raw_type, "message": "m"}) == "• m"


def test_callers_dict_is_never_mutated() -> None:
    events: list[dict[str, Any]] = [
        {"event_type": "task_start", "task": {"title": "T"}},
        {"type": "tool_end", "tool": "x", "result": "r", "preview": "p", "arguments": {"a": 1}},
        {"type": "", "content": "c"},
        {"type": EventKind.ERROR, "error": "e"},
        dict(SAMPLE_EVENTS["todo"]),
    ]
    snapshots = [copy.deepcopy(e) for e in events]
    formatters: list[Any] = [
        JsonFormatter(),
        JsonFormatter(visibility="standard"),
        JsonFormatter(visibility="minimal"),
    ]
    for layout in ("plain", "rich", "minimal"):
        for visibility in (None, "minimal", "standard", "detailed", "debug"):
            formatters.append(
                ConsoleFormatter(
                    layout, colors_enabled=False, visibility=visibility, console=make_console()
                )
            )
    for formatter in formatters:
        for event in events:
            formatter.format(event)
            event_to_dict(event)
    assert events == snapshots


def test_to_dict_result_not_mutated() -> None:
    class Holder:
        def __init__(self) -> None:
            self.wire = {"event_type": "task_start", "message": "go"}

        def to_dict(self) -> dict[str, Any]:
            return self.wire

    holder = Holder()
    assert event_to_dict(holder)["type"] == "task_start"
    ConsoleFormatter("rich", colors_enabled=False, visibility="standard").format(holder)
    assert holder.wire == {"event_type": "task_start", "message": "go"}


def test_timing_is_shown_and_can_be_switched_off() -> None:
    event = SAMPLE_EVENTS["node_end"]
    assert plain().format(event) == "← [plan] Node finished (1.23s)"
    quiet = ConsoleFormatter("plain", colors_enabled=False, show_timing=False)
    assert quiet.format(event) == "← [plan] Node finished"
    assert plain().format(SAMPLE_EVENTS["tool_end"]).endswith("(234ms)")
    assert plain().format(SAMPLE_EVENTS["run_end"]).endswith("(1m 05.4s)")


def test_plain_headlines_carry_node_message_and_tool() -> None:
    f = plain()
    assert f.format(SAMPLE_EVENTS["task_start"]) == "● [1/3] Write the parser"
    assert f.format(SAMPLE_EVENTS["task_complete"]) == "✓ Completed task: Write the parser (2.50s)"
    assert f.format(SAMPLE_EVENTS["usage"]) == "Σ Usage: 120 in · 45 out · $0.0012 · gpt-x"
    assert f.format(SAMPLE_EVENTS["todo"]) == "☐ Todo list: 1/2 done"
    assert (
        f.format({"type": "progress", "node_name": "exec", "message": "m", "tool": "grep"})
        == "⋯ [exec] m (grep)"
    )
    assert (
        f.format({"type": "node_start", "namespace": ["outer:123", "inner:9"], "node_name": "n"})
        == "→ [outer \u203a inner \u203a n] Node started"
    )


def test_with_colours_text_is_the_same_once_sgr_is_stripped() -> None:
    coloured = ConsoleFormatter("rich", console=make_console())
    bare = ConsoleFormatter("rich", colors_enabled=False, console=make_console())
    for event in SAMPLE_EVENTS.values():
        assert strip_sgr(coloured.format(event)) == bare.format(event)


@dataclasses.dataclass
class _NestedEvent:
    """A dataclass event whose to_dict() reshapes its attributes."""

    kind: str
    payload: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.kind, **self.payload}


def test_a_dataclass_with_its_own_to_dict_shape_is_read_through_it() -> None:
    event = _NestedEvent("run_start", {"message": "Starting run: ROADMAP.md (4 tasks)"})
    plain = ConsoleFormatter("plain", colors_enabled=False, console=make_console())
    assert plain.format(event) == "▶ Starting run: ROADMAP.md (4 tasks)"


class _CountingToDict:
    """An event whose to_dict() gives a Mapping that is not a dict, counting its calls."""

    calls = 0

    def to_dict(self) -> Any:
        type(self).calls += 1
        return _ReadOnly({"type": "intent", "content": "Reading the parser"})


class _ReadOnly(Mapping[str, Any]):
    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def test_to_dict_is_called_once_per_event() -> None:
    _CountingToDict.calls = 0
    assert event_to_dict(_CountingToDict()) == {"type": "intent", "content": "Reading the parser"}
    assert _CountingToDict.calls == 1


class _UntypedToDict:
    """to_dict() gives a dict without a type (read from event_type), counting its calls."""

    calls = 0

    def to_dict(self) -> dict[str, Any]:
        type(self).calls += 1
        return {"event_type": "task_start", "message": "m"}


class _RaisingToDict:
    """to_dict() raises: the event is read through its attributes."""

    calls = 0

    def __init__(self) -> None:
        self.type = "progress"
        self.message = "half"

    def to_dict(self) -> dict[str, Any]:
        type(self).calls += 1
        raise RuntimeError("no")


@pytest.mark.parametrize("cls", [_CountingToDict, _UntypedToDict, _RaisingToDict])
def test_json_hot_paths_call_to_dict_once_per_event(cls: Any) -> None:
    # The first event of a class goes through event_to_dict, later ones through
    # the formatters' own shortcut (known_to_dict): both call to_dict once.
    fmt = JsonFormatter()
    expected = event_to_dict(cls())
    for write in (fmt.format, fmt.format_bytes, fmt.format, fmt.format_bytes):
        cls.calls = 0
        line = write(cls())
        assert cls.calls == 1
        assert orjson.loads(line) == expected


class _ClassmethodToDict:
    """A to_dict that is not a plain function is still called through the instance."""

    @classmethod
    def to_dict(cls) -> dict[str, Any]:
        return {"type": "done", "tools_called": 2}


def test_a_classmethod_to_dict_is_called_through_the_instance() -> None:
    assert event_to_dict(_ClassmethodToDict()) == {"type": "done", "tools_called": 2}


class _MappingWithTypeAttribute(_ReadOnly):
    """A Mapping event whose class also has a `type` attribute: the key is what counts."""

    type = "not-this"


class _ExplodingAttributes:
    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(name)


@pytest.mark.parametrize(
    "event",
    [
        {"type": "token", "content": "x"},
        {"event_type": "task_start"},
        _ReadOnly({"type": "intent", "content": "c"}),
        _MappingWithTypeAttribute({"type": "done"}),
        _MappingWithTypeAttribute({"message": "no type"}),
        StreamEvent(type="tool_end", tool="t"),
        _ExplodingAttributes(),
        object(),
    ],
    ids=lambda e: type(e).__name__,
)
def test_event_type_of_agrees_with_event_to_dict(event: Any) -> None:
    # (An object that names its type only in to_dict() is the exception: event_type_of
    # does not call it, so such an object's type reads as "unknown" there.)
    for _ in range(2):  # the second time, the class is known
        assert event_type_of(event) == event_to_dict(event)["type"]
