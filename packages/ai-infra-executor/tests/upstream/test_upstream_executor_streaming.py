"""The executor's old names against ai-infra's own published modules.

- ``ai_infra/executor/streaming.py`` of ai-infra 1.5.2, the last wheel that has
  it (1.6.0 removed the executor): every name it exported is importable from
  ``ai_infra_executor.streaming``, its builders take the same arguments, and
  ``create_node_error_event`` writes the same message and data.
- ``ai_infra/utils/formatters.py`` of ai-infra 1.19.0: ``PlainFormatter`` takes
  the same arguments (``show_timestamps`` too). ``show_timestamps`` changes
  nothing there; here it adds a time-of-day column in front of the same line.

Each part is skipped, with the reason, unless its variable names the upstream
file (``nox -s upstream-compat`` sets both).
"""

from __future__ import annotations

import inspect
import io
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from rich.console import Console
from upstream_support import EXECUTOR_VAR, FORMATTERS_VAR, load_by_path, path_of, skip_reason

from ai_infra_executor import streaming as ours
from ai_infra_formatters.console import PlainFormatter

#: Names the old module exported that are gone, each with where the README says so.
GONE = {
    # "Migration": construct StreamingExecutor instead.
    "create_streaming_executor",
}


@pytest.fixture(scope="module")
def old_executor() -> ModuleType:
    """ai-infra 1.5.2's ``ai_infra/executor/streaming.py`` (skips when not configured)."""
    if path_of(EXECUTOR_VAR) is None:
        pytest.skip(skip_reason(EXECUTOR_VAR, "ai_infra/executor/streaming.py (1.5.2)"))
    return load_by_path(EXECUTOR_VAR, "ai_infra_upstream_executor_streaming")


@pytest.fixture(scope="module")
def old_formatters() -> ModuleType:
    """ai-infra 1.19's ``ai_infra/utils/formatters.py`` (skips when not configured)."""
    if path_of(FORMATTERS_VAR) is None:
        pytest.skip(skip_reason(FORMATTERS_VAR, "ai_infra/utils/formatters.py (1.19)"))
    return load_by_path(FORMATTERS_VAR, "ai_infra_upstream_formatters")


def _parameters(func: Callable[..., Any]) -> list[tuple[str, Any]]:
    """(name, default) of each parameter, in order; ``<required>`` for no default."""
    params = inspect.signature(func).parameters.values()
    return [
        (p.name, "<required>" if p.default is inspect.Parameter.empty else p.default)
        for p in params
        if p.kind not in (inspect.Parameter.VAR_KEYWORD, inspect.Parameter.VAR_POSITIONAL)
    ]


def test_every_old_name_is_importable(old_executor):
    # dir(), not hasattr(): StreamingExecutorMixin loads LangGraph on first use,
    # and this session installs the executor without its langgraph extra.
    offered = dir(ours)
    missing = [
        name
        for name in (*old_executor.__all__, "logger")
        if name not in GONE and name not in offered
    ]
    assert missing == []


def test_every_old_event_type_has_its_value(old_executor):
    for member in old_executor.StreamEventType:
        assert getattr(ours.StreamEventType, member.name) == member.value


def _old_builders(old_executor: ModuleType) -> list[str]:
    return [n for n in old_executor.__all__ if n.startswith("create_") and n not in GONE]


def test_the_old_builders_take_the_same_arguments(old_executor):
    for name in _old_builders(old_executor):
        theirs = _parameters(getattr(old_executor, name))
        assert _parameters(getattr(ours, name)) == theirs, name


class VerificationError(Exception):
    pass


NODE_ERRORS = [
    ValueError("Verification failed"),
    RuntimeError("disk full while working on Write docs"),
    KeyError("x"),
    VerificationError("2 tests failed: test_a, test_b"),
    ValueError("a: b - c"),
]


@pytest.mark.parametrize("error", NODE_ERRORS, ids=repr)
def test_node_error_message_and_data_are_the_old_ones(old_executor, error):
    theirs = old_executor.create_node_error_event("verifier", error, 12.0)
    mine = ours.create_node_error_event("verifier", error, 12.0)
    assert mine.message == theirs.message
    assert mine.data == theirs.data
    assert (mine.node_name, mine.duration_ms) == (theirs.node_name, theirs.duration_ms)
    assert mine.to_dict()["event_type"] == theirs.to_dict()["event_type"]


TASK = {"id": "2", "title": "Add auth", "status": "pending"}

#: Builders whose messages the migration notes keep, with arguments for both.
SAME_MESSAGE_CALLS: list[tuple[str, tuple[Any, ...]]] = [
    ("create_node_start_event", ("plan",)),
    ("create_node_end_event", ("plan", 5.0)),
    ("create_task_start_event", (TASK, 2, 5)),
    ("create_task_start_event", (TASK,)),
    ("create_interrupt_event", ("hitl", TASK)),
    ("create_resume_event", ("approve", "hitl")),
]


@pytest.mark.parametrize(("name", "args"), SAME_MESSAGE_CALLS, ids=lambda v: str(v)[:30])
def test_builders_with_unchanged_messages_build_the_old_event(old_executor, name, args):
    theirs = getattr(old_executor, name)(*args)
    mine = getattr(ours, name)(*args)
    old_wire = theirs.to_dict()
    new_wire = mine.to_dict()
    for key in ("event_type", "message", "node_name", "duration_ms", "task"):
        assert new_wire.get(key) == old_wire[key], key
    assert new_wire.get("data", {}) == old_wire["data"]


def test_plain_formatter_takes_the_old_arguments(old_formatters):
    theirs = _parameters(old_formatters.PlainFormatter.__init__)
    mine = _parameters(PlainFormatter.__init__)
    assert mine[: len(theirs)] == theirs
    # Positionally, as the old class took them.
    formatter = PlainFormatter(False, False, True)
    assert (formatter.colors_enabled, formatter.show_timing, formatter.show_timestamps) == (
        False,
        False,
        True,
    )


EVENTS = [
    ours.create_task_start_event(TASK, 2, 5),
    ours.create_node_end_event("plan", 5.0),
    ours.create_node_error_event("verifier", ValueError("Verification failed"), 12.0),
    ours.create_run_end_event(4, 1, 0, 1234.0),
]


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: e.type)
def test_show_timestamps_is_the_old_argument_and_adds_only_a_time_column(old_formatters, event):
    def old_text(flag: bool) -> str:
        return old_formatters.PlainFormatter(colors_enabled=False, show_timestamps=flag).format(
            event
        )

    def new_text(flag: bool) -> str:
        console = Console(file=io.StringIO(), width=200)
        return PlainFormatter(colors_enabled=False, show_timestamps=flag, console=console).format(
            event
        )

    assert old_text(True) == old_text(False)
    stamped, bare = new_text(True), new_text(False)
    assert stamped.endswith(f" {bare}")
    assert len(stamped) == len(bare) + len("HH:MM:SS ")
