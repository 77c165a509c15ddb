"""The executor's hot paths give exactly what the general paths give."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_infra_executor import ExecutorStreamEvent, StreamEvent
from ai_infra_executor.events import iso_utc


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
