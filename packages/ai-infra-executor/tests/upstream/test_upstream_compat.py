"""The executor's core module against the published ai-infra ``ai_infra.llm.streaming``.

The whole module is skipped, with the reason, unless ``AI_INFRA_UPSTREAM_STREAMING``
names the upstream file (``nox -s upstream-compat`` sets it).
"""

from __future__ import annotations

import dataclasses
import inspect
import io
import typing
from types import ModuleType
from typing import Any

import pytest
from executor_support import CORE_SAMPLES, CORE_TYPES, EXECUTOR_TYPES, LEVELS, STRUCTURED_TOOL_END
from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console
from upstream_support import SKIP_REASON, upstream_path

from ai_infra_executor import (
    ExecutorStreamEvent,
    from_core_event,
)
from ai_infra_executor import core as ours
from ai_infra_formatters import ConsoleFormatter, JsonFormatter, OutputFormat

if upstream_path() is None:
    pytest.skip(SKIP_REASON, allow_module_level=True)

#: Core events to compare: (label, constructor keywords).
CORPUS: list[tuple[str, dict[str, Any]]] = [
    *((etype, {"type": etype, **sample}) for etype, sample in CORE_SAMPLES.items()),
    ("tool_end-structured", {"type": "tool_end", **STRUCTURED_TOOL_END}),
    ("tool_end-structured-no-result", {"type": "tool_end", "tool": "t", "result_structured": True}),
    (
        "tool_start-structured-flag",
        {"type": "tool_start", "result": {"a": 1}, "result_structured": True},
    ),
    ("token-empty", {"type": "token", "content": ""}),
    ("usage-zeros", {"type": "usage", "input_tokens": 0, "output_tokens": 0, "cost": 0.0}),
    ("token-long", {"type": "token", "content": "y" * 80}),
    (
        "everything",
        {
            "type": "tool_end",
            **{k: v for k, v in STRUCTURED_TOOL_END.items() if k != "result_structured"},
            "content": "c",
            "model": "m",
            "tools_called": 1,
            "error": "e",
            "input_tokens": 1,
            "output_tokens": 2,
            "cost": 0.5,
            "turn_id": 3,
            "todo_items": [{"id": 1}],
        },
    ),
]
LABELS = [label for label, _ in CORPUS]
KWARGS = dict(CORPUS)
VISIBILITIES = (*LEVELS, "unknown-level")


def _pair(upstream: ModuleType, label: str) -> tuple[Any, ours.StreamEvent]:
    """The upstream event and ours for *label*, with the same timestamp."""
    theirs = upstream.StreamEvent(**KWARGS[label])
    mine = ours.StreamEvent(**KWARGS[label], timestamp=theirs.timestamp)
    return theirs, mine


def _defaults(cls: type) -> list[tuple[str, Any]]:
    out = []
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            out.append((f.name, f.default))
        elif f.default_factory is not dataclasses.MISSING:
            out.append((f.name, "<factory>"))
        else:
            out.append((f.name, "<required>"))
    return out


def test_stream_event_has_the_same_fields_and_defaults(upstream):
    assert _defaults(ours.StreamEvent) == _defaults(upstream.StreamEvent)


def test_stream_event_takes_the_same_arguments(upstream):
    # Our __init__ is written out (it stores only what differs from a default);
    # it must take what the one dataclasses writes for ai-infra takes.
    def shape(cls: type) -> list[tuple[str, Any, str]]:
        params = inspect.signature(cls).parameters.values()
        return [(p.name, p.kind, repr(p.default)) for p in params]

    assert shape(ours.StreamEvent) == shape(upstream.StreamEvent)


def test_stream_config_has_the_same_fields_and_defaults(upstream):
    assert _defaults(ours.StreamConfig) == _defaults(upstream.StreamConfig)
    assert dataclasses.asdict(ours.StreamConfig()) == dataclasses.asdict(upstream.StreamConfig())


def test_the_same_twelve_type_names(upstream):
    theirs = typing.get_type_hints(upstream.StreamEvent)["type"]
    assert typing.get_args(theirs) == typing.get_args(ours.CoreEventType) == CORE_TYPES


def test_the_corpus_covers_every_core_type():
    assert {kwargs["type"] for _, kwargs in CORPUS} == set(CORE_TYPES)


@pytest.mark.parametrize("label", LABELS)
def test_to_dict_is_identical(upstream, label):
    theirs, mine = _pair(upstream, label)
    assert mine.to_dict() == theirs.to_dict()
    assert list(mine.to_dict()) == list(theirs.to_dict())


@pytest.mark.parametrize("label", LABELS)
def test_repr_is_identical(upstream, label):
    theirs, mine = _pair(upstream, label)
    assert repr(mine) == repr(theirs)


@pytest.mark.parametrize("etype", [*CORE_TYPES, *EXECUTOR_TYPES, "made_up"])
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_should_emit_event_is_identical(upstream, etype, visibility):
    assert ours.should_emit_event(etype, visibility) is upstream.should_emit_event(
        etype, visibility
    )


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("visibility", VISIBILITIES)
def test_filter_event_for_visibility_is_identical(upstream, label, visibility):
    theirs, mine = _pair(upstream, label)
    filtered_theirs = upstream.filter_event_for_visibility(theirs, visibility)
    filtered_mine = ours.filter_event_for_visibility(mine, visibility)
    assert filtered_mine.to_dict() == filtered_theirs.to_dict()
    assert dataclasses.asdict(filtered_mine) == dataclasses.asdict(filtered_theirs)
    assert (filtered_mine is mine) is (filtered_theirs is theirs)


_text = st.none() | st.text(max_size=30)
_small = st.none() | st.integers(-5, 10**6)
_mapping = st.none() | st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5))


@given(
    etype=st.sampled_from(CORE_TYPES),
    content=_text,
    tool=_text,
    arguments=_mapping,
    result=st.none() | st.text(max_size=30) | st.dictionaries(st.text(max_size=5), st.integers()),
    result_structured=st.booleans(),
    preview=_text,
    latency_ms=st.none() | st.floats(0, 1e6),
    tools_called=_small,
    error=_text,
    cost=st.none() | st.floats(0, 10),
    turn_id=_small,
)
def test_to_dict_and_filtering_agree_on_any_event(
    upstream_module,
    etype,
    content,
    tool,
    arguments,
    result,
    result_structured,
    preview,
    latency_ms,
    tools_called,
    error,
    cost,
    turn_id,
):
    kwargs = {
        "type": etype,
        "content": content,
        "tool": tool,
        "arguments": arguments,
        "result": result,
        "result_structured": result_structured,
        "preview": preview,
        "latency_ms": latency_ms,
        "tools_called": tools_called,
        "error": error,
        "cost": cost,
        "turn_id": turn_id,
    }
    theirs = upstream_module.StreamEvent(**kwargs)
    mine = ours.StreamEvent(**kwargs, timestamp=theirs.timestamp)
    assert mine.to_dict() == theirs.to_dict()
    assert repr(mine) == repr(theirs)
    for level in VISIBILITIES:
        assert (
            ours.filter_event_for_visibility(mine, level).to_dict()
            == upstream_module.filter_event_for_visibility(theirs, level).to_dict()
        )


@pytest.fixture(scope="module")
def upstream_module(upstream):
    # Hypothesis tests must not use function-scoped fixtures; this one is module-scoped.
    return upstream


@pytest.mark.parametrize("label", LABELS)
def test_upstream_events_pass_through_from_core_event(upstream, label):
    theirs, _ = _pair(upstream, label)
    for source in (theirs, theirs.to_dict()):
        wrapped = from_core_event(source, node_name="execute_task", message="m")
        assert isinstance(wrapped, ExecutorStreamEvent)
        out = wrapped.to_dict()
        extra = {"node_name", "message", "event_type", "timestamp"}
        assert {k: v for k, v in out.items() if k not in extra} == theirs.to_dict()
        assert (out["node_name"], out["message"], out["event_type"]) == (
            "execute_task",
            "m",
            theirs.type,
        )
    assert from_core_event(theirs).timestamp == theirs.timestamp


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("visibility", [None, *LEVELS])
def test_json_output_of_an_upstream_event_equals_ours(upstream, label, visibility):
    theirs, mine = _pair(upstream, label)
    formatter = JsonFormatter(visibility=visibility)
    assert formatter.format(theirs) == formatter.format(mine)


def _console_formatter(layout: OutputFormat, colors: bool) -> ConsoleFormatter:
    console = Console(
        file=io.StringIO(),
        force_terminal=colors,
        color_system="truecolor" if colors else None,
        width=100,
    )
    return ConsoleFormatter(layout, colors_enabled=colors, console=console)


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("layout", [OutputFormat.PLAIN, OutputFormat.RICH, OutputFormat.MINIMAL])
@pytest.mark.parametrize("colors", [False, True])
def test_every_console_layout_renders_upstream_events_like_ours(upstream, label, layout, colors):
    theirs, mine = _pair(upstream, label)
    formatter = _console_formatter(layout, colors)
    text = formatter.format(theirs)
    assert isinstance(text, str)
    assert text == formatter.format(mine)
    wrapped = formatter.format(from_core_event(theirs))
    assert isinstance(wrapped, str)
    if layout is not OutputFormat.MINIMAL and theirs.type != "token":
        assert text


def test_upstream_config_works_with_our_filtering(upstream):
    config = upstream.StreamConfig(visibility="detailed")
    theirs, mine = _pair(upstream, "tool_end")
    assert ours.filter_event_for_visibility(mine, config.visibility).preview is None
    assert upstream.filter_event_for_visibility(theirs, config.visibility).preview is None
