"""Issue 11 item 14: the interim executor's ``LLM_*`` names and ``create_llm_*_event``
builders, and its module ``logger``, are back in ``ai_infra_executor.streaming``.

No published ai-infra wheel has them: the 1.5.2 wheel's
``ai_infra/executor/streaming.py`` (the last one with an executor, checked by
``tests/upstream/test_upstream_executor_streaming.py``) predates them, and 1.6.0
removed the executor. They are in ai-infra's repository only, at the last
commit before the removal. So the old behaviour is written out here from that
source: each builder's signature, message and ``data``, and its
``StreamEventType`` value (``"llm_token"``, ...). The events now have the core
type each name stands for.
"""

from __future__ import annotations

import inspect
import io
import logging
from typing import Any

import pytest

from ai_infra_executor import ExecutorStreamEvent, filter_event_for_visibility, should_emit_event
from ai_infra_executor import streaming as old_module
from ai_infra_executor.streaming import (
    JsonFormatter,
    StreamEventType,
    create_llm_done_event,
    create_llm_error_event,
    create_llm_thinking_event,
    create_llm_token_event,
    create_llm_tool_end_event,
    create_llm_tool_start_event,
)

#: The interim StreamEventType members: (name, old wire value, core type now).
OLD_TYPES = [
    ("LLM_THINKING", "llm_thinking", "thinking"),
    ("LLM_TOKEN", "llm_token", "token"),
    ("LLM_TOOL_START", "llm_tool_start", "tool_start"),
    ("LLM_TOOL_END", "llm_tool_end", "tool_end"),
    ("LLM_DONE", "llm_done", "done"),
    ("LLM_ERROR", "llm_error", "error"),
]

#: The old signatures: (parameter, default or "<required>"), in order.
OLD_SIGNATURES: dict[Any, list[tuple[str, Any]]] = {
    create_llm_thinking_event: [("model", None), ("node_name", "execute_task")],
    create_llm_token_event: [("content", "<required>"), ("node_name", "execute_task")],
    create_llm_tool_start_event: [
        ("tool", "<required>"),
        ("tool_id", None),
        ("arguments", None),
        ("node_name", "execute_task"),
    ],
    create_llm_tool_end_event: [
        ("tool", "<required>"),
        ("tool_id", None),
        ("latency_ms", None),
        ("result", None),
        ("preview", None),
        ("node_name", "execute_task"),
    ],
    create_llm_done_event: [("tools_called", 0), ("node_name", "execute_task")],
    create_llm_error_event: [("error", "<required>"), ("node_name", "execute_task")],
}


@pytest.mark.parametrize("builder", list(OLD_SIGNATURES), ids=lambda f: f.__name__)
def test_the_old_signature(builder):
    params = inspect.signature(builder).parameters.values()
    got = [(p.name, "<required>" if p.default is p.empty else p.default) for p in params]
    assert got == OLD_SIGNATURES[builder]
    assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params)


@pytest.mark.parametrize(("name", "old_value", "core"), OLD_TYPES)
def test_each_old_type_name_is_its_core_type(name, old_value, core):
    assert getattr(StreamEventType, name) == core
    # A wire dict the interim version wrote loads as the core type.
    loaded = ExecutorStreamEvent.from_dict({"event_type": old_value, "message": "m"})
    assert loaded.type == core
    assert ExecutorStreamEvent(event_type=old_value).type == core
    assert ExecutorStreamEvent(event_type=getattr(StreamEventType, name)).type == core


def test_the_old_names_are_not_members():
    # Iterating StreamEventType still gives the 13 executor lifecycle types only.
    assert len(list(StreamEventType)) == 13
    assert not any(m.name.startswith("LLM_") for m in StreamEventType)


# (built event, its core type, the old message, the old data, core fields it carries)
CASES: list[tuple[ExecutorStreamEvent, str, str, dict[str, Any], dict[str, Any]]] = [
    (
        create_llm_thinking_event("gpt-4o"),
        "thinking",
        "Agent is thinking...",
        {"model": "gpt-4o"},
        {"model": "gpt-4o"},
    ),
    (
        create_llm_thinking_event(),
        "thinking",
        "Agent is thinking...",
        {"model": None},
        {"model": None},
    ),
    (
        create_llm_token_event("Hello"),
        "token",
        "Hello",
        {"content": "Hello"},
        {"content": "Hello"},
    ),
    (
        create_llm_tool_start_event("search", "call_1", {"q": "auth"}),
        "tool_start",
        "Calling tool: search",
        {"tool": "search", "tool_id": "call_1", "arguments": {"q": "auth"}},
        {"tool": "search", "tool_id": "call_1", "arguments": {"q": "auth"}},
    ),
    (
        create_llm_tool_start_event("search", None, {}),
        "tool_start",
        "Calling tool: search",
        {"tool": "search"},
        {"tool": "search", "tool_id": None},
    ),
    (
        create_llm_tool_end_event("search", "call_1", 12.34, "3 hits", "3 h"),
        "tool_end",
        "Tool search completed (12.3ms)",
        {
            "tool": "search",
            "tool_id": "call_1",
            "latency_ms": 12.34,
            "result": "3 hits",
            "preview": "3 h",
        },
        {
            "tool": "search",
            "tool_id": "call_1",
            "latency_ms": 12.34,
            "result": "3 hits",
            "preview": "3 h",
            "duration_ms": 12.34,
        },
    ),
    (
        create_llm_tool_end_event("search"),
        "tool_end",
        "Tool search completed",
        {"tool": "search"},
        {"tool": "search", "latency_ms": None, "result": None, "duration_ms": None},
    ),
    (
        create_llm_done_event(2),
        "done",
        "Agent response complete",
        {"tools_called": 2},
        {"tools_called": 2},
    ),
    (
        create_llm_error_event("rate limited"),
        "error",
        "LLM error: rate limited",
        {"error": "rate limited"},
        {"error": "rate limited"},
    ),
]


@pytest.mark.parametrize(
    ("event", "core", "message", "data", "fields"), CASES, ids=[c[0].type for c in CASES]
)
def test_the_old_message_and_data_on_a_core_event(event, core, message, data, fields):
    assert event.type == core
    assert event.event_type == core
    assert event.node_name == "execute_task"
    assert event.message == message
    assert event.data == data
    for name, value in fields.items():
        assert getattr(event, name) == value, name
    wire = event.to_dict()
    assert (wire["type"], wire["event_type"]) == (core, core)
    assert wire["message"] == message
    assert wire.get("data", {}) == data


def test_node_name_is_kept():
    assert create_llm_token_event("x", node_name="plan").node_name == "plan"
    assert create_llm_error_event("e", "review").node_name == "review"


def test_a_dict_result_is_structured_anything_else_its_text():
    structured = create_llm_tool_end_event("t", result={"hits": 3})
    assert (structured.result, structured.result_structured) == ({"hits": 3}, True)
    assert structured.to_dict()["structured_result"] == {"hits": 3}
    listed = create_llm_tool_end_event("t", result=[1, 2])
    assert (listed.result, listed.result_structured) == ("[1, 2]", False)
    assert listed.data["result"] == [1, 2]


def test_core_visibility_rules_apply():
    start = create_llm_tool_start_event("search", "c", {"q": "x"})
    assert filter_event_for_visibility(start, "standard").arguments is None
    assert filter_event_for_visibility(start, "detailed").arguments == {"q": "x"}
    assert not should_emit_event(create_llm_done_event().type, "minimal")
    token = create_llm_token_event("hi")
    assert filter_event_for_visibility(token, "minimal") is token


def test_json_output_is_the_core_wire_form():
    line = JsonFormatter().format(create_llm_token_event("hi"))
    assert line.startswith('{"type":"token","content":"hi"')


def test_the_console_prints_a_token_once():
    from rich.console import Console

    from ai_infra_formatters import ConsoleFormatter

    console = Console(file=io.StringIO(), width=100)
    formatter = ConsoleFormatter("plain", colors_enabled=False, console=console)
    assert formatter.format(create_llm_token_event("Hello")) == "Hello"


def test_the_old_logger_attribute():
    assert isinstance(old_module.logger, logging.Logger)
    assert old_module.logger.name == "ai_infra_executor.streaming"
    assert "logger" in old_module.__all__
