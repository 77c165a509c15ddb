"""The bearer token a browser passes as ``?token=`` never reaches the access log: a real
``ai-infra-executor serve`` process, its own stdout/stderr read back (issue 15)."""

from __future__ import annotations

import logging
import signal
import subprocess
import urllib.error
import urllib.request

import pytest
from redis_support import free_port
from serve_support import start_serve

from ai_infra_executor.server_logs import REDACTED, RedactTokens, redact

SECRET = "s3cr3t-Value_42"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"/runs?token={SECRET}", f"/runs?token={REDACTED}"),
        (f"/runs/x/events?format=json&token={SECRET}&after=1-2",
         f"/runs/x/events?format=json&token={REDACTED}&after=1-2"),
        (f"/?TOKEN={SECRET}#top", f"/?TOKEN={REDACTED}#top"),
        (f"/runs?token={SECRET}&token={SECRET}", f"/runs?token={REDACTED}&token={REDACTED}"),
        ("/runs?mytoken=keep&tokens=keep", "/runs?mytoken=keep&tokens=keep"),
        ("/runs?token=", f"/runs?token={REDACTED}"),
    ],
)  # fmt: skip
def test_redact_blanks_only_token_parameters(text: str, expected: str) -> None:
    assert redact(text) == expected


def test_the_filter_rewrites_uvicorns_access_record() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5", "GET", f"/runs?token={SECRET}", "1.1", 200), None,
    )  # fmt: skip
    assert RedactTokens().filter(record) is True
    assert SECRET not in record.getMessage()
    assert f"token={REDACTED}" in record.getMessage()


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_a_served_request_with_the_token_in_its_url_logs_it_redacted() -> None:
    port = free_port()
    process = start_serve(
        port, ["--token", SECRET], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        base = f"http://127.0.0.1:{port}"
        assert _get(f"{base}/runs?token={SECRET}") == 200
        assert _get(f"{base}/runs?format=json&token={SECRET}x") == 401
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    text = output.decode("utf-8", "replace")
    assert f"GET /runs?token={REDACTED} HTTP/1.1" in text  # the access line is there
    assert f"/runs?format=json&token={REDACTED} HTTP/1.1" in text
    assert SECRET not in text
