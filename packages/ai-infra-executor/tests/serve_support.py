"""A real ``ai-infra-executor serve`` child process for the tests: started on a port,
waited for until it listens, stopped (or killed) at will."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import IO, Any


def start_serve(
    port: int,
    options: Sequence[str] = (),
    *,
    stdout: int | IO[Any] | None = subprocess.DEVNULL,
    stderr: int | IO[Any] | None = subprocess.DEVNULL,
    wait: float = 30.0,
) -> subprocess.Popen[bytes]:
    """``ai-infra-executor serve --port PORT OPTIONS...``, once it accepts connections.

    Raises:
        RuntimeError: it exited, or did not listen within *wait* seconds.
    """
    process = subprocess.Popen(
        [sys.executable, "-m", "ai_infra_executor", "serve", "--port", str(port), *options],
        stdout=stdout,
        stderr=stderr,
    )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"serve exited at start ({process.returncode})") from None
            time.sleep(0.05)
    process.kill()
    process.wait(timeout=10)
    raise RuntimeError(f"serve did not listen within {wait} s")
