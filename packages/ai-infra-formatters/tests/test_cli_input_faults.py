"""``ai-infra-format`` on hostile input: read errors, endless lines, wrong encodings.

A read error mid-file gives one line on stderr and exit status 2; a line longer
than ``--max-line-bytes`` is rejected without being read whole (the child's
peak RSS is measured); a file in the wrong encoding, a binary file and a cut
line are each described as what they are.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest

from ai_infra_formatters.cli import (
    EXIT_INVALID_INPUT,
    EXIT_OK,
    EXIT_READ_FAILED,
    InvalidLineError,
    parse_event_line,
    render_log,
)
from ai_infra_formatters.output import get_formatter
from ai_infra_formatters.writer import EventWriter

MODULE_CMD = (sys.executable, "-m", "ai_infra_formatters")
TIMEOUT = 60
MIB = 1024 * 1024
#: The endless line the memory tests feed the CLI: far more than any limit below.
LONG_LINE_BYTES = 300 * 1_000_000


def ndjson(*events: dict[str, Any]) -> bytes:
    return b"".join(orjson.dumps(e) + b"\n" for e in events)


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("FORCE_COLOR", None)
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*MODULE_CMD, *args],
        input=stdin,
        capture_output=True,
        env=_env(),
        cwd=tempfile.gettempdir(),
        timeout=TIMEOUT,
        check=False,
    )


def render(data: bytes | io.RawIOBase, **options: Any) -> tuple[int, str, str]:
    """Run :func:`render_log` in process on *data*: status, stdout, stderr."""
    source = io.BufferedReader(data) if isinstance(data, io.RawIOBase) else io.BytesIO(data)
    out = io.StringIO()
    formatter = get_formatter("plain", colors_enabled=False, stream=out)
    err = io.StringIO()
    real_stderr = sys.stderr
    sys.stderr = err
    try:
        status = render_log(source, EventWriter(out), formatter, **options)
    finally:
        sys.stderr = real_stderr
    return status, out.getvalue(), err.getvalue()


# -- read errors -------------------------------------------------------------


class FailingReader(io.RawIOBase):
    """A raw stream that gives *data*, then fails every read with EIO."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if not self._data:
            raise OSError(5, "Input/output error")
        n = min(len(buffer), len(self._data))
        buffer[:n] = self._data[:n]
        self._data = self._data[n:]
        return n


def test_read_error_mid_stream_prints_what_came_before_and_one_line() -> None:
    good = ndjson({"type": "run_start", "message": "go"}, {"type": "token", "content": "Hi"})
    status, out, err = render(FailingReader(good + b'{"type": "tok'))
    assert status == EXIT_READ_FAILED == 2
    assert out == "▶ go\nHi\n"
    assert err == "ai-infra-format: cannot read the input after line 2: Input/output error\n"


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux /proc")
def test_unreadable_proc_file_is_one_line_and_exit_2() -> None:
    result = run("/proc/self/mem")
    assert result.returncode == 2
    assert result.stdout == b""
    err = result.stderr.decode("utf-8")
    assert err == (
        "ai-infra-format: cannot read '/proc/self/mem' after line 0: Input/output error\n"
    ), err


# -- the line-length limit ---------------------------------------------------


def test_too_long_line_stops_like_invalid_input() -> None:
    data = (
        ndjson({"type": "run_start", "message": "go"})
        + b'{"type": "token", "content": "' + b"x" * 5000 + b'"}\n'
        + ndjson({"type": "run_end", "message": "never shown"})
    )  # fmt: skip
    status, out, err = render(data, max_line_bytes=1000)
    assert status == EXIT_INVALID_INPUT
    assert out == "▶ go\n"
    assert err == "ai-infra-format: line 2: longer than 1,000 bytes (--max-line-bytes)\n"


def test_too_long_line_is_skipped_with_skip_invalid() -> None:
    data = (
        ndjson({"type": "run_start", "message": "go"})
        + b"y" * 5000 + b"\n"
        + b"z" * 1001 + b"\n"
        + b'{"type": "token", "content": "' + b"x" * 968 + b'"}\n'  # exactly 1000 bytes
        + ndjson({"type": "run_end", "message": "done"})
    )  # fmt: skip
    status, out, err = render(data, max_line_bytes=1000, skip_invalid=True)
    assert status == EXIT_OK
    assert out == "▶ go\n" + "x" * 968 + "\n■ done\n"
    assert err.splitlines() == [
        "ai-infra-format: line 2: longer than 1,000 bytes (--max-line-bytes); skipped",
        "ai-infra-format: line 3: longer than 1,000 bytes (--max-line-bytes); skipped",
        "ai-infra-format: skipped 2 invalid lines",
    ]


@pytest.mark.parametrize("limit", [1, 999, 4 * MIB])
def test_lines_up_to_the_limit_are_read_whole(limit: int) -> None:
    # Lines longer than the reader's chunk are joined back; the limit counts
    # the bytes before the newline.
    content = "a" * max(0, min(limit, 3 * MIB) - 32)
    line = orjson.dumps({"type": "token", "content": content})
    if len(line) > limit:
        status, _, err = render(line + b"\n", max_line_bytes=limit)
        assert status == EXIT_INVALID_INPUT
        assert "longer than" in err
        return
    status, out, err = render(line + b"\n" + line, max_line_bytes=limit)
    assert (status, err) == (EXIT_OK, "")
    assert out == content * 2 + "\n"


def test_max_line_bytes_must_be_a_positive_number() -> None:
    assert run("--max-line-bytes", "1000", "--demo", "--format", "json").returncode == EXIT_OK
    for value, why in (
        ("0", "must be at least 1"),
        ("-5", "must be at least 1"),
        ("lots", "not a whole number"),
    ):
        result = run("--max-line-bytes", value, "--demo")
        assert result.returncode == 2, value
        err = result.stderr.decode()
        assert f"argument --max-line-bytes: {why}" in err, err
        assert "Traceback" not in err


#: Runs the command in argv, its stdout to /dev/null, and prints its exit status
#: and peak RSS. A fresh, small process: a child's ru_maxrss also counts the
#: process it was forked from, and pytest's is large.
_MEASURE = """
import resource, subprocess, sys
status = subprocess.call(sys.argv[1:], stdout=subprocess.DEVNULL)
print(status, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""

#: Writes argv[1] bytes of "a" (no newline) to stdout, a MiB at a time.
_PRODUCE = """
import sys
left, block = int(sys.argv[1]), b"a" * (1 << 20)
while left > 0:
    sys.stdout.buffer.write(block[:left])
    left -= len(block)
"""


def _peak_rss_mb_of_cli(args: Sequence[str], line_bytes: int) -> tuple[int, float, bytes]:
    """Feed the CLI *line_bytes* bytes with no newline: its status, peak RSS (MB), stderr."""
    with tempfile.TemporaryFile() as err:
        producer = subprocess.Popen(
            [sys.executable, "-c", _PRODUCE, str(line_bytes)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # a BrokenPipeError once the CLI stops reading
        )
        assert producer.stdout is not None
        with producer.stdout:
            measured = subprocess.run(
                [sys.executable, "-c", _MEASURE, *MODULE_CMD, "--format", "json", *args],
                stdin=producer.stdout,
                stdout=subprocess.PIPE,
                stderr=err,
                env=_env(),
                timeout=TIMEOUT,
                check=True,
            )
        producer.wait(timeout=TIMEOUT)
        err.seek(0)
        stderr = err.read()
    status, maxrss = measured.stdout.split()
    # ru_maxrss is in kilobytes on Linux, in bytes on macOS.
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    return int(status), int(maxrss) / scale, stderr


@pytest.mark.skipif(sys.platform == "win32", reason="resource.getrusage is POSIX")
@pytest.mark.parametrize(
    ("args", "status"),
    [
        (("--max-line-bytes", str(MIB), "--skip-invalid"), EXIT_OK),
        ((), EXIT_INVALID_INPUT),
        (("--skip-invalid",), EXIT_OK),
    ],
)
def test_an_endless_line_keeps_memory_bounded(args: tuple[str, ...], status: int) -> None:
    # `head -c 1000000000 /dev/zero | ai-infra-format --format json` reached 2.25 GB.
    returncode, peak_mb, stderr = _peak_rss_mb_of_cli(args, LONG_LINE_BYTES)
    # Well below the line (300 MB): the default limit (64 MiB) plus the interpreter.
    assert peak_mb < LONG_LINE_BYTES / 1e6 / 3, peak_mb
    assert returncode == status, stderr
    assert b"line 1: longer than " in stderr
    assert b"Traceback" not in stderr


# -- what is wrong with a line -------------------------------------------------


def _problem(line: bytes) -> str:
    with pytest.raises(InvalidLineError) as caught:
        parse_event_line(line)
    return caught.value.problem


def test_invalid_utf8_is_named_with_its_offset_and_column() -> None:
    assert _problem('{"type": "token", "content": "é'.encode() + b'\xff"}\n') == (
        "not valid UTF-8: byte 0xFF at byte offset 32 (column 32)"
    )
    assert _problem('{"content": "ßé€'.encode() + b"\xc3(") == (
        "not valid UTF-8: byte 0xC3 at byte offset 20 (column 17)"
    )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_lines_are_named(encoding: str) -> None:
    data = ndjson({"type": "token", "content": "hello"}, {"type": "done"}).decode()
    lines = data.encode(encoding).split(b"\n")
    for line in lines[:2]:
        assert "looks like UTF-16" in _problem(line + b"\n"), (encoding, line)


def test_a_utf16_file_from_the_cli() -> None:
    data = ndjson({"type": "run_start", "message": "go"}).decode().encode("utf-16")
    result = run("--format", "plain", stdin=data)
    assert result.returncode == EXIT_INVALID_INPUT
    assert result.stderr.decode() == (
        "ai-infra-format: line 1: looks like UTF-16 (it starts with the byte order mark FF FE),"
        " not UTF-8: convert it first, e.g. with iconv -f UTF-16 -t UTF-8\n"
    )


def test_binary_input_is_named() -> None:
    assert _problem(b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00>\n") == (
        "looks binary (a NUL byte at byte offset 7), not NDJSON"
    )
    assert _problem(b'{"type": "token", "content": "a\x00b"}') == (
        "looks binary (a NUL byte at byte offset 31), not NDJSON"
    )


@pytest.mark.parametrize(
    ("line", "column"),
    [
        (b'{"type": "token", "content": "cut off', 38),
        (b'{"type": "token", "content": "cut off\n', 38),
        (b'{"type": "token", "content": "cut off\r\n', 38),
        (b'{"type": "token", "content": "cut off"\n', 39),
        (b'{"type": "token", "content": "cut off", \r\n', 41),
        ('{"type": "token", "content": "été'.encode(), 34),
    ],
)
def test_a_cut_line_points_at_its_end(line: bytes, column: int) -> None:
    assert _problem(line) == f"invalid JSON: the line ends before the JSON does (column {column})"


def test_other_json_errors_keep_their_column() -> None:
    assert _problem(b'{"type": "token", oops}\n') == (
        "invalid JSON: unexpected character, expected a string key (column 19)"
    )


def test_valid_utf8_json_orjson_refuses_still_parses() -> None:
    # orjson refuses a lone surrogate escape; the standard library reads it.
    assert parse_event_line(b'{"type": "token", "content": "\\udc00 x"}\n') == {
        "type": "token",
        "content": "\udc00 x",
    }


def test_a_failing_stderr_does_not_change_the_exit_status(tmp_path: Path) -> None:
    # A warning to a stderr whose reader went away is not stdout going away: invalid
    # input still exits 1, and the events before it are still written.
    log = tmp_path / "bad.ndjson"
    log.write_bytes(ndjson({"type": "token", "content": "ok"}) + b"{not json\n")
    process = subprocess.Popen(
        [*MODULE_CMD, "--format", "json", str(log)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env(),
    )
    assert process.stderr is not None
    process.stderr.close()  # nobody reads stderr: writing to it is a broken pipe
    out, _ = process.communicate(timeout=TIMEOUT)
    assert process.returncode == EXIT_INVALID_INPUT
    assert orjson.loads(out.splitlines()[0])["content"] == "ok"
