"""``ai-infra-executor --help`` names the three commands with an example each, and
``serve --help`` and ``watch --help`` list their exit statuses (issue 15)."""

from __future__ import annotations

import pytest

from ai_infra_executor.cli import main


def _help(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as stopped:
        main([*argv, "--help"])
    assert stopped.value.code == 0
    return capsys.readouterr().out


def test_the_top_level_help_shows_an_example_of_each_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = _help(capsys)
    for command in ("demo", "serve", "watch"):
        assert f"  ai-infra-executor {command}" in text
    assert "run the LangGraph demo." not in text  # it does more than the demo


@pytest.mark.parametrize("command", ["serve", "watch"])
def test_serve_and_watch_list_their_exit_statuses(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = _help(capsys, command)
    statuses = text.partition("exit status:")[2]
    for status in ("0 ", "2 ", "130 "):
        assert f"\n  {status}" in statuses
    assert "AI_INFRA_SERVER_TOKEN" in text
