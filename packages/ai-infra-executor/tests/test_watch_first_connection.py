"""`ai-infra-executor watch` before and after its first connection: a run not in the
log yet is waited for, a server never reached is an error at once, a 401 says how
to give the token, and what the events carry is shown (issue 15, a new user's report)."""

from __future__ import annotations

import http.server
import json
import threading
from typing import Any, Final

import pytest
from redis_support import free_port

from ai_infra_executor.cli import EXIT_OK, EXIT_USAGE, main
from ai_infra_executor.watch import WatchError, watch_run

#: What one request gets: (status, body); a 200 body is sent as SSE and then closed.
Answer = tuple[int, bytes]


class _Scripted:
    """An HTTP server answering each request with the next scripted answer (the last
    one again when they run out); records each request's headers."""

    def __init__(self, answers: list[Answer]) -> None:
        self.answers = answers
        self.headers: list[dict[str, str]] = []
        scripted = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                scripted.headers.append(dict(self.headers.items()))
                n = len(scripted.headers) - 1
                status, body = scripted.answers[min(n, len(scripted.answers) - 1)]
                self.send_response(status)
                if status == 200:
                    self.send_header("Content-Type", "text/event-stream")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/runs/the-run"

    def __enter__(self) -> _Scripted:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def _sse(events: list[dict[str, Any]], *, end: bool) -> bytes:
    frames = [f"id: 1-{n}\ndata: {json.dumps(event)}\n\n" for n, event in enumerate(events)]
    if end:
        frames.append("event: end\ndata: {}\n\n")
    return "".join(frames).encode()


_NOT_FOUND: Final = (404, b'{"error": "no run the-run"}')
_TOOL_CALL: Final = [
    {"type": "tool_start", "tool": "read_file", "arguments": {"path": "ARGUMENT.py"}},
    {"type": "tool_end", "tool": "read_file", "result": "RESULT TEXT"},
]


class _Retried(Exception):
    """Raised by a test's on_retry: the watch tried to connect again."""


def _no_retry(reason: str) -> None:
    raise _Retried(reason)


def test_a_run_not_in_the_log_yet_is_waited_for_at_the_first_connection(
    capsys: pytest.CaptureFixture[str],
) -> None:
    events = [{"type": "token", "content": "hello"}]
    with _Scripted([_NOT_FOUND, _NOT_FOUND, (200, _sse(events, end=True))]) as server:
        status = main(["watch", "--format", "plain", "--no-color", server.url])
    out, err = capsys.readouterr()
    assert status == EXIT_OK
    assert out == "hello\n"
    assert err.count("waiting for run the-run to start") == 1


def test_a_run_that_never_comes_is_a_404_after_the_wait() -> None:
    waited: list[str] = []
    with _Scripted([_NOT_FOUND]) as server, pytest.raises(WatchError) as refused:
        watch_run(server.url, lambda event: None, wait_for_run=0.3, on_wait=waited.append)
    assert refused.value.status == 404
    assert waited == ["the-run"]
    assert len(server.headers) > 1  # it did ask again


def test_once_the_stream_has_opened_a_404_is_not_waited_for() -> None:
    waited: list[str] = []
    got: list[dict[str, Any]] = []
    answers = [(200, _sse(_TOOL_CALL, end=False)), _NOT_FOUND]  # the run is gone
    with _Scripted(answers) as server, pytest.raises(WatchError) as refused:
        watch_run(server.url, got.append, on_wait=waited.append, on_retry=lambda reason: None)
    assert refused.value.status == 404
    assert got == _TOOL_CALL
    assert waited == []
    assert server.headers[1]["Last-Event-ID"] == "1-1"


def test_a_server_never_reached_is_an_error_at_once_not_a_retry() -> None:
    url = f"http://127.0.0.1:{free_port()}/runs/x"  # nothing listens there
    with pytest.raises(WatchError) as failed:
        watch_run(url, lambda event: None, on_retry=_no_retry)
    assert failed.value.status is None
    assert "cannot connect to 127.0.0.1" in str(failed.value)


def test_the_command_says_it_cannot_connect_and_exits_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"http://127.0.0.1:{free_port()}/runs/x"
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(main(["watch", url])), daemon=True)
    thread.start()
    thread.join(60)  # before the fix it retried forever
    assert result == [EXIT_USAGE]
    err = capsys.readouterr().err
    assert "cannot connect to 127.0.0.1" in err
    assert "connecting again" not in err


def test_a_401_names_the_token_option_and_its_environment_variable(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AI_INFRA_SERVER_TOKEN", raising=False)
    with _Scripted([(401, b"a bearer token is required")]) as server:
        assert main(["watch", server.url]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "401" in err
    assert "--token" in err
    assert "AI_INFRA_SERVER_TOKEN" in err


def test_the_token_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AI_INFRA_SERVER_TOKEN", "from-env")
    with _Scripted([(200, _sse([], end=True))]) as server:
        assert main(["watch", "--format", "json", server.url]) == EXIT_OK
    assert server.headers[0]["Authorization"] == "Bearer from-env"


def _shown(capsys: pytest.CaptureFixture[str], *options: str) -> str:
    """What ``watch --format rich OPTIONS`` prints of the tool call (stdout is no terminal)."""
    with _Scripted([(200, _sse(_TOOL_CALL, end=True))]) as server:
        assert main(["watch", "--format", "rich", "--no-color", *options, server.url]) == EXIT_OK
    return capsys.readouterr().out


def test_watch_shows_tool_arguments_and_results_and_takes_a_visibility(
    capsys: pytest.CaptureFixture[str],
) -> None:
    shown = _shown(capsys)
    assert "ARGUMENT.py" in shown
    assert "RESULT TEXT" in shown
    standard = _shown(capsys, "--visibility", "standard")
    assert "read_file" in standard
    assert "ARGUMENT.py" not in standard
    assert "read_file" not in _shown(capsys, "--visibility", "minimal")
