"""`ai-infra-executor --help` and the demo's arguments: examples, exit codes,
--visibility, impossible values rejected (issue 13, item 12). In-process: a usage
error stops before any run."""

from __future__ import annotations

import orjson
import pytest

from ai_infra_executor.cli import EXIT_OK, EXIT_USAGE, build_parser, main


@pytest.mark.parametrize("argv", [["--help"], ["demo", "--help"]])
def test_help_has_examples_and_exit_codes(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(argv)
    assert stopped.value.code == 0
    shown = capsys.readouterr().out
    assert "examples:\n  ai-infra-executor demo " in shown
    assert "exit status:\n  0 " in shown
    for code in ("  1 ", "  2 ", "  130 "):
        assert f"\n{code}" in shown


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["--fail-task", "9"], "--fail-task 9: the roadmap has 4 tasks"),
        (["--fail-task", "0"], "--fail-task 0: tasks are numbered from 1"),
        (["--latency-scale", "-1"], "--latency-scale -1.0: give a number 0 or more"),
        (["--latency-scale", "nan"], "--latency-scale nan: give a number 0 or more"),
        (["--latency-scale", "inf"], "--latency-scale inf: give a number 0 or more"),
    ],
)
def test_impossible_arguments_are_usage_errors(
    argv: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["demo", "--format", "json", *argv])
    assert stopped.value.code == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.err == f"ai-infra-executor: error: {said}\n"
    assert captured.out == ""  # nothing ran


def test_a_fail_task_within_a_custom_roadmap_is_accepted(
    tmp_path: object, capsys: pytest.CaptureFixture[str]
) -> None:
    from pathlib import Path

    roadmap = Path(str(tmp_path)) / "ROADMAP.md"
    roadmap.write_text("- [ ] One (a.py)\n- [ ] Two (b.py)\n", "utf-8")
    argv = ["demo", "--format", "json", "--latency-scale", "0", "--roadmap", str(roadmap)]
    with pytest.raises(SystemExit):
        main([*argv, "--fail-task", "3"])
    assert "the roadmap has 2 tasks" in capsys.readouterr().err
    assert main([*argv, "--fail-task", "2"]) == EXIT_OK
    types = [orjson.loads(line)["type"] for line in capsys.readouterr().out.splitlines()]
    assert "task_failed" in types


def _tool_starts(argv: list[str], capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    assert main(["demo", "--format", "json", "--latency-scale", "0", *argv]) == EXIT_OK
    events = [orjson.loads(line) for line in capsys.readouterr().out.splitlines()]
    return [e for e in events if e["type"] == "tool_start"]


def test_visibility_decides_what_the_agent_shows(capsys: pytest.CaptureFixture[str]) -> None:
    detailed = _tool_starts(["--visibility", "detailed"], capsys)
    standard = _tool_starts(["--visibility", "standard"], capsys)
    minimal = _tool_starts(["--visibility", "minimal"], capsys)
    assert any("arguments" in e for e in detailed)
    assert len(standard) == len(detailed)
    assert not any("arguments" in e for e in standard)
    assert minimal == []


def test_visibility_names_are_checked(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(["demo", "--visibility", "everything"])
    assert stopped.value.code == EXIT_USAGE
    assert "invalid choice: 'everything'" in capsys.readouterr().err
