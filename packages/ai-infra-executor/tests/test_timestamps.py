"""Event timestamps: one no ``datetime`` can show is refused, and ``to_dict()`` never fails.

``ExecutorStreamEvent.to_dict()`` writes the timestamp as ISO-8601 text, which
exists for years 1 to 9999 only. A timestamp outside them (``1e20``, infinity,
NaN, ``-1e12``) is refused with a ``ValueError`` naming the field and the value,
both by the executor event and by the core ``StreamEvent`` (a deliberate
difference from ai-infra's, which stores any value), when the event is made and
when the attribute is set later. A value stored behind the checks' back still
gives ISO text.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_infra_executor import ExecutorStreamEvent, StreamEvent, from_core_event
from ai_infra_executor.events import iso_utc

#: The Unix times of 0001-01-01 and 10000-01-01 (UTC): what a datetime can show.
TIMESTAMP_MIN = datetime(1, 1, 1, tzinfo=UTC).timestamp()
TIMESTAMP_END = TIMESTAMP_MIN + timedelta(days=3_652_059).total_seconds()

OUT_OF_RANGE: list[Any] = [
    1e20,
    math.inf,
    -math.inf,
    math.nan,
    -1e12,
    10**400,
    TIMESTAMP_END,
    math.nextafter(TIMESTAMP_MIN, -math.inf),
]
IN_RANGE = [TIMESTAMP_MIN, math.nextafter(TIMESTAMP_END, 0.0), 0.0, -1.5, 1_700_000_000.25]


def test_the_range_is_what_a_datetime_can_show():
    from ai_infra_executor import core

    assert (core.TIMESTAMP_MIN, core.TIMESTAMP_END) == (TIMESTAMP_MIN, TIMESTAMP_END)
    assert datetime.fromtimestamp(math.nextafter(TIMESTAMP_END, 0), UTC).year == 9999


def _valid_iso(text: Any) -> bool:
    return isinstance(text, str) and datetime.fromisoformat(text).tzinfo is not None


@pytest.mark.parametrize("value", OUT_OF_RANGE, ids=lambda v: repr(v)[:20])
@pytest.mark.parametrize("cls", [ExecutorStreamEvent, StreamEvent])
def test_an_out_of_range_timestamp_is_refused_when_the_event_is_made(cls, value):
    with pytest.raises(ValueError, match=r"^timestamp must be Unix seconds .* not ") as caught:
        cls("token", content="x", timestamp=value)
    assert str(value)[:10] in str(caught.value) or "a int" in str(caught.value)


@pytest.mark.parametrize("value", OUT_OF_RANGE, ids=lambda v: repr(v)[:20])
@pytest.mark.parametrize("cls", [ExecutorStreamEvent, StreamEvent])
def test_an_out_of_range_timestamp_is_refused_when_set_later(cls, value):
    event = cls("token", content="x", timestamp=1_700_000_000.0)
    with pytest.raises(ValueError, match=r"^timestamp must be Unix seconds"):
        event.timestamp = value
    assert event.timestamp == 1_700_000_000.0
    event.timestamp = 1_700_000_001.5
    assert vars(event)["timestamp"] == 1_700_000_001.5
    if cls is ExecutorStreamEvent:
        assert event.to_dict()["timestamp"] == "2023-11-14T22:13:21.500000+00:00"


def test_datetimes_and_iso_strings_beyond_year_9999_or_before_year_1_are_refused():
    before_year_one = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=2)))
    for value in (datetime.max.replace(tzinfo=UTC), before_year_one, "9999-12-31T23:59:59.999999"):
        with pytest.raises(ValueError, match=r"^timestamp must be"):
            ExecutorStreamEvent("progress", timestamp=value)
    with pytest.raises(ValueError, match=r"^timestamp must be Unix seconds, a datetime or an ISO"):
        ExecutorStreamEvent("progress", timestamp="not a time")


@pytest.mark.parametrize("value", IN_RANGE)
def test_every_time_a_datetime_can_show_is_kept_and_written(value):
    event = ExecutorStreamEvent("progress", timestamp=value)
    assert event.timestamp == value
    assert event.to_dict()["timestamp"] == datetime.fromtimestamp(value, UTC).isoformat()
    assert StreamEvent("token", timestamp=value).timestamp == value


def test_dicts_and_foreign_events_with_an_out_of_range_timestamp_are_refused():
    with pytest.raises(ValueError, match=r"^timestamp must be"):
        ExecutorStreamEvent.from_dict({"type": "token", "content": "x", "timestamp": 1e20})

    class Lookalike:
        type = "token"
        content = "x"
        timestamp = math.nan

    with pytest.raises(ValueError, match=r"^timestamp must be"):
        from_core_event(Lookalike())


def test_dataclass_helpers_keep_working_through_the_check():
    event = ExecutorStreamEvent("progress", timestamp=5.0, message="m")
    assert dataclasses.replace(event, message="n").timestamp == 5.0
    assert dataclasses.asdict(event)["timestamp"] == 5.0
    with pytest.raises(ValueError, match=r"^timestamp"):
        dataclasses.replace(event, timestamp=math.inf)
    fields = {f.name: f for f in dataclasses.fields(StreamEvent)}
    assert fields["timestamp"].default_factory is not dataclasses.MISSING


@given(
    st.one_of(
        st.floats(),
        st.integers(min_value=-(10**30), max_value=10**30),
        st.none(),
        st.text(max_size=5),
        st.just(object()),
    )
)
def test_to_dict_never_raises_whatever_timestamp_is_stored(stored):
    event = ExecutorStreamEvent("progress", message="m")
    event.__dict__["timestamp"] = stored  # behind the checks' back
    assert _valid_iso(event.to_dict()["timestamp"])
    assert _valid_iso(event.iso_timestamp)


def test_what_an_unshowable_stored_timestamp_reads_as():
    assert iso_utc(1e20) == "9999-12-31T23:59:59+00:00"
    assert iso_utc(-1e20) == "0001-01-01T00:00:00+00:00"
    assert iso_utc(math.nan) == "1970-01-01T00:00:00+00:00"
    assert iso_utc(None) == "1970-01-01T00:00:00+00:00"  # type: ignore[arg-type]
    # The text read back is an event again.
    again = ExecutorStreamEvent.from_dict({"type": "progress", "timestamp": iso_utc(1e20)})
    assert again.to_dict()["timestamp"] == "9999-12-31T23:59:59+00:00"


def test_a_core_event_made_with_no_timestamp_wraps_into_a_writable_event():
    core = StreamEvent("token", content="x", timestamp=None)  # type: ignore[arg-type]
    assert core.timestamp is None  # stored as given, as ai-infra does
    assert _valid_iso(from_core_event(core, node_name="n").to_dict()["timestamp"])
