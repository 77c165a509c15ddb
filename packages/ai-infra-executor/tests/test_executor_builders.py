"""The create_*_event builders: contract signatures, messages, tasks, snapshots."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from enum import Enum
from typing import Any

import pytest

from ai_infra_executor import (
    ExecutorStreamEvent,
    StreamEventType,
    create_interrupt_event,
    create_node_end_event,
    create_node_error_event,
    create_node_start_event,
    create_progress_event,
    create_resume_event,
    create_run_end_event,
    create_run_start_event,
    create_state_update_event,
    create_task_complete_event,
    create_task_failed_event,
    create_task_skipped_event,
    create_task_start_event,
    state_snapshot,
    task_to_dict,
)

# The contract's signatures: (parameter name, default or None when required).
CONTRACT_SIGNATURES = {
    create_run_start_event: [("roadmap_path", None), ("total_tasks", 0)],
    create_run_end_event: [
        ("completed", None),
        ("failed", None),
        ("skipped", None),
        ("duration_ms", None),
    ],
    create_node_start_event: [("node_name", None), ("state", None), ("include_state", False)],
    create_node_end_event: [
        ("node_name", None),
        ("duration_ms", None),
        ("state", None),
        ("include_state", False),
    ],
    create_node_error_event: [("node_name", None), ("error", None), ("duration_ms", None)],
    create_task_start_event: [("task", None), ("task_number", 0), ("total_tasks", 0)],
    create_task_complete_event: [("task", None), ("duration_ms", None), ("files_modified", 0)],
    create_task_failed_event: [("task", None), ("error", None), ("duration_ms", None)],
    create_interrupt_event: [("node_name", None), ("task", None)],
    create_resume_event: [("decision", None), ("node_name", None)],
}


@pytest.mark.parametrize("builder", list(CONTRACT_SIGNATURES), ids=lambda f: f.__name__)
def test_signature_matches_the_contract(builder):
    params = inspect.signature(builder).parameters.values()
    got = [(p.name, None if p.default is inspect.Parameter.empty else p.default) for p in params]
    assert got == CONTRACT_SIGNATURES[builder]
    assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in params)


class Status(Enum):
    PENDING = "pending"
    DONE = "done"


@dataclass
class TodoItem:
    id: int
    title: str
    status: Status


def test_task_as_object_with_enum_status_becomes_a_small_dict():
    assert task_to_dict(TodoItem(7, "Add auth", Status.DONE)) == {
        "id": "7",
        "title": "Add auth",
        "status": "done",
    }


def test_task_dict_is_copied_with_enum_values_flattened():
    task = {"id": "1", "title": "Add auth", "status": Status.PENDING}
    out = task_to_dict(task)
    assert out == {"id": "1", "title": "Add auth", "status": "pending"}
    out["title"] = "changed"
    assert task["title"] == "Add auth"


def test_task_object_without_title_is_titled_by_str():
    class Bare:
        def __str__(self) -> str:
            return "bare task"

    assert task_to_dict(Bare()) == {"id": None, "title": "bare task", "status": None}


def test_run_start():
    event = create_run_start_event("ROADMAP.md", total_tasks=5)
    assert event.event_type is StreamEventType.RUN_START
    assert event.message == "Starting executor run: ROADMAP.md (5 tasks)"
    assert event.data == {"roadmap_path": "ROADMAP.md", "total_tasks": 5}
    assert create_run_start_event("R.md", 1).message == "Starting executor run: R.md (1 task)"
    assert create_run_start_event("R.md").message == "Starting executor run: R.md"


def test_run_end():
    event = create_run_end_event(5, 0, 0, 1234.5)
    assert event.type == "run_end"
    assert event.message == "Executor run complete: 5 completed, 0 failed, 0 skipped"
    assert event.duration_ms == 1234.5
    assert event.data == {"completed": 5, "failed": 0, "skipped": 0}


BIG_STATE: dict[str, Any] = {
    "completed_count": 2,
    "retry_count": 1,
    "should_continue": True,
    "error": None,
    "current_task": TodoItem(3, "Add auth", Status.PENDING),
    "todos": [{"id": str(i)} for i in range(50)],
    "messages": ["a very long history"] * 1000,
}

EXPECTED_SNAPSHOT = {
    "completed_count": 2,
    "retry_count": 1,
    "should_continue": True,
    "error": False,
    "current_task_id": "3",
    "total_tasks": 50,
}


def test_state_snapshot_is_small():
    assert state_snapshot(BIG_STATE) == EXPECTED_SNAPSHOT


def test_state_snapshot_of_an_object_state_and_of_an_empty_state():
    @dataclass
    class State:
        completed_count: int = 4
        error: str | None = "boom"
        current_task: dict[str, Any] | None = None

    assert state_snapshot(State(current_task={"id": 9})) == {
        "completed_count": 4,
        "retry_count": 0,
        "should_continue": True,
        "error": True,
        "current_task_id": "9",
    }
    assert state_snapshot({}) == {
        "completed_count": 0,
        "retry_count": 0,
        "should_continue": True,
        "error": False,
        "current_task_id": None,
    }


def test_node_start_and_end():
    start = create_node_start_event("plan")
    assert (start.type, start.node_name, start.message) == (
        "node_start",
        "plan",
        "Executing node: plan",
    )
    assert start.state_snapshot is None
    assert create_node_start_event("plan", BIG_STATE).state_snapshot is None
    with_state = create_node_start_event("plan", BIG_STATE, include_state=True)
    assert with_state.state_snapshot == EXPECTED_SNAPSHOT
    end = create_node_end_event("plan", 12.5, BIG_STATE, include_state=True)
    assert (end.type, end.message, end.duration_ms) == ("node_end", "Completed node: plan", 12.5)
    assert end.state_snapshot == EXPECTED_SNAPSHOT
    assert create_node_end_event("plan", 1.0, BIG_STATE).state_snapshot is None


def test_node_error():
    event = create_node_error_event("plan", ValueError("bad input"), 3.0)
    assert event.type == "node_error"
    assert event.message == "Node error: plan - bad input"
    assert event.error == "ValueError: bad input"
    assert event.data == {"error_type": "ValueError", "error_message": "bad input"}
    assert event.duration_ms == 3.0
    assert create_node_error_event("plan", RuntimeError(), 1.0).error == "RuntimeError"


def test_task_start():
    task = TodoItem(2, "Add auth", Status.PENDING)
    event = create_task_start_event(task, task_number=2, total_tasks=5)
    assert event.event_type is StreamEventType.TASK_START
    assert event.message == "Starting task [2/5]: Add auth"
    assert event.task == {"id": "2", "title": "Add auth", "status": "pending"}
    assert event.data == {"task_number": 2, "total_tasks": 5}
    assert create_task_start_event({"title": "Docs"}).message == "Starting task: Docs"
    assert create_task_start_event({"id": "x"}).message == "Starting task: x"
    assert create_task_start_event({}).message == "Starting task: Task"


def test_task_complete():
    event = create_task_complete_event({"id": "1", "title": "Add auth"}, 99.0, files_modified=3)
    assert event.message == "Completed task: Add auth (3 files modified)"
    assert (event.type, event.duration_ms, event.data) == (
        "task_complete",
        99.0,
        {"files_modified": 3},
    )
    one = create_task_complete_event({"title": "A"}, 1.0, files_modified=1)
    assert one.message == "Completed task: A (1 file modified)"
    assert create_task_complete_event({"title": "A"}, 1.0).message == "Completed task: A"


def test_task_failed():
    event = create_task_failed_event({"title": "Add auth"}, "tests did not pass", 5.0)
    assert event.type == "task_failed"
    assert event.message == "Task failed: Add auth - tests did not pass"
    assert event.error == "tests did not pass"
    assert event.data == {"error": "tests did not pass"}
    from_exc = create_task_failed_event({"title": "A"}, KeyError("k"), 1.0)
    assert from_exc.error == "KeyError: 'k'"


def test_task_skipped_progress_and_state_update():
    skipped = create_task_skipped_event({"title": "Docs"}, "already done")
    assert (skipped.type, skipped.message) == ("task_skipped", "Skipped task: Docs - already done")
    assert create_task_skipped_event({"title": "Docs"}).message == "Skipped task: Docs"
    progress = create_progress_event(2, 5)
    assert (progress.type, progress.message) == ("progress", "Progress: 2/5 tasks done (40%)")
    assert progress.data == {"completed": 2, "total": 5, "percent": 40.0}
    assert create_progress_event(1, 3).message == "Progress: 1/3 tasks done (33.3%)"
    assert create_progress_event(0, 0).message == "Progress: 0/0 tasks done"
    update = create_state_update_event("plan", BIG_STATE)
    assert (update.type, update.message) == ("state_update", "State updated by plan")
    assert update.state_snapshot == EXPECTED_SNAPSHOT


def test_interrupt():
    event = create_interrupt_event("hitl")
    assert event.event_type is StreamEventType.INTERRUPT
    assert event.message == "Execution paused at hitl - awaiting human decision"
    assert event.node_name == "hitl"
    assert event.task is None
    with_task = create_interrupt_event("hitl", TodoItem(1, "Add auth", Status.PENDING))
    assert with_task.task == {"id": "1", "title": "Add auth", "status": "pending"}


def test_resume():
    event = create_resume_event("approve", node_name="hitl")
    assert (event.type, event.node_name) == ("resume", "hitl")
    assert event.message == "Resuming execution with decision: approve"
    assert event.data == {"decision": "approve"}
    assert create_resume_event("reject").node_name is None


ALL_BUILT = [
    create_run_start_event("R.md", 2),
    create_run_end_event(1, 1, 0, 10.0),
    create_node_start_event("n"),
    create_node_end_event("n", 1.0),
    create_node_error_event("n", ValueError("x"), 1.0),
    create_task_start_event({"title": "t"}, 1, 2),
    create_task_complete_event({"title": "t"}, 1.0),
    create_task_failed_event({"title": "t"}, "e", 1.0),
    create_task_skipped_event({"title": "t"}),
    create_progress_event(1, 2),
    create_state_update_event("n", {}),
    create_interrupt_event("n"),
    create_resume_event("approve"),
]


def test_builders_cover_every_executor_type_and_round_trip():
    assert sorted(e.type for e in ALL_BUILT) == sorted(m.value for m in StreamEventType)
    for event in ALL_BUILT:
        back = ExecutorStreamEvent.from_dict(event.to_dict())
        assert back.to_dict() == event.to_dict()
        assert back.message == event.message
