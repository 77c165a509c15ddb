"""ExecutorStreamConfig: core StreamConfig fields, executor fields, the five presets."""

from __future__ import annotations

import dataclasses
import io

import pytest

from ai_infra_executor import ExecutorStreamConfig, StreamConfig, StreamEvent, StreamingConfig
from ai_infra_formatters import OutputFormat

EXECUTOR_DEFAULTS = {
    "enabled": True,
    "include_state_snapshot": False,
    "show_node_transitions": True,
    "show_task_progress": True,
    "show_timing": True,
    "output_format": OutputFormat.PLAIN,
    "output_stream": None,
    "colors_enabled": True,
    "progress_interval_ms": 500.0,
    "stream_tokens": False,
    "show_llm_thinking": True,
    "show_llm_tools": True,
    "token_visibility": "standard",
    "markdown": False,  # issue 13: appended, so the fields before keep their positions
}


def test_streaming_config_is_the_same_class():
    assert StreamingConfig is ExecutorStreamConfig


def test_extends_the_core_config_with_the_executor_fields():
    assert issubclass(ExecutorStreamConfig, StreamConfig)
    core = [f.name for f in dataclasses.fields(StreamConfig)]
    names = [f.name for f in dataclasses.fields(ExecutorStreamConfig)]
    assert names == core + list(EXECUTOR_DEFAULTS)


def test_defaults():
    config = ExecutorStreamConfig()
    assert {name: getattr(config, name) for name in EXECUTOR_DEFAULTS} == EXECUTOR_DEFAULTS
    assert config.visibility == "standard"
    assert config.todo_tool_name == "manage_todos"


def test_output_format_and_token_visibility_are_parsed():
    config = ExecutorStreamConfig(output_format="JSON", token_visibility="Debug")  # type: ignore[arg-type]
    assert config.output_format is OutputFormat.JSON
    assert config.token_visibility == "debug"
    with pytest.raises(ValueError, match="unknown output format"):
        ExecutorStreamConfig(output_format="html")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown visibility"):
        ExecutorStreamConfig(token_visibility="loud")  # type: ignore[arg-type]


def _differences(config: ExecutorStreamConfig) -> dict[str, object]:
    base = ExecutorStreamConfig()
    return {
        f.name: getattr(config, f.name)
        for f in dataclasses.fields(config)
        if getattr(config, f.name) != getattr(base, f.name)
    }


def test_verbose_preset():
    assert _differences(StreamingConfig.verbose()) == {
        "include_state_snapshot": True,
        "stream_tokens": True,
        "token_visibility": "detailed",
    }


def test_minimal_preset():
    assert _differences(StreamingConfig.minimal()) == {
        "output_format": OutputFormat.MINIMAL,
        "show_node_transitions": False,
        "show_timing": False,
    }


def test_json_output_preset():
    assert _differences(StreamingConfig.json_output()) == {
        "include_state_snapshot": True,
        "output_format": OutputFormat.JSON,
        "colors_enabled": False,
        "stream_tokens": True,
        "token_visibility": "detailed",
    }


def test_disabled_preset():
    assert _differences(StreamingConfig.disabled()) == {"enabled": False}


def test_tokens_only_preset():
    assert _differences(StreamingConfig.tokens_only()) == {
        "show_node_transitions": False,
        "show_timing": False,
        "stream_tokens": True,
        "show_llm_thinking": False,
        "show_llm_tools": False,
        "token_visibility": "minimal",
    }


def test_presets_return_new_instances_of_the_calling_class():
    class Mine(ExecutorStreamConfig):
        pass

    assert type(Mine.verbose()) is Mine
    assert ExecutorStreamConfig.verbose() is not ExecutorStreamConfig.verbose()


def test_output_stream_is_kept():
    stream = io.StringIO()
    assert ExecutorStreamConfig(output_stream=stream).output_stream is stream


def test_forwarded_llm_event_applies_switches_and_visibility() -> None:
    cfg = ExecutorStreamConfig(stream_tokens=False, token_visibility="standard")
    assert cfg.forwarded_llm_event(StreamEvent(type="token", content="x")) is None
    assert cfg.forwarded_llm_event(StreamEvent(type="usage", input_tokens=1)) is None
    tool = StreamEvent(type="tool_start", tool="search", arguments={"q": "x"})
    shown = cfg.forwarded_llm_event(tool)
    assert shown is not None
    assert (shown.tool, shown.arguments) == ("search", None)
    detailed = ExecutorStreamConfig(token_visibility="detailed")
    assert detailed.forwarded_llm_event(tool) is tool
