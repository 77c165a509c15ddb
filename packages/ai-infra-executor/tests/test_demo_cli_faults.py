"""The demo command when its output or its run is cut short (real subprocesses).

* stdout closed early (``| head -1``): exit status 0, nothing on stderr;
* SIGINT in the middle of a node: exit status 130, one line on stderr;
* stdout on a full disk (``/dev/full``): exit status 1, the reason once on stderr.

Never a traceback. The runs use a long roadmap with small delays, so a run that
did not stop at the fault would take far longer than the timeouts here.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

#: The two ways the demo writes: console lines (rich, plain and minimal when not a
#: terminal) and NDJSON. Each run costs a second or two of start-up.
FORMATS = ("plain", "json")
#: A run of the long roadmap at this scale takes half a minute; a cut-short one, seconds.
SLOW = ("--latency-scale", "0.2")
TIMEOUT_S = 20


@pytest.fixture
def long_roadmap(tmp_path: Path) -> Path:
    path = tmp_path / "LONG.md"
    lines = [f"- [ ] Task number {n} (src/mod{n}.py, tests/test_mod{n}.py)" for n in range(150)]
    path.write_text("# A long roadmap\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def demo_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "ai_infra_executor", "demo", *args]


@contextlib.contextmanager
def sigint_not_ignored() -> Iterator[None]:
    """Children started inside get SIGINT's default action even when this process
    ignores it (an ignored signal stays ignored across exec; a handler does not)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def test_stdout_closed_early_exits_quietly_with_status_0(long_roadmap):
    head = shutil.which("head")
    if head is None:
        pytest.skip("no head command")
    pipelines = []
    for fmt in FORMATS:  # all at once: the start-up time is paid once
        producer = subprocess.Popen(
            demo_command("--format", fmt, "--roadmap", str(long_roadmap), *SLOW),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        reader = subprocess.Popen([head, "-1"], stdin=producer.stdout, stdout=subprocess.PIPE)
        assert producer.stdout is not None
        producer.stdout.close()  # head is now the only reader
        pipelines.append((fmt, producer, reader))
    for fmt, producer, reader in pipelines:
        first, _ = reader.communicate(timeout=TIMEOUT_S)
        assert producer.stderr is not None
        err = producer.stderr.read().decode("utf-8", "replace")
        status = producer.wait(timeout=TIMEOUT_S)
        producer.stderr.close()
        assert (fmt, status, err) == (fmt, 0, "")
        assert first.count(b"\n") == 1
        if fmt == "json":
            assert orjson.loads(first)["type"] == "run_start"
        else:
            assert "Starting executor run: LONG.md (150 tasks)" in first.decode()


def test_sigint_mid_run_exits_130_without_a_traceback(long_roadmap):
    with sigint_not_ignored():
        process = subprocess.Popen(
            demo_command("--format", "json", "--roadmap", str(long_roadmap), *SLOW),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    assert process.stdout is not None
    # Wait until the agent streams: SIGINT then lands in the middle of a node.
    mid_node = False
    for line in process.stdout:
        if orjson.loads(line)["type"] in ("token", "tool_start"):
            mid_node = True
            break
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=TIMEOUT_S)
    assert mid_node
    assert (process.returncode, err.decode("utf-8", "replace")) == (
        130,
        "ai-infra-executor: interrupted\n",
    )


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_reported_once_with_status_1(long_roadmap):
    with open("/dev/full", "w", encoding="utf-8") as full:
        started = time.monotonic()
        result = subprocess.run(
            demo_command("--format", "plain", "--roadmap", str(long_roadmap), *SLOW),
            stdin=subprocess.DEVNULL,
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=TIMEOUT_S,
            check=False,
        )
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 1
    assert err.count("\n") == 1
    assert err.startswith("ai-infra-executor: error: cannot write the output: ")
    assert "No space left on device" in err
    assert time.monotonic() - started < TIMEOUT_S  # stopped at the failure, no retry loop
