"""ExecutorStreamEvent: the core event plus executor fields, old and new call forms."""

from __future__ import annotations

import dataclasses
import typing
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum

import pytest
from executor_support import (
    CORE_SAMPLES,
    CORE_TYPES,
    EXECUTOR_SAMPLES,
    EXECUTOR_TYPES,
    STRUCTURED_TOOL_END,
)
from hypothesis import given
from hypothesis import strategies as st

from ai_infra_executor import (
    ExecutorEventType,
    ExecutorStreamEvent,
    StreamEvent,
    StreamEventType,
    from_core_event,
)
from ai_infra_formatters.event_types import CORE_EVENT_TYPES, EXECUTOR_EVENT_TYPES

ALL_TYPES = CORE_TYPES + EXECUTOR_TYPES


def test_stream_event_type_has_one_member_per_executor_type():
    assert [m.value for m in StreamEventType] == list(EXECUTOR_TYPES)
    assert tuple(m.value for m in StreamEventType) == EXECUTOR_EVENT_TYPES
    assert StreamEventType.RUN_START == "run_start"
    assert str(StreamEventType.TASK_START) == "task_start"
    assert f"{StreamEventType.RESUME}" == "resume"


def test_executor_event_type_lists_core_then_executor_types():
    assert typing.get_args(ExecutorEventType) == CORE_EVENT_TYPES + EXECUTOR_EVENT_TYPES
    assert len(typing.get_args(ExecutorEventType)) == 25


def test_is_a_core_stream_event_with_seven_more_fields():
    assert issubclass(ExecutorStreamEvent, StreamEvent)
    core = [f.name for f in dataclasses.fields(StreamEvent)]
    names = [f.name for f in dataclasses.fields(ExecutorStreamEvent)]
    assert names == [
        *core,
        *("node_name", "task", "state_snapshot", "duration_ms", "message", "data", "namespace"),
    ]
    event = ExecutorStreamEvent("node_start")
    assert (event.node_name, event.task, event.state_snapshot, event.duration_ms) == (None,) * 4
    assert event.namespace is None
    assert (event.message, event.data) == ("", {})


def test_old_call_site_with_event_type_keyword():
    event = ExecutorStreamEvent(
        event_type=StreamEventType.TASK_START, message="Starting", data={"task_number": 2}
    )
    assert event.type == "task_start"
    assert type(event.type) is str
    assert event.event_type is StreamEventType.TASK_START
    assert event.data["task_number"] == 2
    assert event.to_dict()["event_type"] == "task_start"


def test_new_call_site_with_type():
    event = ExecutorStreamEvent(type="task_start", message="m")
    assert event.event_type is StreamEventType.TASK_START
    assert ExecutorStreamEvent(StreamEventType.NODE_END).type == "node_end"


def test_event_type_of_a_core_type_is_the_plain_string():
    event = ExecutorStreamEvent("token", content="hi")
    assert event.event_type == "token"
    assert type(event.event_type) is str


def test_event_type_setter_changes_the_type():
    event = ExecutorStreamEvent("task_start")
    event.event_type = StreamEventType.TASK_FAILED
    assert event.type == "task_failed"
    assert event.to_dict()["type"] == "task_failed"


def test_a_type_is_required_and_both_names_must_agree():
    with pytest.raises(TypeError, match="needs a type"):
        ExecutorStreamEvent()
    with pytest.raises(ValueError, match="disagree"):
        ExecutorStreamEvent("task_start", event_type=StreamEventType.TASK_FAILED)
    same = ExecutorStreamEvent("task_start", event_type=StreamEventType.TASK_START)
    assert same.type == "task_start"
    with pytest.raises(TypeError, match="non-empty str"):
        ExecutorStreamEvent(typing.cast(typing.Any, 3))


def test_timestamp_accepts_seconds_datetimes_and_iso_strings():
    moment = datetime(2025, 1, 31, 12, 0, 0, 500000, tzinfo=UTC)
    seconds = moment.timestamp()
    assert ExecutorStreamEvent("progress", timestamp=seconds).timestamp == seconds
    assert ExecutorStreamEvent("progress", timestamp=moment).timestamp == seconds
    naive = moment.replace(tzinfo=None)
    assert ExecutorStreamEvent("progress", timestamp=naive).timestamp == seconds
    assert ExecutorStreamEvent("progress", timestamp=moment.isoformat()).timestamp == seconds
    assert ExecutorStreamEvent("progress", timestamp="2025-01-31T12:00:00.5Z").timestamp == seconds
    plus_two = moment.astimezone(timezone(timedelta(hours=2)))
    assert plus_two.hour == 14
    assert ExecutorStreamEvent("progress", timestamp=plus_two).timestamp == seconds


def test_to_dict_is_core_wire_form_plus_executor_fields_event_type_and_timestamp():
    moment = datetime(2025, 1, 31, 12, 0, tzinfo=UTC)
    event = ExecutorStreamEvent(
        "tool_end",
        tool="search",
        latency_ms=5.0,
        node_name="execute_task",
        duration_ms=7.0,
        timestamp=moment,
    )
    assert event.to_dict() == {
        "type": "tool_end",
        "tool": "search",
        "latency_ms": 5.0,
        "node_name": "execute_task",
        "duration_ms": 7.0,
        "event_type": "tool_end",
        "timestamp": "2025-01-31T12:00:00+00:00",
    }
    assert list(event.to_dict()) == [
        "type",
        "tool",
        "latency_ms",
        "node_name",
        "duration_ms",
        "event_type",
        "timestamp",
    ]


def test_to_dict_leaves_out_empty_message_and_data_but_keeps_falsy_numbers():
    event = ExecutorStreamEvent("node_end", duration_ms=0.0, message="", data={})
    out = event.to_dict()
    assert "message" not in out
    assert "data" not in out
    assert out["duration_ms"] == 0.0


def test_to_dict_keeps_the_structured_result_rule():
    event = ExecutorStreamEvent("tool_end", **STRUCTURED_TOOL_END, node_name="n")
    out = event.to_dict()
    assert out["structured_result"] == STRUCTURED_TOOL_END["result"]
    assert out["result_structured"] is True
    assert "result" not in out


def test_core_part_of_to_dict_equals_the_core_event():
    for etype, sample in CORE_SAMPLES.items():
        core = StreamEvent(type=etype, **sample)  # type: ignore[arg-type]
        wrapped = from_core_event(core, node_name="n")
        out = wrapped.to_dict()
        assert {k: v for k, v in out.items() if k in core.to_dict()} == core.to_dict()
        assert set(out) - set(core.to_dict()) == {"node_name", "event_type", "timestamp"}


def _sample(etype: str) -> ExecutorStreamEvent:
    if etype in CORE_SAMPLES:
        return ExecutorStreamEvent(etype, **CORE_SAMPLES[etype], node_name="execute_task")  # type: ignore[arg-type]
    return ExecutorStreamEvent(etype, **EXECUTOR_SAMPLES[etype])  # type: ignore[arg-type]


def _same_event(a: ExecutorStreamEvent, b: ExecutorStreamEvent) -> None:
    assert type(b) is ExecutorStreamEvent
    assert a.to_dict() == b.to_dict()
    assert abs(a.timestamp - b.timestamp) < 1e-6
    assert dataclasses.replace(b, timestamp=a.timestamp) == a


@pytest.mark.parametrize("etype", ALL_TYPES)
def test_from_dict_round_trips_every_event_type(etype):
    event = _sample(etype)
    _same_event(event, ExecutorStreamEvent.from_dict(event.to_dict()))


def test_from_dict_round_trips_a_structured_tool_end():
    event = ExecutorStreamEvent("tool_end", **STRUCTURED_TOOL_END)
    back = ExecutorStreamEvent.from_dict(event.to_dict())
    assert back.result_structured is True
    _same_event(event, back)


def test_from_dict_reads_old_event_type_dicts_and_ignores_unknown_keys():
    old = {
        "event_type": "task_start",
        "node_name": None,
        "timestamp": "2025-01-31T12:00:00+00:00",
        "data": {"task_number": 1},
        "state_snapshot": None,
        "duration_ms": None,
        "task": {"id": "1", "title": "T"},
        "message": "Starting task: T",
        "added_by_a_newer_version": True,
    }
    event = ExecutorStreamEvent.from_dict(old)
    assert event.event_type is StreamEventType.TASK_START
    assert event.task == {"id": "1", "title": "T"}
    assert event.iso_timestamp == "2025-01-31T12:00:00+00:00"
    with pytest.raises(TypeError, match="no 'type'"):
        ExecutorStreamEvent.from_dict({"message": "typeless"})


def test_from_dict_of_an_old_dict_with_null_message_gives_empty_message():
    event = ExecutorStreamEvent.from_dict({"event_type": "run_start", "message": None})
    assert event.message == ""
    assert event.data == {}


class UpstreamShaped:
    """An object shaped like ai-infra's StreamEvent, but no dataclass and no relation."""

    def __init__(self, type: str, **fields: typing.Any) -> None:
        self.type = type
        self.content = fields.get("content")
        self.tool = fields.get("tool")
        self.tool_id = fields.get("tool_id")
        self.arguments = fields.get("arguments")
        self.result = fields.get("result")
        self.result_structured = fields.get("result_structured", False)
        self.preview = fields.get("preview")
        self.latency_ms = fields.get("latency_ms")
        self.model = fields.get("model")
        self.tools_called = fields.get("tools_called")
        self.error = fields.get("error")
        self.input_tokens = fields.get("input_tokens")
        self.output_tokens = fields.get("output_tokens")
        self.cost = fields.get("cost")
        self.turn_id = fields.get("turn_id")
        self.todo_items = fields.get("todo_items")
        self.timestamp = 1_700_000_000.25


@pytest.mark.parametrize("etype", CORE_TYPES)
def test_from_core_event_accepts_core_events_lookalikes_and_dicts(etype):
    sample = CORE_SAMPLES[etype]
    core = StreamEvent(type=etype, **sample)  # type: ignore[arg-type]
    lookalike = UpstreamShaped(etype, **sample)
    expected = {**core.to_dict(), "node_name": "execute_task", "event_type": etype}
    for source in (core, lookalike, core.to_dict()):
        wrapped = from_core_event(source, node_name="execute_task")
        out = wrapped.to_dict()
        del out["timestamp"]
        assert out == expected
    assert from_core_event(core).timestamp == core.timestamp
    assert from_core_event(lookalike).timestamp == 1_700_000_000.25


def test_from_core_event_keeps_a_structured_result_from_each_shape():
    core = StreamEvent(type="tool_end", **STRUCTURED_TOOL_END)
    for source in (core, UpstreamShaped("tool_end", **STRUCTURED_TOOL_END), core.to_dict()):
        wrapped = from_core_event(source)
        assert wrapped.result == STRUCTURED_TOOL_END["result"]
        assert wrapped.result_structured is True


def test_from_core_event_of_an_executor_event_keeps_and_overrides_its_fields():
    first = ExecutorStreamEvent("task_start", node_name="a", message="m", data={"k": 1})
    second = from_core_event(first, node_name="b")
    assert (second.node_name, second.message, second.data) == ("b", "m", {"k": 1})
    assert second.timestamp == first.timestamp
    assert ExecutorStreamEvent.from_core_event(first, data=None).data == {}


def test_from_core_event_reads_enum_types_and_old_event_type_attributes():
    class Kind(Enum):
        TOKEN = "token"

    class OldEvent:
        event_type = StreamEventType.INTERRUPT
        node_name = "hitl"
        message = "Paused"

    assert from_core_event(UpstreamShaped(typing.cast(str, Kind.TOKEN))).type == "token"
    old = from_core_event(OldEvent())
    assert (old.type, old.node_name, old.message) == ("interrupt", "hitl", "Paused")


def test_from_core_event_reads_an_object_that_only_has_to_dict():
    class OnlyToDict:
        def to_dict(self) -> dict[str, typing.Any]:
            return {"type": "token", "content": "x"}

    assert from_core_event(OnlyToDict()).content == "x"


def test_from_core_event_rejects_unknown_fields_and_typeless_objects():
    with pytest.raises(TypeError, match="unknown executor field"):
        from_core_event(StreamEvent(type="token"), content="not an executor field")
    with pytest.raises(TypeError, match="no type"):
        from_core_event(object())


def test_repr_is_compact():
    event = ExecutorStreamEvent("node_end", node_name="plan", message="Done", duration_ms=3.0)
    assert repr(event) == (
        "ExecutorStreamEvent(type='node_end', node_name='plan', message='Done', duration_ms=3.0)"
    )


_values = st.one_of(st.none(), st.integers(), st.text(max_size=20), st.booleans())
_dicts = st.dictionaries(st.text(max_size=10), _values, max_size=4)


@given(
    etype=st.sampled_from(ALL_TYPES),
    content=st.none() | st.text(),
    arguments=st.none() | _dicts,
    result=st.none() | st.text() | _dicts,
    result_structured=st.booleans(),
    node_name=st.none() | st.text(max_size=20),
    message=st.text(max_size=40),
    data=_dicts,
    duration_ms=st.none() | st.floats(0, 1e9),
    timestamp=st.floats(0, 4e9),
    namespace=st.none() | st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=3),
)
def test_to_dict_from_dict_round_trip_property(
    namespace,
    etype,
    content,
    arguments,
    result,
    result_structured,
    node_name,
    message,
    data,
    duration_ms,
    timestamp,
):
    event = ExecutorStreamEvent(
        etype,
        content=content,
        arguments=arguments,
        result=result,
        result_structured=result_structured,
        node_name=node_name,
        message=message,
        data=data,
        duration_ms=duration_ms,
        timestamp=timestamp,
        namespace=namespace,
    )
    back = ExecutorStreamEvent.from_dict(event.to_dict())
    assert back.to_dict() == event.to_dict()
    assert abs(back.timestamp - event.timestamp) < 1e-5
