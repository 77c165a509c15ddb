"""``ai-infra-executor serve``: its options, the token from the environment, the
backend chosen (imported by name only when used), the server extra missing."""

from __future__ import annotations

import sys
import types

import pytest

import ai_infra_executor.server
from ai_infra_executor.cli import EXIT_OK, EXIT_USAGE, build_parser, main
from ai_infra_executor.run_log_memory import MemoryRunLog


@pytest.fixture
def served(monkeypatch):
    """What ``serve`` was called with (the server is not started)."""
    calls: list[dict[str, object]] = []

    async def fake_serve(log, **options):
        calls.append({"log": log, **options})

    monkeypatch.setattr(ai_infra_executor.server, "serve", fake_serve)
    monkeypatch.delenv("AI_INFRA_SERVER_TOKEN", raising=False)
    return calls


def _backend(monkeypatch, module: str, cls: str) -> list[tuple[object, ...]]:
    made: list[tuple[object, ...]] = []

    class Log(MemoryRunLog):  # the real one, recording what it was made with
        def __init__(self, *args: object) -> None:
            super().__init__()
            made.append(args)

    monkeypatch.setitem(sys.modules, module, types.SimpleNamespace(**{cls: Log}))
    return made


def test_serve_binds_the_loopback_by_default():
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.redis, args.token) == ("127.0.0.1", 8765, None, None)


def test_serve_uses_the_memory_log_and_the_token_from_the_environment(monkeypatch, served):
    made = _backend(monkeypatch, "ai_infra_executor.run_log_memory", "MemoryRunLog")
    monkeypatch.setenv("AI_INFRA_SERVER_TOKEN", "from-env")
    assert main(["serve", "--port", "9000"]) == EXIT_OK
    assert made == [()]
    (call,) = served
    assert (call["host"], call["port"], call["token"]) == ("127.0.0.1", 9000, "from-env")


def test_serve_with_redis_uses_the_redis_log_and_the_given_token(monkeypatch, served):
    made = _backend(monkeypatch, "ai_infra_executor.run_log_redis", "RedisRunLog")
    monkeypatch.setenv("AI_INFRA_SERVER_TOKEN", "from-env")
    argv = ["serve", "--redis", "redis://h:1/0", "--host", "0.0.0.0", "--token", "given"]
    assert main(argv) == EXIT_OK
    assert made == [("redis://h:1/0",)]
    assert served[0]["token"] == "given"
    assert served[0]["host"] == "0.0.0.0"


def test_serve_refuses_an_empty_token_and_a_bad_port(monkeypatch, served, capsys):
    _backend(monkeypatch, "ai_infra_executor.run_log_memory", "MemoryRunLog")
    for argv in (["serve", "--token", ""], ["serve", "--port", "70000"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == EXIT_USAGE
    assert served == []
    assert "token" in capsys.readouterr().err


def test_serve_without_the_server_extra_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ai_infra_executor.server", None)  # import fails
    assert main(["serve"]) == EXIT_USAGE
    assert "ai-infra-executor[server]" in capsys.readouterr().err
