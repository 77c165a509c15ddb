"""The executor's hot paths give exactly what the general paths give."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_infra_executor import ExecutorStreamEvent, StreamEvent
from ai_infra_executor.core import WIRE_FIELDS
from ai_infra_executor.events import EXECUTOR_FIELDS, iso_utc


@given(st.floats(min_value=0, max_value=2**34, allow_nan=False, allow_infinity=False))
def test_iso_utc_matches_datetime(timestamp: float) -> None:
    assert iso_utc(timestamp) == datetime.fromtimestamp(timestamp, UTC).isoformat()


@pytest.mark.parametrize(
    "timestamp",
    [0.0, 1.0, 1_700_000_000.0, 1_700_000_000.9999995, 1_700_000_000.0000005, 1e9 + 0.5e-6, -1.5],
)
def test_iso_utc_edges(timestamp: float) -> None:
    assert iso_utc(timestamp) == datetime.fromtimestamp(timestamp, UTC).isoformat()


def test_iso_utc_after_another_second() -> None:
    # The per-second cache must not leak one second's text into the next.
    assert iso_utc(1_700_000_000.25).startswith("2023-11-14T22:13:20.")
    assert iso_utc(1_700_000_001.25).startswith("2023-11-14T22:13:21.")
    assert iso_utc(1_700_000_000.25).startswith("2023-11-14T22:13:20.")


class _Shaped:
    """Not this package's class: goes through the general (attribute) path."""

    def __init__(self, event: StreamEvent) -> None:
        self.__dict__.update(event.__dict__)


_EVENTS = [
    StreamEvent(type="token", content="hi"),
    StreamEvent(type="tool_start", tool="search", tool_id="c1", arguments={"q": "x"}),
    StreamEvent(type="tool_end", tool="search", result={"n": 1}, result_structured=True),
    StreamEvent(type="usage", input_tokens=3, output_tokens=4, cost=0.01, model="m"),
]


@pytest.mark.parametrize("event", _EVENTS, ids=lambda e: e.type)
@pytest.mark.parametrize(
    "extra",
    [{}, {"node_name": "execute_task"}, {"node_name": "n", "data": None, "namespace": ("a", 1)}],
)
def test_from_core_event_fast_path_matches_general_path(
    event: StreamEvent, extra: dict[str, Any]
) -> None:
    fast = ExecutorStreamEvent.from_core_event(event, **extra)
    general = ExecutorStreamEvent.from_core_event(_Shaped(event), **extra)
    assert vars(fast) == vars(general)
    assert fast.to_dict() == general.to_dict()


def test_from_core_event_rewraps_an_executor_event() -> None:
    first = ExecutorStreamEvent.from_core_event(_EVENTS[1], node_name="a", message="m")
    again = ExecutorStreamEvent.from_core_event(first, node_name="b")
    assert again is not first
    assert (again.node_name, again.message, again.tool) == ("b", "m", "search")
    assert first.node_name == "a"


def test_from_core_event_rejects_an_empty_type() -> None:
    with pytest.raises(TypeError):
        ExecutorStreamEvent.from_core_event(StreamEvent(type=""))  # type: ignore[arg-type]


# -- events store only what they carry ---------------------------------------------


def test_an_event_stores_only_its_set_fields_and_reads_defaults_for_the_rest() -> None:
    event = StreamEvent("token", "hi", timestamp=5.0)
    assert vars(event) == {"type": "token", "content": "hi", "timestamp": 5.0}
    assert (event.tool, event.result_structured, event.todo_items) == (None, False, None)
    full = StreamEvent("token", "hi", timestamp=5.0)
    full.tool = None  # stored explicitly: the same event all the same
    assert full == event
    assert dataclasses.asdict(event)["arguments"] is None
    assert dataclasses.replace(event, tool="t").to_dict() == {
        "type": "token",
        "content": "hi",
        "tool": "t",
    }


def test_an_explicit_none_timestamp_is_kept_as_dataclasses_would() -> None:
    assert StreamEvent("token", timestamp=None).timestamp is None  # type: ignore[arg-type]
    assert isinstance(StreamEvent("token").timestamp, float)


def test_to_dict_follows_fields_set_after_the_event_was_made() -> None:
    event = StreamEvent("tool_start", tool="search")
    event.arguments = {"q": "x"}
    event.tool = None
    assert event.to_dict() == {"type": "tool_start", "arguments": {"q": "x"}}
    event.result = "r"  # the result still comes right after the type
    assert list(event.to_dict()) == ["type", "result", "arguments"]


def test_executor_fields_are_stored_in_field_order_whatever_the_keyword_order() -> None:
    core = StreamEvent("token", content="x", timestamp=1_700_000_000.0)
    wrapped = ExecutorStreamEvent.from_core_event(
        core, namespace=["sub:1"], data={"k": 1}, message="m", node_name="n"
    )
    made = ExecutorStreamEvent(
        "token",
        content="x",
        timestamp=1_700_000_000.0,
        node_name="n",
        message="m",
        data={"k": 1},
        namespace=["sub:1"],
    )
    assert wrapped == made
    assert list(wrapped.to_dict()) == list(made.to_dict())
    assert list(made.to_dict()) == [
        "type",
        "content",
        "node_name",
        "message",
        "data",
        "namespace",
        "event_type",
        "timestamp",
    ]


def test_rewrapping_with_a_field_the_event_lacks_keeps_the_field_order() -> None:
    first = ExecutorStreamEvent("task_start", message="m", data={"k": 1})
    again = ExecutorStreamEvent.from_core_event(first, node_name="n")
    assert list(again.to_dict())[:4] == ["type", "node_name", "message", "data"]
    assert again.timestamp == first.timestamp
    cleared = ExecutorStreamEvent.from_core_event(first, message="")
    assert cleared.message == ""
    assert "message" not in cleared.to_dict()


@pytest.mark.parametrize("content", ["hi", "", None])
def test_the_token_shortcut_of_to_dict_gives_the_general_wire_form(content: str | None) -> None:
    token = StreamEvent("token", content="x", timestamp=1.0)
    token.content = content  # stored even when None: the shortcut must not show it
    expected = {"type": "token"} if content is None else {"type": "token", "content": content}
    assert token.to_dict() == expected
    assert ExecutorStreamEvent.from_core_event(token).to_dict()["type"] == "token"


# -- the wire form, whatever was stored when ---------------------------------------

_TEXT = st.none() | st.text(max_size=4)
_DICT = st.none() | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
_FIELD_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "content": _TEXT,
    "tool": _TEXT,
    "tool_id": _TEXT,
    "arguments": _DICT,
    "result": _TEXT | _DICT,
    "result_structured": st.booleans(),
    "preview": _TEXT,
    "latency_ms": st.none() | st.floats(0, 1e6),
    "model": _TEXT,
    "tools_called": st.none() | st.integers(0, 5),
    "error": _TEXT,
    "input_tokens": st.none() | st.integers(0, 9),
    "output_tokens": st.none() | st.integers(0, 9),
    "cost": st.none() | st.floats(0, 1),
    "turn_id": st.none() | st.integers(0, 9),
    "todo_items": st.none() | st.lists(st.fixed_dictionaries({"id": st.integers()}), max_size=2),
    "node_name": _TEXT,
    "task": _DICT,
    "state_snapshot": _DICT,
    "duration_ms": st.none() | st.floats(0, 1e6),
    "message": st.text(max_size=4),
    "data": st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    "namespace": st.none() | st.lists(st.text(min_size=1, max_size=3), min_size=1, max_size=2),
}
_TYPES = st.sampled_from(["token", "tool_end", "tool_start", "task_start", "node_end", "usage"])


def _spec_wire_form(event: ExecutorStreamEvent) -> dict[str, Any]:
    """ExecutorStreamEvent.to_dict() as its documentation states it, from attributes."""
    out: dict[str, Any] = {"type": event.type}
    if event.result is not None:
        if event.result_structured and event.type == "tool_end":
            out["structured_result"] = event.result
            out["result_structured"] = True
        else:
            out["result"] = event.result
    for name in WIRE_FIELDS:
        if getattr(event, name) is not None:
            out[name] = getattr(event, name)
    for name in EXECUTOR_FIELDS:
        value = getattr(event, name)
        if value is not None and value != "" and value != {}:
            out[name] = value
    out["event_type"] = event.type
    out["timestamp"] = iso_utc(event.timestamp)
    return out


@given(
    _TYPES,
    st.fixed_dictionaries({}, optional=_FIELD_VALUES),
    st.fixed_dictionaries({}, optional=_FIELD_VALUES),
    st.fixed_dictionaries({}, optional={k: _FIELD_VALUES[k] for k in EXECUTOR_FIELDS}),
)
def test_to_dict_is_the_documented_wire_form_however_the_event_was_made(
    etype: str, made: dict[str, Any], set_later: dict[str, Any], wrapped_with: dict[str, Any]
) -> None:
    event = ExecutorStreamEvent(etype, timestamp=1_700_000_000.25, **made)
    for name, value in set_later.items():
        setattr(event, name, value)
    assert event.to_dict() == _spec_wire_form(event)
    core = StreamEvent(
        etype,
        timestamp=1_700_000_000.5,
        **{  # type: ignore[arg-type]
            k: v for k, v in made.items() if k in StreamEvent.__dataclass_fields__
        },
    )
    wrapped = ExecutorStreamEvent.from_core_event(core, **wrapped_with)
    assert wrapped.to_dict() == _spec_wire_form(wrapped)
    again = ExecutorStreamEvent.from_core_event(event, **wrapped_with)
    assert again.to_dict() == _spec_wire_form(again)
    assert list(again.to_dict())[-2:] == ["event_type", "timestamp"]
