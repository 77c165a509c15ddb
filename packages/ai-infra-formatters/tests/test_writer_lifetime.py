"""`writer_for`: one writer per live stream object, however many; none outlives its stream.

Issue 10, item 9: the table of shared writers used to keep 64 of them and evict
the oldest, which split a token line when its stream came back (``'partial
answer⚙ search\\n'``), and it held every stream it had seen until evicted.
"""

from __future__ import annotations

import gc
import io
import weakref
from pathlib import Path
from typing import Any

import pytest

from ai_infra_formatters import stream_to_console
from ai_infra_formatters.writer import EventWriter, writer_for

#: Well past the old table's 64 entries.
MANY = 200

TOKEN = {"type": "token", "content": "partial answer"}
TOOL_START = {"type": "tool_start", "tool": "search"}
PROGRESS = {"type": "progress", "message": "working"}


class Slotted:
    """A text stream that cannot be weakly referenced (``__slots__`` without ``__weakref__``)."""

    __slots__ = ("parts",)

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def plain(event: dict[str, Any], stream: Any) -> None:
    stream_to_console(event, stream=stream, colors_enabled=False)


def test_a_token_line_stays_whole_after_many_other_streams() -> None:
    stream = io.StringIO()
    plain(TOKEN, stream)
    others = [io.StringIO() for _ in range(MANY)]  # all alive at once
    for other in others:
        plain(PROGRESS, other)
    plain(TOOL_START, stream)
    assert stream.getvalue() == "partial answer\n⚙ search\n"
    assert all(other.getvalue() == "⋯ working\n" for other in others)


def test_one_writer_per_live_stream_however_many() -> None:
    streams = [io.StringIO() for _ in range(MANY)]
    writers = [writer_for(s) for s in streams]
    assert len({id(w) for w in writers}) == MANY
    for stream, writer in zip(streams, writers, strict=True):
        assert writer_for(stream) is writer
        assert writer.stream is stream


@pytest.mark.parametrize("fmt", ["plain", "rich", "minimal", "json"])
def test_a_dropped_stream_and_its_writer_are_collected(fmt: str) -> None:
    stream = io.StringIO()
    stream_to_console(TOKEN, format=fmt, stream=stream)
    stream_to_console({"type": "error", "error": "boom"}, format=fmt, stream=stream)
    assert stream.getvalue()
    stream_ref = weakref.ref(stream)
    writer_ref = weakref.ref(writer_for(stream))
    del stream
    gc.collect()
    assert stream_ref() is None
    assert writer_ref() is None


def test_a_dropped_file_is_collected_and_closed(tmp_path: Path) -> None:
    path = tmp_path / "events.log"
    handle = path.open("w", encoding="utf-8")
    plain(TOKEN, handle)
    plain(TOOL_START, handle)
    handle_ref = weakref.ref(handle)
    del handle
    gc.collect()
    assert handle_ref() is None
    # The file object was finalised (so flushed and closed), not kept by the table.
    assert path.read_text(encoding="utf-8") == "partial answer\n⚙ search\n"


def test_many_streams_made_and_dropped_leave_nothing_behind() -> None:
    refs = []
    for _ in range(MANY):
        stream = io.StringIO()
        plain(TOKEN, stream)
        refs.append((weakref.ref(stream), weakref.ref(writer_for(stream))))
    del stream
    gc.collect()
    assert all(s() is None and w() is None for s, w in refs)


def test_a_new_stream_never_inherits_a_dead_streams_writer() -> None:
    # CPython often gives a new object the address (so the id) of one just freed:
    # the new stream must get a fresh writer, not the dead stream's state.
    reused = False
    for _ in range(100):
        old = io.StringIO()
        plain(TOKEN, old)  # leaves a token line open in old's writer
        old_id = id(old)
        del old
        new = io.StringIO()
        if id(new) == old_id:
            reused = True
        plain(TOOL_START, new)
        assert new.getvalue() == "⚙ search\n"
    if not reused:
        pytest.skip("no id was reused in 100 tries")


def test_a_writer_held_after_its_stream_died_drops_events_quietly() -> None:
    stream = io.StringIO()
    writer = writer_for(stream)
    formatter = writer.formatter_for("plain", False)
    del stream
    gc.collect()
    writer.write(TOOL_START, formatter)  # nowhere to write: dropped, no exception
    writer.end_line()
    assert writer.closed


def test_a_stream_that_cannot_be_weakly_referenced_keeps_one_writer() -> None:
    stream: Any = Slotted()
    with pytest.raises(TypeError):
        weakref.ref(stream)
    plain(TOKEN, stream)
    first = writer_for(stream)
    others = [io.StringIO() for _ in range(MANY)]
    for other in others:
        plain(PROGRESS, other)
    assert writer_for(stream) is first
    plain(TOOL_START, stream)
    assert "".join(stream.parts) == "partial answer\n⚙ search\n"


def test_an_event_writer_made_directly_holds_its_stream() -> None:
    # Only writer_for's table holds streams weakly: a writer the caller owns keeps
    # its stream as before.
    writer = EventWriter(io.StringIO())
    gc.collect()
    formatter = writer.formatter_for("plain", False)
    writer.write(TOOL_START, formatter)
    assert writer.stream.getvalue() == "⚙ search\n"  # type: ignore[attr-defined]


def test_a_pending_flush_timer_keeps_no_dropped_writer_alive() -> None:
    # A line written to a stream not watched live leaves a flush timer pending for a
    # moment: it must hold its writer weakly, or a dropped stream's writer lives on.
    for _ in range(50):
        stream = io.StringIO()
        stream_to_console({"type": "error", "error": "boom"}, format="json", stream=stream)
        writer_ref = weakref.ref(writer_for(stream))
        del stream
        gc.collect()
        assert writer_ref() is None
