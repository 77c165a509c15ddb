"""``ai-infra-format`` reads and writes a block at a time, with the same bytes out.

* :class:`LineBlocks` gives every line of any input, split at any read size,
  with a line over the limit replaced by ``TOO_LONG`` and never held whole.
* The command writes what a block of input gives in one write (a flush per
  block, not per event), and its NDJSON path skips the visibility filter when
  the level hides nothing (``debug``, the default).
* Over a hostile corpus bigger than a block, every format's output and every
  message is what the library's writer gives event by event (the old command's
  way), also in the interpreter's unbuffered mode.
"""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ai_infra_formatters import cli
from ai_infra_formatters.cli import InvalidLineError, main, parse_event_line
from ai_infra_formatters.cli_lines import TOO_LONG, LineBlocks
from ai_infra_formatters.cli_output import BlockOutput, _write_all
from ai_infra_formatters.json_format import JsonFormatter
from ai_infra_formatters.output import get_formatter
from ai_infra_formatters.unsafe_chars import TERMINAL_ACTIVE
from ai_infra_formatters.writer import EventWriter

MODULE_CMD = (sys.executable, "-m", "ai_infra_formatters")
TIMEOUT = 120
#: Variables that change what the child sees of its terminal, or buffer its output.
_ENV_DROPPED = (
    "PYTHONUNBUFFERED", "NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE",
    "COLUMNS", "LINES", "TERM", "COLORTERM", "JUPYTER_COLUMNS", "JUPYTER_LINES",
)  # fmt: skip
BOM = b"\xef\xbb\xbf"


def _reference_lines(data: bytes, limit: int) -> list[bytes | None]:
    lines: list[bytes | None] = list(data.split(b"\n"))
    if lines and lines[-1] == b"":
        lines.pop()
    return [None if line is not None and len(line) > limit else line for line in lines]


class Trickle(io.RawIOBase):
    """A raw stream that gives *data* at most *step* bytes a read, counting what it gave."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data = data
        self._step = step
        self.given = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = min(len(buffer), self._step, len(self._data) - self.given)
        buffer[:n] = self._data[self.given : self.given + n]
        self.given += n
        return n


# -- LineBlocks ----------------------------------------------------------------------


@given(
    data=st.lists(
        st.sampled_from([b"\n", b"a", b"bc", b"\r\n", b'{"x":1}', b"\xff", b"0123456789"]),
        max_size=60,
    ).map(b"".join),
    limit=st.integers(1, 30),
    block=st.integers(1, 40),
    step=st.integers(1, 50),
)
def test_line_blocks_give_every_line_whatever_the_reads(
    data: bytes, limit: int, block: int, step: int
) -> None:
    source = io.BufferedReader(Trickle(data, step), buffer_size=max(1, step))
    reader = LineBlocks(source, limit, block_bytes=block)
    got = [line for lines in reader for line in lines]
    assert got == _reference_lines(data, limit)
    if got and got[-1] is not TOO_LONG:  # the flag is about a line given as bytes
        assert reader.unterminated == (not data.endswith(b"\n"))


def test_a_too_long_line_is_given_before_the_rest_of_it_is_read() -> None:
    data = b'{"type":"token"}\n' + b"x" * 10_000_000 + b"\n" + b'{"type":"done"}\n'
    raw = Trickle(data, 1 << 16)
    reader = iter(LineBlocks(io.BufferedReader(raw), 100_000, block_bytes=1 << 16))
    seen: list[bytes | None] = []
    while TOO_LONG not in seen:
        seen += next(reader)
    assert seen == [b'{"type":"token"}', TOO_LONG]
    assert raw.given <= 100_000 + 2 * (1 << 16)  # the limit and a read or two, not 10 MB
    assert [line for lines in reader for line in lines] == [b'{"type":"done"}']


def test_a_stream_without_read1_is_read_by_lines() -> None:
    class LinesOnly:
        def __init__(self, data: bytes) -> None:
            self._source = io.BytesIO(data)

        def readline(self, size: int = -1) -> bytes:
            return self._source.readline(size)

    data = b'{"a":1}\n\n{"b":2}'
    got = [line for lines in LineBlocks(LinesOnly(data), 100) for line in lines]  # type: ignore[arg-type]
    assert got == [b'{"a":1}', b"", b'{"b":2}']


# -- BlockOutput ----------------------------------------------------------------------


class CountingText(io.TextIOWrapper):
    """A UTF-8 text stream over a BytesIO that counts its writes and flushes."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8", newline="\n")
        self.writes = 0
        self.flushes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)

    def flush(self) -> None:
        self.flushes += 1
        super().flush()

    def output(self) -> bytes:
        super().flush()
        buffer = self.buffer
        assert isinstance(buffer, io.BytesIO)
        return buffer.getvalue()


def test_block_output_holds_text_until_sent() -> None:
    stream = CountingText()
    out = BlockOutput(stream)
    out.write("a\n")
    out.flush()
    out.write_utf8("é\n".encode())
    assert stream.writes == 0
    out.send()
    assert stream.output() == "a\né\n".encode()
    assert stream.writes == 1


def test_write_all_finishes_a_raw_stream_that_takes_a_little_at_a_time() -> None:
    class Stingy(io.RawIOBase):
        def __init__(self) -> None:
            self.got = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, data: Any) -> int:
            piece = bytes(data[:3])
            self.got += piece
            return len(piece)

    sink = Stingy()
    _write_all(sink, bytearray(b"0123456789" * 5))
    assert bytes(sink.got) == b"0123456789" * 5


# -- the command: a write per block, the NDJSON fast path --------------------------------


def _events(count: int) -> list[dict[str, Any]]:
    kinds = ["token", "tool_start", "tool_end", "run_start", "error"]
    return [
        {"type": kinds[i % len(kinds)], "content": f"t{i} ", "tool": "grep", "message": "m"}
        for i in range(count)
    ]


def _run_main(
    monkeypatch: pytest.MonkeyPatch, log: Path, *args: str
) -> tuple[int, CountingText, list[Any]]:
    """Run ``main`` in process on *log*, stdout a CountingText; also the formatters it made."""
    stdout = CountingText()
    monkeypatch.setattr(sys, "stdout", stdout)
    made: list[Any] = []
    real_get_formatter = cli.get_formatter

    def spy(*a: Any, **kw: Any) -> Any:
        formatter = real_get_formatter(*a, **kw)
        made.append(formatter)
        return formatter

    monkeypatch.setattr(cli, "get_formatter", spy)
    status = main([*args, str(log)])
    return status, stdout, made


def _library_output(events: list[dict[str, Any]], fmt: str, visibility: str = "debug") -> bytes:
    out = io.StringIO()
    writer = EventWriter(out)
    formatter = get_formatter(fmt, colors_enabled=False, visibility=visibility, stream=out)
    for event in events:
        writer.write(event, formatter)
    writer.end_line()
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize("fmt", ["json", "plain"])
def test_a_log_is_written_a_block_at_a_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fmt: str
) -> None:
    events = _events(3000)
    log = tmp_path / "run.ndjson"
    log.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    status, stdout, _ = _run_main(monkeypatch, log, "--format", fmt, "--no-color")
    assert status == 0
    assert stdout.output() == _library_output(events, fmt)
    # One block of input (the log is far smaller than a read): a write and a flush or
    # two, where writing event by event flushed 3000 times.
    assert stdout.writes <= 3
    assert stdout.flushes <= 5


@pytest.mark.parametrize(("visibility", "unfiltered"), [("debug", True), ("standard", False)])
def test_json_at_a_level_that_hides_nothing_takes_the_unfiltered_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, visibility: str, unfiltered: bool
) -> None:
    events = [*_events(20), {"type": "tool_end", "tool": "t", "result": "r", "preview": "p"}]
    log = tmp_path / "run.ndjson"
    log.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events))
    status, stdout, made = _run_main(
        monkeypatch, log, "--format", "json", "--visibility", visibility
    )
    assert status == 0
    [formatter] = made
    assert isinstance(formatter, JsonFormatter)
    assert (formatter.visibility is None) is unfiltered
    assert stdout.output() == _library_output(events, "json", visibility)


# -- the same bytes as the writer gives event by event, over a hostile corpus --------------

_HOSTILE = [
    "\x9b31m", "\u202e", "\u2028", "\U000e0041", "\x7f", "\x1b[2J", "café", "東京", "“q”",
    "\u00a0", "…", "\ufeff", "\x00", "\r", "\t", "[bold]x[/bold]", "\n",
]  # fmt: skip
_ODD_LINES = [
    b'{"type": "token",  "content" : "spaced",  "content": "dup"}',
    b'{"type":"token","content":"\\ud800 lone surrogate"}',
    b'{"content":"no type"}',
    b'{"type": 5, "event_type": "token", "content": "odd type"}',
    b'{"type":"usage","input_tokens":18446744073709551616}',
    b'{"type":"token","content":"\\u009b\\u2028 escaped in the input"}',
    b"[1,2]",
    b'{"type": "tok',
    b"   ",
    b"",
    b'{"type":"token","content":"crlf"}\r',
    '{"type":"token"}'.encode("utf-16-le"),
    b'{"type":"token","content":"' + b"L" * 3000 + b'"}',
    b'{"type":"token","content":"bad \xff utf8"}',
    b'{"type":"token","content":1e999}',
]
_TYPES = [
    "token", "token", "token", "tool_start", "tool_end", "error", "task_failed", "run_start",
    "thinking", "reasoning", "usage", "node_error", "my_custom",
]  # fmt: skip


def _hostile_log(lines: int, seed: int) -> bytes:
    """A seeded log with hostile text, speakers, odd and invalid lines; a BOM, no final newline."""
    rng = random.Random(seed)
    out = []
    for _ in range(lines):
        if rng.random() < 0.08:
            out.append(rng.choice(_ODD_LINES))
            continue
        event: dict[str, Any] = {
            "type": rng.choice(_TYPES),
            "content": "".join(rng.choice([*_HOSTILE, "word ", "x" * 40]) for _ in range(4)),
        }
        if rng.random() < 0.4:
            event["tool"] = rng.choice(_HOSTILE) + "tool"
            event["arguments"] = {"path": rng.choice(_HOSTILE), "n": [1, 2.5, None, True]}
            event["result"] = rng.choice(_HOSTILE) * 3
        if rng.random() < 0.3:
            event["node_name"] = rng.choice(["researcher", "critic", "\u202eevil"])
        if rng.random() < 0.1:
            event["error"] = "boom " + rng.choice(_HOSTILE)
        out.append(orjson.dumps(event))
    return BOM + b"\n".join(out)


def _expected(data: bytes, args: list[str], name: str) -> tuple[int, bytes, bytes]:
    """What ``ai-infra-format ARGS FILE`` gives for *data*, the file *name*, by the
    writer event by event. A JSON object with no type is invalid."""
    fmt = args[args.index("--format") + 1]
    visibility = args[args.index("--visibility") + 1] if "--visibility" in args else "debug"
    skip = "--skip-invalid" in args
    limit = int(args[args.index("--max-line-bytes") + 1]) if "--max-line-bytes" in args else 1 << 26
    out = io.StringIO()
    writer = EventWriter(out)
    formatter = get_formatter(fmt, colors_enabled=False, visibility=visibility, stream=out)
    errors: list[str] = []
    lines = data.split(b"\n")
    for lineno, line in enumerate(lines, 1):
        raw = line if lineno == len(lines) else line + b"\n"
        if lineno == 1:
            raw = raw.removeprefix(BOM)
        if len(line) > limit:
            problem = f"longer than {limit:,} bytes (--max-line-bytes)"
        elif not raw or raw.isspace():
            continue
        else:
            try:
                event = parse_event_line(raw)
            except InvalidLineError as exc:
                problem = exc.problem
            else:
                if event.get("type") is not None or event.get("event_type") is not None:
                    writer.write(event, formatter)
                    continue
                problem = 'no "type" (nor "event_type"): an event needs one, e.g. "token"'
        if not skip:
            writer.end_line()
            return (
                1,
                out.getvalue().encode(),
                f"ai-infra-format: {name}:{lineno}: {problem}\n".encode(),
            )
        errors.append(f"{name}:{lineno}: {problem}")
    writer.end_line()
    messages = [
        f"ai-infra-format: {e}; skipped"
        + (" (further invalid lines are only counted)" if i == 9 else "")
        for i, e in enumerate(errors[:10])
    ]
    if errors:
        noun = "line" if len(errors) == 1 else "lines"
        messages.append(f"ai-infra-format: skipped {len(errors)} invalid {noun}")
    return 0, out.getvalue().encode(), "".join(m + "\n" for m in messages).encode()


@pytest.fixture(scope="module")
def hostile_log() -> Iterator[Path]:
    # Over 1 MiB: several blocks, lines cut between reads.
    data = _hostile_log(12_000, seed=12)
    assert len(data) > 1_200_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "hostile.ndjson"
        path.write_bytes(data)
        yield path


@pytest.mark.parametrize(
    "args",
    [
        ["--format", "json", "--skip-invalid"],
        ["--format", "json", "--skip-invalid", "--max-line-bytes", "2000"],
        ["--format", "json", "--visibility", "standard", "--skip-invalid"],
        ["--format", "plain", "--no-color", "--skip-invalid"],
        ["--format", "minimal", "--no-color", "--skip-invalid"],
        ["--format", "rich", "--no-color", "--skip-invalid"],
        ["--format", "json"],
        ["--format", "plain", "--no-color"],
    ],
)
@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
def test_output_is_byte_identical_to_the_writer_event_by_event(
    hostile_log: Path, args: list[str], unbuffered: bool
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in _ENV_DROPPED}
    env["PYTHONIOENCODING"] = "utf-8"
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    with tempfile.TemporaryFile() as stdout:
        result = subprocess.run(
            [*MODULE_CMD, *args, str(hostile_log)],
            stdout=stdout,  # a file: the command sees no terminal, as in the reference
            stderr=subprocess.PIPE,
            env=env,
            timeout=TIMEOUT,
            check=False,
        )
        stdout.seek(0)
        got = stdout.read()
    status, expected_out, expected_err = _expected(hostile_log.read_bytes(), args, str(hostile_log))
    assert result.stderr.decode() == expected_err.decode()
    assert result.returncode == status
    assert got == expected_out
    if "json" in args:
        # Nothing a terminal acts on is written raw (the input has plenty of it).
        assert not TERMINAL_ACTIVE.intersection(map(ord, got.decode("utf-8")))
        assert b"\\u009b" in got
        if status == 0:
            assert len(got.splitlines()) > 10_000


@pytest.mark.parametrize("fmt", ["json", "plain"])
def test_events_on_a_pipe_are_shown_as_they_arrive(fmt: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in _ENV_DROPPED}  # stdout buffered
    proc = subprocess.Popen(
        [*MODULE_CMD, "--format", fmt, "--no-color"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
        env=env,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    for n in range(3):
        event = {"type": "run_start", "message": f"step {n}"}
        proc.stdin.write(orjson.dumps(event) + b"\n")
        # Read before the next line is sent: the command must not wait for more input.
        line = proc.stdout.readline()
        assert line == (orjson.dumps(event) + b"\n" if fmt == "json" else f"▶ step {n}\n".encode())
    proc.stdin.close()
    assert proc.stdout.read() == b""
    assert proc.wait(timeout=TIMEOUT) == 0


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("fmt", ["json", "plain"])
@pytest.mark.parametrize("unbuffered", [False, True], ids=["buffered", "unbuffered"])
def test_a_full_disk_and_a_closed_pipe_are_reported_as_before(
    hostile_log: Path, fmt: str, unbuffered: bool
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in _ENV_DROPPED}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    command = [*MODULE_CMD, "--format", fmt, "--skip-invalid", str(hostile_log)]
    with open("/dev/full", "wb") as full:
        result = subprocess.run(
            command, stdout=full, stderr=subprocess.PIPE, env=env, timeout=TIMEOUT, check=False
        )
    assert result.returncode == 1
    # The output before the first skipped line is written before its warning: the
    # write fails first, and that is all stderr says.
    assert result.stderr == (
        b"ai-infra-format: cannot write events to stdout: No space left on device\n"
    )
    assert b"Traceback" not in result.stderr
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            command, stdout=write_end, stderr=subprocess.PIPE, env=env, timeout=TIMEOUT, check=False
        )
    finally:
        os.close(write_end)
    assert result.returncode == 0
    assert b"Traceback" not in result.stderr
    assert b"cannot write" not in result.stderr
