"""A real headless Chromium for the watching page's tests, and a real ``serve`` process.

Chromium is Debian's ``chromium`` package (``/usr/bin/chromium``; ``AI_INFRA_CHROMIUM``
names another binary), driven by the ``playwright`` package from PyPI by its path
(never ``playwright install``: no browser download). ``.ci/run`` installs the package.

``nox -s web-protocols`` installs playwright and sets ``AI_INFRA_BROWSER=required``:
then a missing Chromium, playwright or redis-server (the tests serve a Redis run log)
is an error; elsewhere the tests that need them are skipped, with the reason.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from redis_support import REDIS_SERVER
from serve_support import start_serve

if TYPE_CHECKING:
    from playwright.sync_api import Browser

REQUIRED = os.environ.get("AI_INFRA_BROWSER") == "required"
CHROMIUM = os.environ.get("AI_INFRA_CHROMIUM") or shutil.which("chromium") or ""
HAVE_PLAYWRIGHT = importlib.util.find_spec("playwright") is not None

_MISSING = [
    what
    for what, present in [
        ("Chromium (apt-get install chromium; .ci/run installs it)", bool(CHROMIUM)),
        ("playwright (pip install playwright; nox -s web-protocols installs it)", HAVE_PLAYWRIGHT),
        ("redis-server (apt-get install redis-server; .ci/run installs it)", bool(REDIS_SERVER)),
    ]
    if not present
]
if REQUIRED and _MISSING:
    raise RuntimeError("AI_INFRA_BROWSER=required, but missing: " + "; ".join(_MISSING))

needs_browser = pytest.mark.skipif(bool(_MISSING), reason="needs " + " and ".join(_MISSING))

#: Headless, and nothing that reaches out to the network on its own (the machine may
#: have none: Chromium's own connections would be refused many at a time).
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium (the machine's, by its path), closed on leaving."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


class ServeProcess:
    """``ai-infra-executor serve --redis URL --port PORT`` as a child process.

    Args:
        redis_url: the Redis run log it serves.
        port: the port it listens on (127.0.0.1); the same across restarts.
        log: the file its output goes to (appended, across restarts).
    """

    def __init__(self, redis_url: str, port: int, log: Path) -> None:
        self.redis_url = redis_url
        self.port = port
        self.log = log
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 60.0) -> None:
        """Start it and wait until it accepts connections."""
        with self.log.open("ab") as out:
            try:
                self._process = start_serve(
                    self.port,
                    ["--redis", self.redis_url],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    wait=timeout,
                )
            except RuntimeError as error:
                raise RuntimeError(f"{error}:\n{self.log.read_text()}") from None

    def kill(self) -> None:
        """SIGKILL: no shutdown, no goodbye to the connections."""
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._process.pid, signal.SIGKILL)
            self._process.wait(timeout=30)
            self._process = None
