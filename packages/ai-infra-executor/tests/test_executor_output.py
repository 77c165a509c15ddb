"""get_formatter / stream_to_console: the config handed to ai-infra-formatters."""

from __future__ import annotations

import io
import json
import re
import sys

import pytest

from ai_infra_executor import (
    ExecutorStreamConfig,
    ExecutorStreamEvent,
    StreamEvent,
    create_node_end_event,
    create_run_end_event,
    create_task_start_event,
    get_formatter,
    stream_to_console,
)
from ai_infra_formatters import ConsoleFormatter, JsonFormatter, OutputFormat

SGR = re.compile(r"\x1b\[[0-9;]*m")


def _config(**kwargs) -> ExecutorStreamConfig:
    return ExecutorStreamConfig(output_stream=io.StringIO(), **kwargs)


def _written(config: ExecutorStreamConfig) -> str:
    assert isinstance(config.output_stream, io.StringIO)
    return config.output_stream.getvalue()


def test_get_formatter_for_json_is_the_json_formatter_at_the_token_visibility():
    formatter = get_formatter(_config(output_format=OutputFormat.JSON, token_visibility="debug"))
    assert isinstance(formatter, JsonFormatter)
    assert formatter.visibility == "debug"


@pytest.mark.parametrize("fmt", [OutputFormat.PLAIN, OutputFormat.RICH, OutputFormat.MINIMAL])
def test_get_formatter_for_a_console_layout(fmt):
    config = _config(output_format=fmt, show_timing=False, colors_enabled=False)
    formatter = get_formatter(config)
    assert isinstance(formatter, ConsoleFormatter)
    assert formatter.layout is fmt
    assert formatter.show_timing is False
    assert formatter.colors_enabled is False
    assert formatter.visibility == "standard"
    assert formatter.console.file is config.output_stream


def test_get_formatter_accepts_a_format_alone_or_nothing():
    assert isinstance(get_formatter("json"), JsonFormatter)
    default = get_formatter()
    assert isinstance(default, ConsoleFormatter)
    assert default.layout is OutputFormat.PLAIN
    assert default.console.file is sys.stdout


def test_stream_to_console_writes_one_line_per_event_and_tokens_inline():
    config = _config(colors_enabled=False)
    stream_to_console(create_task_start_event({"title": "Add auth"}, 2, 5), config)
    stream_to_console(ExecutorStreamEvent("token", content="Hel", node_name="execute_task"), config)
    stream_to_console(StreamEvent(type="token", content="lo"), config)
    stream_to_console(create_node_end_event("execute_task", 12.0), config)
    assert _written(config) == (
        "● Starting task [2/5]: Add auth\n"
        "[execute_task] Hello\n"  # the speaker's label, then a token of unknown origin
        "← [execute_task] Completed node: execute_task (12ms)\n"
    )


def test_show_timing_off_leaves_durations_out():
    config = _config(colors_enabled=False, show_timing=False)
    stream_to_console(create_node_end_event("plan", 12.0), config)
    assert _written(config) == "← [plan] Completed node: plan\n"


def test_disabled_config_writes_nothing():
    config = ExecutorStreamConfig.disabled()
    config.output_stream = io.StringIO()
    stream_to_console(create_run_end_event(1, 0, 0, 1.0), config)
    assert _written(config) == ""


def test_json_output_is_ndjson_with_the_old_keys():
    config = ExecutorStreamConfig.json_output()
    config.output_stream = io.StringIO()
    stream_to_console(create_run_end_event(5, 0, 0, 1234.5), config)
    stream_to_console(ExecutorStreamEvent("token", content="Hi"), config)
    lines = _written(config).splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["type"] == first["event_type"] == "run_end"
    assert first["message"] == "Executor run complete: 5 completed, 0 failed, 0 skipped"
    assert first["data"] == {"completed": 5, "failed": 0, "skipped": 0}
    assert (second["type"], second["content"]) == ("token", "Hi")


def test_token_visibility_decides_which_fields_and_events_are_shown():
    event = StreamEvent(type="tool_start", tool="search", arguments={"q": "auth"})
    standard = _config(output_format=OutputFormat.JSON)
    stream_to_console(event, standard)
    assert json.loads(_written(standard)) == {"type": "tool_start", "tool": "search"}
    detailed = _config(output_format=OutputFormat.JSON, token_visibility="detailed")
    stream_to_console(event, detailed)
    assert json.loads(_written(detailed))["arguments"] == {"q": "auth"}
    minimal = _config(output_format=OutputFormat.JSON, token_visibility="minimal")
    stream_to_console(event, minimal)
    assert _written(minimal) == ""


def test_minimal_layout_shows_task_lines_only():
    config = ExecutorStreamConfig.minimal()
    config.output_stream = io.StringIO()
    stream_to_console(create_node_end_event("plan", 1.0), config)
    stream_to_console(create_task_start_event({"title": "Add auth"}, 1, 1), config)
    assert "plan" not in _written(config)
    assert "Add auth" in _written(config)


def test_colours_follow_the_config_when_the_terminal_has_them(monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")
    coloured = _config()
    plain = _config(colors_enabled=False)
    for config in (coloured, plain):
        stream_to_console(create_task_start_event({"title": "Add auth"}, 1, 1), config)
    assert SGR.search(_written(coloured))
    assert not SGR.search(_written(plain))
    assert SGR.sub("", _written(coloured)) == _written(plain)


def test_no_colours_on_a_non_terminal_stream():
    config = _config()
    stream_to_console(create_task_start_event({"title": "Add auth"}, 1, 1), config)
    assert not SGR.search(_written(config))


def test_a_given_formatter_overrides_the_config():
    config = _config()
    stream_to_console(create_run_end_event(1, 0, 0, 1.0), config, formatter=JsonFormatter())
    assert json.loads(_written(config))["type"] == "run_end"


def test_same_stream_different_settings_get_different_formatters():
    stream = io.StringIO()
    event = create_node_end_event("plan", 12.0)
    stream_to_console(event, ExecutorStreamConfig(output_stream=stream, colors_enabled=False))
    stream_to_console(
        event, ExecutorStreamConfig(output_stream=stream, output_format=OutputFormat.JSON)
    )
    stream_to_console(
        event, ExecutorStreamConfig(output_stream=stream, colors_enabled=False, show_timing=False)
    )
    first, second, third = stream.getvalue().splitlines()
    assert first.endswith("(12ms)")
    assert json.loads(second)["node_name"] == "plan"
    assert not third.endswith("(12ms)")


def test_default_stream_is_stdout_at_the_time_of_writing(capsys):
    stream_to_console(create_run_end_event(2, 1, 0, 5.0))
    assert capsys.readouterr().out == (
        "■ Executor run complete: 2 completed, 1 failed, 0 skipped (5ms)\n"
    )


def test_an_unhashable_stream_still_works():
    class ListStream(io.StringIO):
        __hash__ = None  # type: ignore[assignment]

    stream = ListStream()
    config = ExecutorStreamConfig(output_stream=stream, colors_enabled=False)
    stream_to_console(create_run_end_event(1, 0, 0, 1.0), config)
    assert "Executor run complete" in stream.getvalue()
