"""stream_to_console / EventWriter: tokens inline, unwrapped and flushed; events on own lines."""

from __future__ import annotations

import io
import re
import threading
from typing import Any

import orjson
import pytest
from fmt_support import SAMPLE_EVENTS, StreamEvent, make_console
from rich.console import Console

from ai_infra_formatters import (
    ConsoleFormatter,
    EventWriter,
    JsonFormatter,
    get_formatter,
    stream_to_console,
)
from ai_infra_formatters.writer import writer_for

PARAGRAPH = (
    "Streaming output must survive intact.\tTabs stay tabs,\n"
    "newlines stay newlines, and an overlong word like "
    "Pneumonoultramicroscopicsilicovolcanoconiosis-and-then-some-more-letters "
    "is never broken, padded or re-flowed, even at width ten.\n\n"
    "    Indented code keeps its indent;   runs of spaces   stay.  \n"
    "Unicode too: naïve café, 東京, emoji 🙂, and trailing space "
)


def tokenize(text: str) -> list[str]:
    """Split *text* the way a model streams it: words with their whitespace, some halved."""
    pieces = re.findall(r"\S+|\s+", text)
    tokens: list[str] = []
    for i, piece in enumerate(pieces):
        if len(piece) > 6 and i % 2:
            tokens += [piece[:3], piece[3:]]
        else:
            tokens.append(piece)
    assert "".join(tokens) == text
    return tokens


class FlushRecorder(io.StringIO):
    """A StringIO that records what had been written each time it was flushed."""

    def __init__(self) -> None:
        """An empty stream with no flushes."""
        super().__init__()
        self.flushed: list[str] = []

    def flush(self) -> None:
        self.flushed.append(self.getvalue())
        super().flush()


# -- tokens are never wrapped ---------------------------------------------------------


@pytest.mark.parametrize("width", [10, 40, 200])
@pytest.mark.parametrize("layout", ["plain", "rich"])
def test_token_stream_round_trips_with_console_width(layout: str, width: int) -> None:
    buf = io.StringIO()
    formatter = ConsoleFormatter(
        layout, colors_enabled=False, console=Console(file=buf, width=width)
    )
    for token in tokenize(PARAGRAPH):
        stream_to_console({"type": "token", "content": token}, formatter=formatter, stream=buf)
    out = buf.getvalue()
    assert out in (PARAGRAPH, PARAGRAPH + "\n")


@pytest.mark.parametrize("width", ["10", "40", "200"])
@pytest.mark.parametrize("fmt", ["plain", "rich"])
def test_token_stream_round_trips_with_columns_env(
    fmt: str, width: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", width)
    buf = io.StringIO()
    assert Console(file=buf).width == int(width)
    for token in tokenize(PARAGRAPH):
        stream_to_console(
            StreamEvent(type="token", content=token), format=fmt, stream=buf, colors_enabled=False
        )
    writer_for(buf).end_line()
    assert buf.getvalue() == PARAGRAPH + "\n"


@pytest.mark.parametrize("width", [10, 40, 200])
def test_tokens_are_bare_even_with_colours_on(width: int) -> None:
    buf = io.StringIO()
    formatter = ConsoleFormatter("plain", console=make_console(width=width, file=buf))
    for token in tokenize(PARAGRAPH):
        stream_to_console({"type": "token", "content": token}, formatter=formatter, stream=buf)
    assert buf.getvalue() == PARAGRAPH


def test_crlf_in_tokens_becomes_lf() -> None:
    formatter = ConsoleFormatter(colors_enabled=False, console=make_console())
    assert formatter.format({"type": "token", "content": "a\r\nb"}) == "a\nb"


# -- flushing and line discipline ------------------------------------------------------


def test_each_token_is_flushed_at_once() -> None:
    stream = FlushRecorder()
    tokens = ["Hel", "lo", ",", " wor", "ld"]
    for token in tokens:
        stream_to_console({"type": "token", "content": token}, stream=stream, colors_enabled=False)
    expected = ["".join(tokens[: i + 1]) for i in range(len(tokens))]
    assert stream.flushed == expected


def test_non_token_event_starts_a_fresh_line() -> None:
    buf = io.StringIO()
    for token in ("Hello", " world"):
        stream_to_console({"type": "token", "content": token}, stream=buf, colors_enabled=False)
    stream_to_console(SAMPLE_EVENTS["tool_start"], stream=buf, colors_enabled=False)
    stream_to_console({"type": "token", "content": "Next"}, stream=buf, colors_enabled=False)
    stream_to_console(SAMPLE_EVENTS["done"], stream=buf, colors_enabled=False)
    assert buf.getvalue() == "Hello world\n⚙ web_search\nNext\n■ Done · 2 tools called\n"


def test_tokens_ending_in_newline_need_no_extra_line() -> None:
    buf = io.StringIO()
    stream_to_console({"type": "token", "content": "line\n"}, stream=buf, colors_enabled=False)
    stream_to_console(SAMPLE_EVENTS["error"], stream=buf, colors_enabled=False)
    assert buf.getvalue() == "line\n✗ rate limited by provider\n"


def test_non_token_events_are_flushed_and_end_with_newline() -> None:
    stream = FlushRecorder()
    stream_to_console(SAMPLE_EVENTS["node_start"], stream=stream, colors_enabled=False)
    assert stream.flushed == ["→ [plan] Node started\n"]


def test_hidden_events_write_nothing() -> None:
    buf = io.StringIO()
    formatter = get_formatter("minimal", colors_enabled=False, stream=buf)
    stream_to_console({"type": "token", "content": "tok"}, formatter=formatter, stream=buf)
    stream_to_console(SAMPLE_EVENTS["node_start"], formatter=formatter, stream=buf)
    stream_to_console(SAMPLE_EVENTS["task_start"], formatter=formatter, stream=buf)
    assert buf.getvalue() == "● [1/3] Write the parser\n"


def test_empty_token_writes_nothing() -> None:
    stream = FlushRecorder()
    stream_to_console({"type": "token", "content": ""}, stream=stream, colors_enabled=False)
    stream_to_console({"type": "token"}, stream=stream, colors_enabled=False)
    assert stream.getvalue() == ""
    stream_to_console(SAMPLE_EVENTS["node_start"], stream=stream, colors_enabled=False)
    assert stream.getvalue() == "→ [plan] Node started\n"


def test_end_line_closes_an_open_line_once() -> None:
    buf = io.StringIO()
    writer = EventWriter(buf)
    formatter = ConsoleFormatter(colors_enabled=False, console=make_console())
    writer.write({"type": "token", "content": "abc"}, formatter)
    writer.end_line()
    writer.end_line()
    assert buf.getvalue() == "abc\n"


def test_default_stream_is_current_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    stream_to_console({"type": "token", "content": "to stdout"}, colors_enabled=False)
    stream_to_console(SAMPLE_EVENTS["error"], colors_enabled=False)
    assert capsys.readouterr().out == "to stdout\n✗ rate limited by provider\n"


def test_default_format_is_plain_and_non_terminal_gets_no_colour() -> None:
    buf = io.StringIO()
    stream_to_console(SAMPLE_EVENTS["error"], stream=buf)
    assert buf.getvalue() == "✗ rate limited by provider\n"


def test_formatter_is_reused_per_stream() -> None:
    buf = io.StringIO()
    writer = writer_for(buf)
    assert writer_for(buf) is writer
    first = writer.formatter_for("rich", True)
    assert writer.formatter_for("RICH", True) is first
    assert writer.formatter_for("rich", False) is not first
    assert writer_for(io.StringIO()) is not writer


def test_unweakrefable_stream_still_works() -> None:
    class Slotted:
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

    stream: Any = Slotted()
    stream_to_console({"type": "token", "content": "a"}, stream=stream, colors_enabled=False)
    stream_to_console(SAMPLE_EVENTS["error"], stream=stream, colors_enabled=False)
    assert "".join(stream.parts) == "a\n✗ rate limited by provider\n"


# -- JSON ---------------------------------------------------------------------------------


def test_json_format_writes_tokens_as_lines() -> None:
    buf = io.StringIO()
    tokens = tokenize(PARAGRAPH)
    for token in tokens:
        stream_to_console({"type": "token", "content": token}, format="json", stream=buf)
    stream_to_console(SAMPLE_EVENTS["done"], format="json", stream=buf)
    lines = buf.getvalue().split("\n")
    assert lines[-1] == ""
    records = [orjson.loads(line) for line in lines[:-1]]
    assert [r["content"] for r in records[:-1]] == tokens
    assert records[-1] == SAMPLE_EVENTS["done"]


def test_json_formatter_passed_in_writes_lines() -> None:
    buf = io.StringIO()
    formatter = JsonFormatter(sort_keys=True)
    stream_to_console({"type": "token", "content": "a"}, formatter=formatter, stream=buf)
    stream_to_console({"type": "token", "content": "b"}, formatter=formatter, stream=buf)
    assert buf.getvalue() == '{"content":"a","type":"token"}\n{"content":"b","type":"token"}\n'


def test_json_stream_has_no_escape_codes_even_when_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    as_json, as_plain = io.StringIO(), io.StringIO()
    stream_to_console(SAMPLE_EVENTS["error"], format="json", stream=as_json)
    stream_to_console(SAMPLE_EVENTS["error"], format="plain", stream=as_plain)
    assert "\x1b" not in as_json.getvalue()
    assert "\x1b[" in as_plain.getvalue()


# -- concurrency --------------------------------------------------------------------------


def test_threads_never_interleave_inside_a_line() -> None:
    buf = io.StringIO()
    formatter = JsonFormatter()

    def produce(worker: int) -> None:
        for i in range(200):
            event = {"type": "progress", "message": f"w{worker}-{i}", "data": {"pad": "x" * 50}}
            stream_to_console(event, formatter=formatter, stream=buf)

    threads = [threading.Thread(target=produce, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    lines = buf.getvalue().splitlines()
    assert len(lines) == 8 * 200
    messages = {orjson.loads(line)["message"] for line in lines}
    assert len(messages) == 8 * 200
