"""The core module: ai-infra 1.19's StreamEvent / StreamConfig / visibility rules."""

from __future__ import annotations

import dataclasses
import time
import typing

import pytest
from executor_support import CORE_SAMPLES, CORE_TYPES, LEVELS, STRUCTURED_TOOL_END

from ai_infra_executor import ExecutorStreamEvent
from ai_infra_executor.core import (
    CoreEventType,
    StreamConfig,
    StreamEvent,
    filter_event_for_visibility,
    should_emit_event,
)
from ai_infra_formatters import visibility as formatter_visibility

# ai-infra 1.19's field list, in order, with defaults (timestamp: a factory).
UPSTREAM_EVENT_DEFAULTS = [
    ("content", None),
    ("tool", None),
    ("tool_id", None),
    ("arguments", None),
    ("result", None),
    ("result_structured", False),
    ("preview", None),
    ("latency_ms", None),
    ("model", None),
    ("tools_called", None),
    ("error", None),
    ("input_tokens", None),
    ("output_tokens", None),
    ("cost", None),
    ("turn_id", None),
    ("todo_items", None),
]

UPSTREAM_CONFIG_DEFAULTS = [
    ("visibility", "standard"),
    ("include_thinking", True),
    ("include_reasoning", True),
    ("include_tool_events", True),
    ("reasoning_token_limit", 300),
    ("stream_reasoning_immediately", False),
    ("tool_result_preview_length", 500),
    ("deduplicate_tool_starts", True),
    ("cost_per_input_token", None),
    ("cost_per_output_token", None),
    ("todo_tool_name", "manage_todos"),
]


def test_core_event_type_names_are_the_twelve_of_ai_infra():
    assert typing.get_args(CoreEventType) == CORE_TYPES


def test_stream_event_fields_and_defaults():
    fields = dataclasses.fields(StreamEvent)
    assert [f.name for f in fields] == [
        "type",
        *(name for name, _ in UPSTREAM_EVENT_DEFAULTS),
        "timestamp",
    ]
    event = StreamEvent(type="token")
    for name, default in UPSTREAM_EVENT_DEFAULTS:
        assert getattr(event, name) == default, name


def test_timestamp_defaults_to_now():
    before = time.time()
    event = StreamEvent(type="token")
    assert before <= event.timestamp <= time.time()


def test_stream_config_fields_and_defaults():
    assert [f.name for f in dataclasses.fields(StreamConfig)] == [
        name for name, _ in UPSTREAM_CONFIG_DEFAULTS
    ]
    config = StreamConfig()
    for name, default in UPSTREAM_CONFIG_DEFAULTS:
        assert getattr(config, name) == default, name


def test_to_dict_is_type_plus_non_none_fields_without_timestamp():
    assert StreamEvent(type="token", content="Hello").to_dict() == {
        "type": "token",
        "content": "Hello",
    }
    usage = StreamEvent(type="usage", input_tokens=0, output_tokens=5, cost=0.0)
    assert usage.to_dict() == {"type": "usage", "input_tokens": 0, "output_tokens": 5, "cost": 0.0}


@pytest.mark.parametrize("etype", CORE_TYPES)
def test_to_dict_of_each_core_type_holds_exactly_its_fields(etype):
    sample = CORE_SAMPLES[etype]
    assert StreamEvent(type=etype, **sample).to_dict() == {"type": etype, **sample}


def test_structured_tool_end_result_goes_under_structured_result():
    out = StreamEvent(type="tool_end", **STRUCTURED_TOOL_END).to_dict()
    assert out["structured_result"] == STRUCTURED_TOOL_END["result"]
    assert out["result_structured"] is True
    assert "result" not in out
    # The key order is ai-infra's: type, the result, then the other fields.
    assert list(out)[:3] == ["type", "structured_result", "result_structured"]


def test_structured_flag_only_matters_for_tool_end_with_a_result():
    not_tool_end = StreamEvent(type="tool_start", result={"a": 1}, result_structured=True)
    assert not_tool_end.to_dict() == {"type": "tool_start", "result": {"a": 1}}
    no_result = StreamEvent(type="tool_end", tool="t", result_structured=True)
    assert no_result.to_dict() == {"type": "tool_end", "tool": "t"}


def test_repr_is_compact_and_cuts_long_content():
    event = StreamEvent(type="token", content="x" * 60, tool="t", error="e", model="m")
    assert (
        repr(event)
        == f"StreamEvent(type='token', content={'x' * 50 + '...'!r}, tool='t', error='e')"
    )


# ai-infra's table: the lowest level at which each core type is emitted.
LOWEST_LEVEL = {
    "token": "minimal",
    "error": "minimal",
    "usage": "detailed",
    **{t: "standard" for t in CORE_TYPES if t not in {"token", "error", "usage"}},
}


@pytest.mark.parametrize("etype", CORE_TYPES)
@pytest.mark.parametrize("level", LEVELS)
def test_should_emit_event_follows_the_level_table(etype, level):
    expected = LEVELS.index(level) >= LEVELS.index(LOWEST_LEVEL[etype])
    assert should_emit_event(etype, level) is expected
    assert should_emit_event(etype, level) is formatter_visibility.should_emit_event(etype, level)


def test_unknown_visibility_counts_as_standard_and_unknown_types_always_show():
    assert should_emit_event("thinking", "loud") is True
    assert should_emit_event("usage", "loud") is False
    for level in LEVELS:
        assert should_emit_event("task_start", level) is True


def _full_tool_end() -> StreamEvent:
    return StreamEvent(
        type="tool_end", tool="t", arguments={"a": 1}, result="r", preview="p", latency_ms=1.0
    )


def test_standard_strips_arguments_result_and_preview():
    event = _full_tool_end()
    out = filter_event_for_visibility(event, "standard")
    assert out is not event
    assert (out.arguments, out.result, out.preview) == (None, None, None)
    assert (out.tool, out.latency_ms, out.timestamp) == ("t", 1.0, event.timestamp)
    assert event.arguments == {"a": 1}  # the original is untouched


def test_detailed_strips_only_the_preview():
    out = filter_event_for_visibility(_full_tool_end(), "detailed")
    assert (out.arguments, out.result, out.preview) == ({"a": 1}, "r", None)


@pytest.mark.parametrize("level", ["minimal", "debug", "unknown-level"])
def test_levels_that_strip_nothing_return_the_same_instance(level):
    event = _full_tool_end()
    assert filter_event_for_visibility(event, level) is event


@pytest.mark.parametrize("level", LEVELS)
def test_nothing_to_strip_returns_the_same_instance(level):
    event = StreamEvent(type="tool_end", tool="t")
    assert filter_event_for_visibility(event, level) is event


def test_standard_drops_a_structured_result_from_the_wire_form():
    event = StreamEvent(type="tool_end", **STRUCTURED_TOOL_END)
    assert filter_event_for_visibility(event, "standard").to_dict() == {
        "type": "tool_end",
        "tool": "search_docs",
        "tool_id": "call_2",
        "latency_ms": 12.0,
    }


def test_filtering_an_executor_event_keeps_its_class_and_fields():
    event = ExecutorStreamEvent(
        "tool_end", tool="t", result="r", node_name="execute_task", message="m", data={"k": 1}
    )
    out = filter_event_for_visibility(event, "standard")
    assert type(out) is ExecutorStreamEvent
    assert out.result is None
    assert (out.node_name, out.message, out.data, out.timestamp) == (
        "execute_task",
        "m",
        {"k": 1},
        event.timestamp,
    )
