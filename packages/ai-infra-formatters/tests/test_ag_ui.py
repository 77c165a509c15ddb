"""AgUiEncoder against AG-UI's own validators: every event through ``ag-ui-protocol``'s
models (``TypeAdapter(ag_ui.core.Event)``), every stream through ``ag-ui-validate``'s
conformance engine, with no finding of error severity (issue 14): see
``web_validators``."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from importlib import resources
from typing import Any

import orjson
from hypothesis import given
from hypothesis import strategies as st
from web_validators import checked_ag_ui, needs_ag_ui

from ai_infra_formatters.ag_ui import AG_UI_HEADERS, AgUiEncoder

pytestmark = needs_ag_ui


def encoder() -> AgUiEncoder:
    ids = itertools.count(1)
    return AgUiEncoder(thread_id="thread-1", run_id="run-1", new_id=lambda: f"id-{next(ids)}")


def encode(events: Iterable[dict[str, Any]], *, error: str | None = None) -> str:
    enc = encoder()
    return "".join(enc.format(e) for e in events) + enc.close(error)


checked = checked_ag_ui


def types(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in events]


def test_the_bundled_sample_run() -> None:
    log = resources.files("ai_infra_formatters") / "data" / "sample_run.ndjson"
    lines = [orjson.loads(line) for line in log.read_bytes().splitlines() if line.strip()]
    events = checked(encode(lines))
    assert types(events)[0] == "RUN_STARTED"
    assert types(events)[-1] == "RUN_FINISHED"
    # It pauses for approval once: two runs of one thread.
    assert types(events).count("RUN_STARTED") == types(events).count("RUN_FINISHED") == 2
    assert {"STEP_STARTED", "TEXT_MESSAGE_CONTENT", "TOOL_CALL_RESULT"} <= set(types(events))
    assert all(isinstance(e["timestamp"], int) for e in events if "timestamp" in e)


RUN = [
    {"type": "run_start", "message": "Starting", "data": {"total_tasks": 1}},
    {"type": "node_start", "node_name": "plan", "data": {"task_id": "t-1"}},
    {"type": "token", "content": "Let me ", "node_name": "model", "namespace": ["agent:1"]},
    {"type": "token", "content": "look.", "node_name": "model", "namespace": ["agent:1"]},
    {"type": "tool_start", "tool": "search", "tool_id": "c1", "arguments": {"q": "x"}},
    {"type": "tool_end", "tool": "search", "tool_id": "c1", "result": {"hits": 2}},
    {"type": "node_end", "node_name": "plan", "duration_ms": 12.5},
    {"type": "usage", "input_tokens": 10, "output_tokens": 5, "model": "gpt"},
    {"type": "run_end", "data": {"completed": 1, "failed": 0, "skipped": 0}, "duration_ms": 20},
]


def test_a_run_maps_as_documented() -> None:
    events = checked(encode(RUN))
    assert types(events) == [
        "RUN_STARTED",
        "CUSTOM",
        "STEP_STARTED",
        "TEXT_MESSAGE_START",
        "TEXT_MESSAGE_CONTENT",
        "TEXT_MESSAGE_CONTENT",
        "TEXT_MESSAGE_END",
        "TOOL_CALL_START",
        "TOOL_CALL_ARGS",
        "TOOL_CALL_END",
        "TOOL_CALL_RESULT",
        "STEP_FINISHED",
        "RUN_FINISHED",
    ]
    assert events[0]["threadId"] == "thread-1"
    assert events[0]["runId"] == "run-1"
    assert events[1]["name"] == "ai_infra.run_start"
    assert events[2]["metadata"] == {"taskId": "t-1"}
    assert events[3]["name"] == "agent \u203a model"
    assert orjson.loads(events[8]["delta"]) == {"q": "x"}
    assert events[10]["content"] == '{"hits":2}'
    assert events[-1]["result"] == {"completed": 1, "failed": 0, "skipped": 0, "durationMs": 20}
    assert events[-1]["usage"] == [
        {"model": "gpt", "inputTokens": 10, "outputTokens": 5, "totalTokens": 15}
    ]


def test_a_top_level_node_error_ends_the_run_with_run_error() -> None:
    stream = [
        {"type": "run_start"},
        {"type": "node_start", "node_name": "execute"},
        {"type": "node_error", "node_name": "execute", "error": "ValueError: boom"},
        {"type": "task_failed", "error": "ValueError: boom"},
        {"type": "run_end", "data": {"completed": 0, "failed": 1, "skipped": 0}},
    ]
    events = checked(encode(stream))
    assert types(events)[-1] == "RUN_ERROR"
    assert "RUN_FINISHED" not in types(events)
    assert events[-1]["message"] == "ValueError: boom"


def test_a_subgraph_node_error_alone_does_not_fail_the_run() -> None:
    stream = [
        {"type": "run_start"},
        {"type": "node_start", "node_name": "tools", "namespace": ["agent:1"]},
        {"type": "node_error", "node_name": "tools", "namespace": ["agent:1"], "error": "E"},
        {"type": "run_end"},
    ]
    assert types(checked(encode(stream)))[-1] == "RUN_FINISHED"


def test_an_interrupt_ends_the_run_and_resume_starts_the_next() -> None:
    stream = [
        {"type": "run_start"},
        {"type": "node_start", "node_name": "approve"},
        {"type": "interrupt", "node_name": "approve", "message": "Paused",
         "data": {"interrupt_id": "abc", "value": {"question": "Apply?"}}},
        {"type": "resume", "node_name": "approve", "data": {"decision": "approve"}},
        {"type": "node_start", "node_name": "approve"},
        {"type": "node_end", "node_name": "approve"},
        {"type": "run_end"},
    ]  # fmt: skip
    events = checked(encode(stream))
    finished = [e for e in events if e["type"] == "RUN_FINISHED"]
    assert finished[0]["outcome"] == {
        "type": "interrupt",
        "interrupts": [{"id": "abc", "reason": "human_input", "message": "Apply?"}],
    }
    started = [e for e in events if e["type"] == "RUN_STARTED"]
    assert len(started) == 2
    assert started[1]["threadId"] == "thread-1"
    assert started[1]["runId"] != "run-1"
    assert started[1]["input"]["resume"] == [
        {"interruptId": "abc", "status": "resolved", "payload": "approve"}
    ]
    assert finished[1]["outcome"] == {"type": "success"}


def test_a_bare_agent_stream_ends_at_done_or_error() -> None:
    agent = [
        {"type": "thinking", "content": "Hmm"},
        {"type": "reasoning", "content": " let me see"},
        {"type": "token", "content": "Hi"},
        {"type": "tool_start", "tool": "add"},  # no id: one is made
        {"type": "tool_end", "tool": "add", "error": "Error invoking tool add"},
        {"type": "token", "content": ""},  # dropped
        {"type": "done", "tools_called": 1},
    ]
    events = checked(encode(agent))
    assert types(events)[:5] == [
        "RUN_STARTED",
        "REASONING_START",
        "REASONING_MESSAGE_START",
        "REASONING_MESSAGE_CONTENT",
        "REASONING_MESSAGE_CONTENT",
    ]
    assert types(events)[-1] == "RUN_FINISHED"
    result = next(e for e in events if e["type"] == "TOOL_CALL_RESULT")
    start = next(e for e in events if e["type"] == "TOOL_CALL_START")
    assert result["toolCallId"] == start["toolCallId"]
    assert result["content"] == "error: Error invoking tool add"
    failed = checked(encode([{"type": "token", "content": "x"}, {"type": "error", "error": "429"}]))
    assert types(failed)[-1] == "RUN_ERROR"
    assert failed[-1]["message"] == "429"


def test_a_result_without_its_call_shows_the_call_first() -> None:
    events = checked(encode([{"type": "tool_end", "tool": "read", "result": "text"}]))
    assert types(events) == [
        "RUN_STARTED",
        "TOOL_CALL_START",
        "TOOL_CALL_ARGS",
        "TOOL_CALL_END",
        "TOOL_CALL_RESULT",
        "RUN_FINISHED",
    ]


def test_state_updates_are_a_snapshot_then_deltas() -> None:
    stream = [
        {"type": "state_update", "state_snapshot": {"done": 0, "todo": ["a"]}},
        {"type": "state_update", "state_snapshot": {"done": 1, "todo": ["a"], "new/key": 2}},
        {"type": "state_update", "state_snapshot": {"done": 1}},
    ]
    events = checked(encode(stream))
    assert events[1] == {"type": "STATE_SNAPSHOT", "snapshot": {"done": 0, "todo": ["a"]}}
    assert events[2]["delta"] == [
        {"op": "replace", "path": "/done", "value": 1},
        {"op": "add", "path": "/new~1key", "value": 2},
    ]
    assert events[3]["delta"] == [
        {"op": "remove", "path": "/todo"},
        {"op": "remove", "path": "/new~1key"},
    ]


def test_speakers_get_messages_of_their_own() -> None:
    stream = [
        {"type": "token", "content": "a", "node_name": "researcher"},
        {"type": "token", "content": "b", "node_name": "critic"},
        {"type": "token", "content": "c", "node_name": "researcher"},
    ]
    events = checked(encode(stream))
    starts = [e for e in events if e["type"] == "TEXT_MESSAGE_START"]
    assert [s["name"] for s in starts] == ["researcher", "critic", "researcher"]
    assert len({s["messageId"] for s in starts}) == 3


def test_a_stream_that_fails_ends_with_run_error() -> None:
    enc = encoder()
    enc.format({"type": "run_start"})
    enc.format({"type": "node_start", "node_name": "n"})
    closing = enc.finish("the producer raised")
    assert types(closing) == ["STEP_FINISHED", "RUN_ERROR"]
    assert enc.close() == ""  # nothing after the end


def test_the_headers_are_an_event_stream_that_proxies_do_not_buffer() -> None:
    assert AG_UI_HEADERS["Content-Type"] == "text/event-stream"
    assert AG_UI_HEADERS["X-Accel-Buffering"] == "no"


TEXT = st.text(max_size=30) | st.sampled_from(["\x1b[31m", "\u202e", "\u2028", "</script>"])
NODE = st.sampled_from(["plan", "model", "tools", "\x1b]8;;x\x07"])
EVENTS = st.one_of(
    st.builds(lambda c, n: {"type": "token", "content": c, "node_name": n}, TEXT, NODE),
    st.builds(lambda c: {"type": "reasoning", "content": c}, TEXT),
    st.builds(lambda n: {"type": "node_start", "node_name": n}, NODE),
    st.builds(lambda n: {"type": "node_end", "node_name": n}, NODE),
    st.builds(lambda n, e: {"type": "node_error", "node_name": n, "error": e}, NODE, TEXT),
    st.builds(
        lambda t, i, a: {"type": "tool_start", "tool": t, "tool_id": i, "arguments": a},
        TEXT,
        st.none() | st.sampled_from(["c1", "c2"]),
        st.none() | st.dictionaries(TEXT, TEXT, max_size=2),
    ),
    st.builds(
        lambda t, i, r, e: {"type": "tool_end", "tool": t, "tool_id": i, "result": r, "error": e},
        TEXT,
        st.none() | st.sampled_from(["c1", "c2"]),
        st.none() | TEXT,
        st.none() | TEXT,
    ),
    st.builds(lambda d: {"type": "state_update", "state_snapshot": d}, st.dictionaries(TEXT, TEXT)),
    st.builds(lambda m: {"type": "task_start", "message": m, "task": {"title": m}}, TEXT),
    st.builds(lambda i: {"type": "interrupt", "data": {"interrupt_id": i}}, TEXT),
    st.builds(lambda d: {"type": "resume", "data": {"decision": d}}, TEXT),
    st.just({"type": "usage", "input_tokens": 3, "output_tokens": 4}),
    st.sampled_from([{"type": "done"}, {"type": "error", "error": "x"}, {"type": "my_custom"}]),
)


@given(st.booleans(), st.lists(EVENTS, max_size=25), st.booleans())
def test_any_stream_is_valid_ag_ui(executor: bool, body: list[dict[str, Any]], ends: bool) -> None:
    stream = ([{"type": "run_start"}] if executor else []) + body
    if ends:
        stream.append({"type": "run_end"})
    events = checked(encode(stream))
    # Exactly one terminal event per run, and nothing after the last one.
    assert types(events).count("RUN_STARTED") == (
        types(events).count("RUN_FINISHED") + types(events).count("RUN_ERROR")
    )
    if events:
        assert types(events)[-1] in ("RUN_FINISHED", "RUN_ERROR")
