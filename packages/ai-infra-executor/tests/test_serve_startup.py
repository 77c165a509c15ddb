"""`ai-infra-executor serve` at its start: a Redis that does not answer or a URL that
is not Redis's is a usage error (exit 2, one line, no traceback), and one line on
stderr says what log is served and the page's URL (issue 15, a new user's report)."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis_support import RedisServer, free_port, needs_redis

import ai_infra_executor.server
from ai_infra_executor.cli import EXIT_OK, EXIT_USAGE, main


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, object]]:
    """What ``serve`` was called with (no server is started)."""
    calls: list[dict[str, object]] = []

    async def fake_serve(log: object, **options: object) -> None:
        calls.append({"log": log, **options})

    monkeypatch.setattr(ai_infra_executor.server, "serve", fake_serve)
    monkeypatch.delenv("AI_INFRA_SERVER_TOKEN", raising=False)
    return calls


def test_a_redis_that_does_not_answer_stops_serve_at_once(
    served: list[dict[str, object]], capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    assert main(["serve", "--redis", url]) == EXIT_USAGE
    assert served == []
    err = capsys.readouterr().err
    assert f"cannot reach Redis at {url}: " in err
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1


def test_a_url_that_is_not_redis_is_a_usage_error(
    served: list[dict[str, object]], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--redis", "http://x"])
    assert stopped.value.code == EXIT_USAGE
    assert served == []
    assert "--redis http://x: " in capsys.readouterr().err


def test_the_password_of_a_url_is_never_printed(
    served: list[dict[str, object]], capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"redis://user:sesame@127.0.0.1:{free_port()}/0"
    assert main(["serve", "--redis", url]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "sesame" not in err
    assert "redis://user:***@127.0.0.1:" in err


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("redis://h:1/0", "redis://h:1/0"),
        ("redis://:pw@h:1/0", "redis://:***@h:1/0"),
        ("rediss://u:p%40ss@h/2", "rediss://u:***@h/2"),
    ],
)
def test_redacted_url(url: str, shown: str) -> None:
    from ai_infra_executor.cli import redacted_url

    assert redacted_url(url) == shown


def test_the_memory_log_says_what_it_shows_and_where(
    served: list[dict[str, object]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", "--port", "9000"]) == EXIT_OK
    (line,) = capsys.readouterr().err.splitlines()
    assert "published in this process only" in line
    assert "serve --redis URL" in line
    assert "http://127.0.0.1:9000/" in line


@needs_redis
def test_the_redis_log_names_its_url_and_the_page(
    served: list[dict[str, object]], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    redis = RedisServer(tmp_path)
    redis.start()
    try:
        assert main(["serve", "--redis", redis.url, "--host", "::1", "--port", "9001"]) == EXIT_OK
    finally:
        redis.stop()
    (line,) = capsys.readouterr().err.splitlines()
    assert f"Redis at {redis.url}" in line
    assert "http://[::1]:9001/" in line
    assert len(served) == 1
