"""``ai-infra-format --follow`` (issue 13, item 8): a growing log shown line by line
as it is written, through truncation and rotation, ended by Ctrl-C with status 130.

The command's own behaviour is tested in one subprocess; what it is built on
(:class:`FollowedFile` giving :class:`LineBlocks` whole lines, a block at a time)
in process.
"""

from __future__ import annotations

import gzip
import os
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from ai_infra_formatters.cli import main
from ai_infra_formatters.cli_lines import LineBlocks
from ai_infra_formatters.log_inputs import FollowedFile

MODULE_CMD = (sys.executable, "-m", "ai_infra_formatters")
TIMEOUT = 30
# Environment variables that change how Rich sees the terminal.
_TERMINAL_VARS = ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "COLUMNS", "TERM", "COLORTERM")


def _line(**event: object) -> bytes:
    return orjson.dumps(event) + b"\n"


def _append(path: Path, data: bytes) -> None:
    with path.open("ab") as out:
        out.write(data)


class _Output:
    """The command's stdout, read on a thread; lines waited for with a timeout."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        self._stdout = proc.stdout
        self._data = b""
        self._changed = threading.Condition()
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while chunk := os.read(self._stdout.fileno(), 4096):
            with self._changed:
                self._data += chunk
                self._changed.notify_all()

    def wait_for(self, text: bytes) -> bytes:
        """All output so far, once it ends with *text* (fails after a timeout)."""
        with self._changed:
            arrived = self._changed.wait_for(lambda: self._data.endswith(text), timeout=TIMEOUT)
            assert arrived, self._data
            return self._data

    def rest(self) -> bytes:
        self._thread.join(timeout=TIMEOUT)
        return self._data


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals and renames")
def test_follow_shows_each_line_as_written_through_truncation_and_rotation() -> None:
    env = {k: v for k, v in os.environ.items() if k not in _TERMINAL_VARS}
    env["PYTHONIOENCODING"] = "utf-8"
    env.pop("PYTHONUNBUFFERED", None)  # output must be flushed by the command itself
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "run.ndjson"
        log.write_bytes(_line(type="run_start", message="one"))
        proc = subprocess.Popen(
            [*MODULE_CMD, "--follow", "--format", "plain", "--no-color", str(log)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        try:
            out = _Output(proc)
            out.wait_for("▶ one\n".encode())
            # A line written in two pieces is shown once whole, then the next at once.
            _append(log, b'{"type": "token", "con')
            _append(log, b'tent": "Hello"}\n')
            out.wait_for(b"Hello")
            _append(log, _line(type="run_start", message="two"))
            out.wait_for("▶ two\n".encode())
            # Cut and written again (`> run.ndjson`): read from its start.
            log.write_bytes(b"")
            log.write_bytes(_line(type="run_end", message="after the cut"))
            out.wait_for("■ after the cut\n".encode())
            # Rotated: the rest of the old file, then the new one from its start.
            _append(log, _line(type="run_start", message="last of the old file"))
            log.rename(log.with_suffix(".1"))
            log.write_bytes(_line(type="run_start", message="first of the new file"))
            shown = out.wait_for("▶ first of the new file\n".encode())
            proc.send_signal(signal.SIGINT)
            assert proc.wait(timeout=TIMEOUT) == 130
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.stderr is not None
        err = proc.stderr.read()
        proc.stderr.close()
        assert out.rest() == shown
    assert shown.decode() == (
        "▶ one\nHello\n▶ two\n■ after the cut\n▶ last of the old file\n▶ first of the new file\n"
    )
    assert err == b""


# -- in process: FollowedFile under LineBlocks ------------------------------------------


@pytest.fixture
def followed(tmp_path: Path) -> Iterator[tuple[Path, FollowedFile]]:
    log = tmp_path / "run.ndjson"
    log.write_bytes(b"")
    with FollowedFile(str(log), poll_interval=0.001) as file:
        yield log, file


def test_read1_gives_every_whole_line_there_is_in_one_read(
    followed: tuple[Path, FollowedFile],
) -> None:
    log, file = followed
    log.write_bytes(b"one\ntwo\nthr")
    assert file.read1(1 << 20) == b"one\ntwo\n"
    _append(log, b"ee\n")
    assert file.read1(1 << 20) == b"three\n"


def test_read1_gives_a_long_line_in_pieces_of_the_size_asked(
    followed: tuple[Path, FollowedFile],
) -> None:
    log, file = followed
    log.write_bytes(b"x" * 10 + b"\nnext\n")
    assert file.read1(4) == b"xxxx"
    assert file.read1(4) == b"xxxx"
    assert file.read1(4) == b"xx\n"
    assert file.read1(100) == b"next\n"
    file.stop()
    assert file.read1(100) == b""


def test_line_blocks_over_a_followed_file_are_whole_lines_as_they_come(
    followed: tuple[Path, FollowedFile],
) -> None:
    log, file = followed
    log.write_bytes(b'{"a": 1}\n{"b": 2}\n{"c"')
    blocks = iter(LineBlocks(file, max_line_bytes=100))
    assert next(blocks) == [b'{"a": 1}', b'{"b": 2}']
    _append(log, b": 3}\n")
    assert next(blocks) == [b'{"c": 3}']
    _append(log, b"y" * 150 + b"\n" + b'{"d": 4}\n')
    assert next(blocks) == [None, b'{"d": 4}']  # too long, and the next line
    file.stop()
    assert next(blocks, "end") == "end"


def test_a_cut_file_drops_the_piece_of_a_line_read_before_the_cut(
    followed: tuple[Path, FollowedFile],
) -> None:
    log, file = followed
    log.write_bytes(b"old line\nold piece")
    blocks = iter(LineBlocks(file, max_line_bytes=100))
    assert next(blocks) == [b"old line"]
    done = threading.Event()
    got: list[list[bytes | None]] = []

    def read() -> None:
        got.append(next(blocks))
        done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    assert not done.wait(0.05)  # waiting for the rest of "old piece"
    log.write_bytes(b"")  # cut
    assert not done.wait(0.05)
    log.write_bytes(b"new\n")
    assert done.wait(TIMEOUT)
    assert got == [[b"new"]]


# -- usage ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["-f"], ["-f", "-"], ["-f", "a.ndjson", "b.ndjson"], ["-f", "--demo"]],
    ids=["stdin", "dash", "two-files", "demo"],
)
def test_follow_needs_exactly_one_file(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(args)
    assert stopped.value.code == 2
    assert "--follow" in capsys.readouterr().err


def test_a_compressed_log_cannot_be_followed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "run.ndjson.gz"
    log.write_bytes(gzip.compress(_line(type="done")))
    assert main(["--follow", str(log)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"ai-infra-format: cannot follow '{log}': it is gzip-compressed" + (
        " (follow the log it was made from)\n"
    )


def test_a_missing_file_cannot_be_followed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "not-yet.ndjson"
    assert main(["-f", str(log)]) == 2
    err = capsys.readouterr().err
    assert err == f"ai-infra-format: cannot follow '{log}': No such file or directory\n"
