"""The demo in every format: in-process through ``main()`` (one LangGraph import for
all), and once as a real subprocess (``python -m ai_infra_executor demo``)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import NamedTuple

import orjson
import pytest

from ai_infra_executor.cli import build_parser, demo_config, main
from ai_infra_executor.demo import bundled_roadmap
from ai_infra_executor.demo.graph import parse_roadmap
from ai_infra_formatters import OutputFormat

FAST = ("--latency-scale", "0.05")
SUMMARY = "Executor run complete: 3 completed, 0 failed, 1 skipped"


class Result(NamedTuple):
    returncode: int | str | None
    stdout: str
    stderr: str


@pytest.fixture
def demo(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    """Run ``ai-infra-executor demo ARGS`` in this process; its status and output."""

    def run(*args: str) -> Result:
        try:
            code: int | str | None = main(["demo", *FAST, *args])
        except SystemExit as exc:  # a usage error
            code = exc.code
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


def test_the_command_runs_as_a_subprocess() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ai_infra_executor", "demo", *FAST, "--format", "json"],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=60,
        encoding="utf-8",
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert orjson.loads(lines[0])["type"] == "run_start"
    assert orjson.loads(lines[-1])["type"] == "run_end"


def test_the_bundled_roadmap_has_four_tasks_one_done():
    tasks = parse_roadmap(bundled_roadmap().read_text(encoding="utf-8"))
    assert [t["status"] for t in tasks] == ["pending", "done", "pending", "pending"]
    assert tasks[0] == {
        "id": "1",
        "title": "Add a /health endpoint",
        "status": "pending",
        "files": ["app/health.py", "tests/test_health.py"],
    }


def test_json_every_line_parses_from_run_start_to_run_end(demo):
    result = demo("--format", "json")
    assert result.returncode == 0, result.stderr
    events = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert events[0]["type"] == "run_start"
    assert events[0]["data"] == {"roadmap_path": "ROADMAP.md", "total_tasks": 4}
    assert events[-1]["type"] == "run_end"
    assert events[-1]["data"] == {"completed": 3, "failed": 0, "skipped": 1}
    types = {e["type"] for e in events}
    assert types >= {"token", "tool_start", "tool_end", "task_start", "task_skipped", "progress"}
    # The agent runs as a subgraph of execute_task: its events carry the namespace.
    model = [e for e in events if e.get("node_name") == "model"]
    assert model
    assert all(e["namespace"][0].startswith("execute_task:") for e in model)
    # verify reports its tests through LangGraph's custom stream writer.
    assert any(e["type"] == "tool_end" and e.get("tool") == "run_tests" for e in events)


@pytest.mark.parametrize("fmt", ["plain", "rich", "minimal"])
def test_console_formats_end_with_the_summary(fmt, demo):
    result = demo("--format", fmt)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "\x1b[" not in result.stdout  # not a terminal: no colours, no live display
    summary = [line for line in lines if SUMMARY in line]
    assert len(summary) == 1
    # The summary is the last event (the rich layout adds a detail row under it).
    assert summary[0].startswith(f"■ {SUMMARY}")
    assert lines.index(summary[0]) >= len(lines) - 2
    assert sum("Completed task" in line for line in lines) == 3
    if fmt == "minimal":
        assert not any("read_file" in line for line in lines)
    else:
        assert lines[0] == "▶ Starting executor run: ROADMAP.md (4 tasks)"
        assert any("[execute_task \u203a model] read_file" in line for line in lines)
        assert any("Done: Add a /health endpoint" in line for line in lines)


def test_fail_task_fails_that_task(demo):
    result = demo("--format", "plain", "--fail-task", "3")
    assert result.returncode == 0, result.stderr
    assert "✗ Task failed: Validate request bodies - tests did not pass" in result.stdout
    assert "2 completed, 1 failed, 1 skipped" in result.stdout


def test_interrupt_never_blocks_when_stdin_is_not_a_terminal(demo):
    result = demo("--format", "json", "--interrupt")
    assert result.returncode == 0, result.stderr
    events = [orjson.loads(line) for line in result.stdout.splitlines()]
    types = [e["type"] for e in events]
    assert types[0] == "run_start"
    assert types[-1] == "run_end"
    assert types.count("interrupt") == types.count("resume") == 3
    assert events[-1]["data"]["completed"] == 3
    assert result.stderr.count("approved (stdin is not a terminal)") == 3


def test_approve_answers_without_asking(demo):
    result = demo("--format", "minimal", "--interrupt", "--approve")
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("approved (--approve)") == 3
    assert "⏸" in result.stdout
    assert SUMMARY in result.stdout


def test_a_custom_roadmap(tmp_path, demo):
    roadmap = tmp_path / "PLAN.md"
    roadmap.write_text("# Plan\n\n- [ ] Only task (one.py)\n", encoding="utf-8")
    result = demo("--format", "plain", "--roadmap", str(roadmap))
    assert result.returncode == 0, result.stderr
    assert "Starting executor run: PLAN.md (1 task)" in result.stdout
    assert "1 completed, 0 failed, 0 skipped" in result.stdout


def test_a_roadmap_without_tasks_or_missing_is_a_usage_error(tmp_path, demo):
    empty = tmp_path / "EMPTY.md"
    empty.write_text("# nothing to do\n", encoding="utf-8")
    result = demo("--roadmap", str(empty))
    assert result.returncode == 2
    assert "no '- [ ] task' line" in result.stderr
    result = demo("--roadmap", str(tmp_path / "missing.md"))
    assert result.returncode == 2
    assert "cannot read the roadmap" in result.stderr


def test_parser_and_configs():
    args = build_parser().parse_args(["demo"])
    assert (args.format, args.fail_task, args.interrupt, args.approve) == (
        "rich",
        None,
        False,
        False,
    )
    with pytest.raises(SystemExit):
        build_parser().parse_args(["demo", "--format", "html"])
    assert demo_config(OutputFormat.JSON).output_format is OutputFormat.JSON
    assert demo_config(OutputFormat.RICH).show_node_transitions
    assert not demo_config(OutputFormat.PLAIN).show_node_transitions
    assert demo_config(OutputFormat.PLAIN).stream_tokens
