"""Sample events shared by the executor tests (imported as ``executor_support``)."""

from __future__ import annotations

from typing import Any

CORE_TYPES = (
    "thinking",
    "reasoning",
    "token",
    "tool_start",
    "tool_end",
    "usage",
    "turn_start",
    "turn_end",
    "intent",
    "todo",
    "done",
    "error",
)
EXECUTOR_TYPES = (
    "run_start",
    "run_end",
    "node_start",
    "node_end",
    "node_error",
    "state_update",
    "task_start",
    "task_complete",
    "task_failed",
    "task_skipped",
    "progress",
    "interrupt",
    "resume",
)
LEVELS = ("minimal", "standard", "detailed", "debug")

#: Keyword arguments of one typical core event of each type (ai-infra's own examples).
CORE_SAMPLES: dict[str, dict[str, Any]] = {
    "thinking": {"model": "claude-sonnet-4-5"},
    "reasoning": {"content": "Let me search the docs for that."},
    "token": {"content": "Hello"},
    "tool_start": {"tool": "search_docs", "tool_id": "call_1", "arguments": {"q": "auth"}},
    "tool_end": {
        "tool": "search_docs",
        "tool_id": "call_1",
        "latency_ms": 234.5,
        "result": "### Result 1\n...",
        "preview": "### Result 1",
    },
    "usage": {"input_tokens": 1200, "output_tokens": 340, "cost": 0.0042, "model": "m"},
    "turn_start": {"turn_id": 1},
    "turn_end": {"turn_id": 1, "tools_called": 2},
    "intent": {"content": "Searching codebase"},
    "todo": {"todo_items": [{"id": 1, "title": "Fetch data", "status": "completed"}]},
    "done": {"tools_called": 2},
    "error": {"error": "rate limited"},
}

#: A structured ``tool_end`` (result under ``structured_result`` in the wire form).
STRUCTURED_TOOL_END: dict[str, Any] = {
    "tool": "search_docs",
    "tool_id": "call_2",
    "latency_ms": 12.0,
    "result": {"results": [{"path": "auth.md"}], "query": "auth", "count": 1},
    "result_structured": True,
    "arguments": {"q": "auth"},
    "preview": "auth.md",
}

#: Executor fields for one event of each executor type.
EXECUTOR_SAMPLES: dict[str, dict[str, Any]] = {
    "run_start": {"message": "Starting", "data": {"roadmap_path": "R.md", "total_tasks": 3}},
    "run_end": {"message": "Done", "duration_ms": 1500.0, "data": {"completed": 3}},
    "node_start": {"node_name": "plan", "state_snapshot": {"completed_count": 0}},
    "node_end": {"node_name": "plan", "duration_ms": 12.5},
    "node_error": {"node_name": "plan", "error": "ValueError: x", "duration_ms": 3.0},
    "state_update": {"node_name": "plan", "state_snapshot": {"retry_count": 1}},
    "task_start": {"task": {"id": "1", "title": "Add auth", "status": "pending"}},
    "task_complete": {"task": {"id": "1", "title": "Add auth"}, "duration_ms": 99.0},
    "task_failed": {"task": {"id": "1"}, "error": "boom", "data": {"error": "boom"}},
    "task_skipped": {"task": {"id": "2", "title": "Docs"}, "message": "Skipped"},
    "progress": {"data": {"completed": 1, "total": 3}},
    "interrupt": {"node_name": "hitl", "message": "Paused"},
    "resume": {"node_name": "hitl", "data": {"decision": "approve"}},
}
