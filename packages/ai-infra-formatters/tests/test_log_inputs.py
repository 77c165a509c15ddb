"""log_inputs: gzip logs, and a followed log that grows, is cut and is rotated
(issue 13, items 8-9)."""

from __future__ import annotations

import gzip
import os
import threading
from pathlib import Path

import pytest

from ai_infra_formatters.log_inputs import FollowedFile, open_log


def test_plain_and_gzip_logs_read_the_same(tmp_path: Path) -> None:
    lines = [b'{"type":"token","content":"a"}\n', b'{"type":"done"}\n']
    plain = tmp_path / "run.ndjson"
    plain.write_bytes(b"".join(lines))
    packed = tmp_path / "run.log"  # compressed whatever the name says
    packed.write_bytes(gzip.compress(b"".join(lines)))
    for path in (plain, packed):
        with open_log(str(path)) as log:
            assert [log.readline(), log.readline(), log.readline()] == [*lines, b""]


def test_a_gzip_log_cut_short_is_a_read_error(tmp_path: Path) -> None:
    whole = gzip.compress(b'{"type":"done"}\n' * 10_000)
    cut = tmp_path / "cut.ndjson.gz"
    cut.write_bytes(whole[: len(whole) // 2])

    def read_all() -> None:
        with open_log(str(cut)) as log:
            while log.readline():
                pass

    with pytest.raises(OSError, match="ends early"):
        read_all()


@pytest.mark.parametrize("make", ["missing", "directory"])
def test_what_cannot_be_opened_is_an_os_error(tmp_path: Path, make: str) -> None:
    path = tmp_path / "x"
    if make == "directory":
        path.mkdir()
    with pytest.raises(OSError, match=r"No such file|Is a directory"):
        open_log(str(path))


class Reader:
    """Reads a followed file on a thread, collecting its lines."""

    def __init__(self, path: Path) -> None:
        self.followed = FollowedFile(str(path), poll_interval=0.005)
        self.lines: list[bytes] = []
        self.changed = threading.Condition()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        while line := self.followed.readline(1 << 20):
            with self.changed:
                self.lines.append(line)
                self.changed.notify_all()

    def wait_for(self, count: int) -> list[bytes]:
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.lines) >= count, timeout=10), self.lines
            return list(self.lines)

    def stop(self) -> list[bytes]:
        self.followed.stop()
        self.thread.join(timeout=10)
        assert not self.thread.is_alive()
        self.followed.close()
        return self.lines


def test_following_reads_what_is_appended_whole_lines_only(tmp_path: Path) -> None:
    log = tmp_path / "run.ndjson"
    log.write_bytes(b"one\n")
    reader = Reader(log)
    assert reader.wait_for(1) == [b"one\n"]
    with log.open("ab") as out:
        out.write(b"tw")
        out.flush()
        out.write(b"o\nthree\n")
    assert reader.wait_for(3) == [b"one\n", b"two\n", b"three\n"]
    assert reader.stop() == [b"one\n", b"two\n", b"three\n"]


def test_following_starts_over_a_cut_file(tmp_path: Path) -> None:
    log = tmp_path / "run.ndjson"
    log.write_bytes(b"old 1\nold 2\n")
    reader = Reader(log)
    reader.wait_for(2)
    log.write_bytes(b"new\n")  # cut and written again, as `> run.ndjson` does
    assert reader.wait_for(3)[2:] == [b"new\n"]
    reader.stop()


def test_following_survives_rotation(tmp_path: Path) -> None:
    log = tmp_path / "run.ndjson"
    log.write_bytes(b"first\n")
    reader = Reader(log)
    reader.wait_for(1)
    with log.open("ab") as out:
        out.write(b"last of the old file\n")
    os.rename(log, tmp_path / "run.ndjson.1")
    log.write_bytes(b"first of the new file\n")
    assert reader.wait_for(3) == [b"first\n", b"last of the old file\n", b"first of the new file\n"]
    reader.stop()


def test_following_waits_while_the_file_is_gone(tmp_path: Path) -> None:
    log = tmp_path / "run.ndjson"
    log.write_bytes(b"a\n")
    reader = Reader(log)
    reader.wait_for(1)
    log.unlink()
    threading.Event().wait(0.05)  # some looks at the missing path
    log.write_bytes(b"b\n")
    assert reader.wait_for(2) == [b"a\n", b"b\n"]
    reader.stop()


def test_a_long_line_comes_in_pieces_of_the_size_asked(tmp_path: Path) -> None:
    log = tmp_path / "run.ndjson"
    log.write_bytes(b"x" * 10 + b"\n")
    with FollowedFile(str(log), poll_interval=0.001) as followed:
        assert followed.readline(4) == b"xxxx"
        assert followed.readline(100) == b"xxxxxx\n"
        followed.stop()
        assert followed.readline(100) == b""
