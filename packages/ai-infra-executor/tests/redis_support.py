"""A real ``redis-server`` for the tests: started in a temporary directory on a free
port, stopped (and started again on the same port) at will.

Tests that need one are skipped, with the reason, when ``redis-server`` is not
installed; ``.ci/run`` installs it, so in CI they run.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REDIS_SERVER = shutil.which("redis-server")

needs_redis = pytest.mark.skipif(
    REDIS_SERVER is None,
    reason="redis-server is not installed (apt-get install redis-server; .ci/run installs it)",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_serve(redis_url: str, port: int) -> subprocess.Popen[bytes]:
    """``ai-infra-executor serve --redis REDIS_URL --port PORT`` as a child process,
    once it listens (the caller kills it)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "ai_infra_executor", "serve", "--redis", redis_url,
         "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError("serve exited at start") from None
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("serve did not listen within 30 s")


class RedisServer:
    """One ``redis-server`` process on 127.0.0.1.

    Args:
        directory: its working directory (its log, and its append-only file).
        persistent: keep the data across a stop and start (an fsynced append-only
            file); otherwise nothing is written to disk.
    """

    def __init__(self, directory: Path, *, persistent: bool = False) -> None:
        self.directory = directory
        self.persistent = persistent
        self.port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER is not None
        args = [
            REDIS_SERVER,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--dir",
            str(self.directory),
            "--logfile",
            "redis.log",
        ]
        if self.persistent:
            args += ["--appendonly", "yes", "--appendfsync", "always"]
        else:
            args += ["--appendonly", "no"]
        self._process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while not self._answers():
            if self._process.poll() is not None or time.monotonic() > deadline:
                log = self.directory / "redis.log"
                text = log.read_text() if log.exists() else ""
                raise RuntimeError(f"redis-server did not start on {self.port}:\n{text}")
            time.sleep(0.02)

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Stop it (SIGTERM: a clean shutdown, which writes the append-only file)."""
        if self._process is not None:
            self._process.terminate()
            self._process.wait(timeout=10)
            self._process = None
