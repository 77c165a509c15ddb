"""``from_core_event(event, node_name=...)``: the copying fast path gives what ``__init__`` gives.

``node_name`` is a keyword-only parameter of its own (the one executor field given
for every token an agent streams), so the common call takes the copying path
without building and checking a keyword dict. Every way of calling it must give
the same event (same stored fields in the same order, same ``to_dict()``, same
JSON line) as the general path through ``__init__``, which reads an object of
another class attribute by attribute.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

from ai_infra_executor import ExecutorStreamEvent, StreamEvent, from_core_event
from ai_infra_formatters import JsonFormatter

BENCH = Path(__file__).resolve().parents[3] / "bench"

JSON = JsonFormatter()
DETAILED = JsonFormatter(visibility="detailed")  # what ExecutorStreamConfig.json_output() uses


class _Shaped:
    """Not this package's class: wrapped through the general (attribute) path."""

    def __init__(self, event: StreamEvent) -> None:
        self.__dict__.update(event.__dict__)


def _core_events() -> list[StreamEvent]:
    """The core events of the benchmark corpus when the repository has it, else a few."""
    if (BENCH / "corpus.py").is_file():
        spec = importlib.util.spec_from_file_location("bench_corpus", BENCH / "corpus.py")
        assert spec is not None
        assert spec.loader is not None
        corpus = importlib.util.module_from_spec(spec)
        sys.modules["bench_corpus"] = corpus  # dataclasses look their module up here
        try:
            spec.loader.exec_module(corpus)
        finally:
            del sys.modules["bench_corpus"]
        built = corpus.build_corpus(1500)
        return [o for o in built.objects if type(o) is StreamEvent]
    return [
        StreamEvent("token", content="hi"),
        StreamEvent("tool_start", tool="t", tool_id="c1", arguments={"q": 1}),
        StreamEvent("tool_end", tool="t", result={"n": 1}, result_structured=True),
        StreamEvent("usage", model="m", input_tokens=1, output_tokens=2, cost=0.1),
    ]


CORE = _core_events()

CALLS: list[dict[str, Any]] = [
    {},
    {"node_name": "execute_task"},
    {"node_name": None},
    {"node_name": ""},
    {"node_name": "n", "message": "m"},
    {"node_name": "n", "duration_ms": 1.5},
    {"task": {"id": "1.1"}},
    {"duration_ms": 0.0},
    {"node_name": "n", "data": None, "namespace": ("sub", 1)},
]


def _same_event(fast: ExecutorStreamEvent, general: ExecutorStreamEvent) -> None:
    assert list(vars(fast).items()) == list(vars(general).items())
    assert list(fast.to_dict().items()) == list(general.to_dict().items())
    assert JSON.format(fast) == JSON.format(general)
    assert DETAILED.format(fast) == DETAILED.format(general)


@pytest.mark.parametrize("call", CALLS, ids=repr)
def test_wrapping_a_core_event_gives_what_init_gives(call: dict[str, Any]) -> None:
    assert CORE
    for event in CORE:
        general = ExecutorStreamEvent.from_core_event(_Shaped(event), **call)
        if "node_name" in call and call["node_name"] is None:
            # Copied as given (None stored), where __init__ leaves the default:
            # the same event all the same.
            assert ExecutorStreamEvent.from_core_event(event, **call) == general
            continue
        _same_event(ExecutorStreamEvent.from_core_event(event, **call), general)
        _same_event(from_core_event(event, **call), general)


@pytest.mark.parametrize("call", CALLS, ids=repr)
def test_rewrapping_an_executor_event_keeps_field_order(call: dict[str, Any]) -> None:
    for first_call in ({}, {"node_name": "first"}, {"message": "m"}):
        first = ExecutorStreamEvent.from_core_event(CORE[0], **first_call)
        again = ExecutorStreamEvent.from_core_event(first, **call)
        made = ExecutorStreamEvent.from_dict({**first.to_dict(), **call})
        made.timestamp = first.timestamp
        assert list(again.to_dict().items()) == list(made.to_dict().items())
        assert again is not first
        assert vars(first) == vars(ExecutorStreamEvent.from_core_event(CORE[0], **first_call))


def test_node_name_is_keyword_only_and_unknown_keywords_are_still_refused() -> None:
    core = StreamEvent("token", content="hi")
    with pytest.raises(TypeError):
        ExecutorStreamEvent.from_core_event(core, "execute_task")  # type: ignore[misc]
    for wrap in (ExecutorStreamEvent.from_core_event, from_core_event):
        with pytest.raises(TypeError, match="content"):
            wrap(core, content="not an executor field")
        with pytest.raises(TypeError, match="colour"):
            wrap(core, node_name="n", colour="red")
        assert wrap(core, node_name="n").node_name == "n"


def test_a_subclass_goes_through_init() -> None:
    class Mine(ExecutorStreamEvent):
        pass

    wrapped = Mine.from_core_event(StreamEvent("token", content="hi"), node_name="n")
    assert type(wrapped) is Mine
    assert (wrapped.node_name, wrapped.content, wrapped.data) == ("n", "hi", {})
