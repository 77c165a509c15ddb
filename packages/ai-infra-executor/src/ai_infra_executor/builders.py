"""Builders: one function per executor event, each with a message a person reads.

A *task* is a dict or any object with ``id`` / ``title`` / ``status`` attributes
(``status`` may be an ``Enum``); events carry it as a small dict. A *state* is the
run's state (a mapping or an object); events carry only a snapshot of a few
counters and flags, never the state itself.

Tasks, states, errors and decisions come from the graph's nodes: no builder
raises because one of them cannot be read (a ``__getattr__``, ``__str__`` or
``__bool__`` that raises). What cannot be read is shown by a stand-in text such
as ``"<unreadable task: ValueError>"``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ai_infra_executor.events import ExecutorStreamEvent
from ai_infra_executor.graph_values import get_field, plain, readable, type_name, unreadable

__all__ = [
    "ErrorLike",
    "create_interrupt_event",
    "create_llm_done_event",
    "create_llm_error_event",
    "create_llm_thinking_event",
    "create_llm_token_event",
    "create_llm_tool_end_event",
    "create_llm_tool_start_event",
    "create_node_end_event",
    "create_node_error_event",
    "create_node_start_event",
    "create_progress_event",
    "create_resume_event",
    "create_run_end_event",
    "create_run_start_event",
    "create_state_update_event",
    "create_task_complete_event",
    "create_task_failed_event",
    "create_task_skipped_event",
    "create_task_start_event",
    "error_text",
    "state_snapshot",
    "task_to_dict",
]


def task_to_dict(task: Any) -> dict[str, Any]:
    """*task* as a dict: a copy of a dict task, else ``{"id", "title", "status"}``.

    Enum values become their ``value``; an id becomes a ``str``; an object with no
    ``title`` is titled ``str(task)``. A task that cannot be read (reading it
    raised) becomes ``{"title": "<unreadable task: ValueError>"}``, naming what
    it raised.
    """
    try:
        if isinstance(task, Mapping):
            return {str(k): plain(v) for k, v in task.items()}
        task_id = getattr(task, "id", None)
        title = getattr(task, "title", None)
        return {
            "id": None if task_id is None else str(plain(task_id)),
            "title": str(task) if title is None else title,
            "status": plain(getattr(task, "status", None)),
        }
    except Exception as exc:
        return {"title": unreadable("task", exc)}


def _title(task: Mapping[str, Any]) -> str:
    """The task's title, else its id, as text; ``"Task"`` when it has neither."""
    for key in ("title", "id"):
        value = task.get(key)
        if value is not None:
            text = readable(value, key)
            if text:
                return text
    return "Task"


def _snapshot_field(state: Any, key: str, shown: Callable[[Any], Any]) -> Any:
    """``shown(value)`` of *state*'s *key*, or a stand-in text when that raises."""
    try:
        return shown(get_field(state, key))
    except Exception as exc:
        return unreadable(key, exc)


def _count_or_zero(value: Any) -> Any:
    return 0 if value is None else value


def _flag(value: Any) -> bool:
    return True if value is None else bool(value)


def _is_set(value: Any) -> bool:
    return value is not None


def _current_task_id(task: Any) -> str | None:
    task_id = get_field(task, "id") if task is not None else None
    return None if task_id is None else str(plain(task_id))


def state_snapshot(state: Any) -> dict[str, Any]:
    """A few counters and flags of *state* (a mapping or an object), for events.

    Keys: ``completed_count``, ``retry_count``, ``should_continue``, ``error``
    (whether the state holds one), ``current_task_id`` and, when the state lists
    its tasks under ``todos``, ``total_tasks``. A value that cannot be read (its
    ``__bool__`` or ``__str__`` raises, say) is shown as a stand-in text such as
    ``"<unreadable should_continue: ValueError>"``; the other keys keep theirs.
    """
    snapshot: dict[str, Any] = {
        "completed_count": _snapshot_field(state, "completed_count", _count_or_zero),
        "retry_count": _snapshot_field(state, "retry_count", _count_or_zero),
        "should_continue": _snapshot_field(state, "should_continue", _flag),
        "error": _snapshot_field(state, "error", _is_set),
        "current_task_id": _snapshot_field(state, "current_task", _current_task_id),
    }
    todos = get_field(state, "todos")
    if isinstance(todos, (list, tuple)):
        snapshot["total_tasks"] = len(todos)
    return snapshot


def counted(n: int, noun: str) -> str:
    """``1 task``, ``3 tasks``: *n* and *noun*, plural when it is not 1."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


#: What a task or node error may be: an exception, its text, or an error dict
#: such as the executor state's ``{"error_type": "verification", "message": "..."}``.
ErrorLike = BaseException | str | Mapping[str, Any]


def _error_dict_message(error: Mapping[str, Any]) -> str:
    """The ``"message"`` of an error dict, else the whole dict as text."""
    try:
        message = error.get("message")
    except Exception as exc:
        return unreadable("error", exc)
    text = "" if message is None else readable(message, "message")
    return text or readable(error, "error")


def error_text(error: ErrorLike) -> str:
    """*error* for a reader: ``"KeyError: 'x'"``, the bare class name when the
    exception says nothing, a string as it is, an error dict's ``"message"``
    (the whole dict when it has none).

    Never raises: an exception whose ``__str__`` raises reads as
    ``"BadError: <unreadable message: RuntimeError>"``.
    """
    if isinstance(error, BaseException):
        name = type_name(error)
        text = readable(error, "message")
        return f"{name}: {text}" if text else name
    if isinstance(error, Mapping):
        return _error_dict_message(error)
    return readable(error, "error")


def _error_detail(error: ErrorLike) -> str:
    """What went wrong, without the exception's class name (``"bad input"``);
    the class name when the exception says nothing."""
    if isinstance(error, BaseException):
        return readable(error, "message") or type_name(error)
    return error_text(error)


def create_run_start_event(roadmap_path: str, total_tasks: int = 0) -> ExecutorStreamEvent:
    """``run_start``: "Starting executor run: ROADMAP.md (5 tasks)".

    Args:
        roadmap_path: the roadmap the run works through.
        total_tasks: how many tasks it holds (0: unknown, left out of the message).
    """
    roadmap = readable(roadmap_path, "roadmap path")
    message = f"Starting executor run: {roadmap}"
    if total_tasks > 0:
        message += f" ({counted(total_tasks, 'task')})"
    return ExecutorStreamEvent(
        "run_start",
        message=message,
        data={"roadmap_path": roadmap, "total_tasks": total_tasks},
    )


def create_run_end_event(
    completed: int, failed: int, skipped: int, duration_ms: float
) -> ExecutorStreamEvent:
    """``run_end``: "Executor run complete: 5 completed, 0 failed, 0 skipped".

    Args:
        completed, failed, skipped: how many tasks ended each way.
        duration_ms: how long the whole run took.
    """
    return ExecutorStreamEvent(
        "run_end",
        message=f"Executor run complete: {completed} completed, {failed} failed, {skipped} skipped",
        duration_ms=duration_ms,
        data={"completed": completed, "failed": failed, "skipped": skipped},
    )


def create_node_start_event(
    node_name: str, state: Any = None, include_state: bool = False
) -> ExecutorStreamEvent:
    """``node_start``: "Executing node: plan", before the node runs.

    Args:
        node_name: the graph node about to run.
        state: the run's state as the node receives it.
        include_state: attach a :func:`state_snapshot` of *state*.
    """
    return ExecutorStreamEvent(
        "node_start",
        node_name=node_name,
        message=f"Executing node: {node_name}",
        state_snapshot=state_snapshot(state) if include_state and state is not None else None,
    )


def create_node_end_event(
    node_name: str, duration_ms: float, state: Any = None, include_state: bool = False
) -> ExecutorStreamEvent:
    """``node_end``: "Completed node: plan", after the node ran.

    Args:
        node_name: the graph node that ran.
        duration_ms: how long it ran.
        state: the state (or update) it returned.
        include_state: attach a :func:`state_snapshot` of *state*.
    """
    return ExecutorStreamEvent(
        "node_end",
        node_name=node_name,
        message=f"Completed node: {node_name}",
        duration_ms=duration_ms,
        state_snapshot=state_snapshot(state) if include_state and state is not None else None,
    )


def create_node_error_event(
    node_name: str, error: ErrorLike, duration_ms: float
) -> ExecutorStreamEvent:
    """``node_error``: "Node error: plan - bad input", with ``error`` "ValueError: bad input".

    Args:
        node_name: the graph node that raised.
        error: what it raised, its message, or an error dict (its ``"message"``
            is the text).
        duration_ms: how long it ran before failing.
    """
    error_type = type_name(error) if isinstance(error, BaseException) else None
    detail = _error_detail(error)
    return ExecutorStreamEvent(
        "node_error",
        node_name=node_name,
        message=f"Node error: {node_name} - {detail}",
        error=error_text(error),
        duration_ms=duration_ms,
        data={
            "error_type": error_type,
            "error_message": (
                readable(error, "message") if isinstance(error, BaseException) else detail
            ),
        },
    )


def create_task_start_event(
    task: Any, task_number: int = 0, total_tasks: int = 0
) -> ExecutorStreamEvent:
    """``task_start``: "Starting task [2/5]: Add auth" ("Starting task: Add auth" without a total).

    Args:
        task: the task (dict or object with id / title / status).
        task_number: its 1-based position in the run.
        total_tasks: how many tasks the run has (0: unknown).
    """
    task_dict = task_to_dict(task)
    position = f" [{task_number}/{total_tasks}]" if total_tasks > 0 else ""
    return ExecutorStreamEvent(
        "task_start",
        message=f"Starting task{position}: {_title(task_dict)}",
        task=task_dict,
        data={"task_number": task_number, "total_tasks": total_tasks},
    )


def create_task_complete_event(
    task: Any, duration_ms: float, files_modified: int = 0
) -> ExecutorStreamEvent:
    """``task_complete``: "Completed task: Add auth (3 files modified)".

    Args:
        task: the task that finished.
        duration_ms: how long it took.
        files_modified: how many files it changed (0: left out of the message).
    """
    task_dict = task_to_dict(task)
    message = f"Completed task: {_title(task_dict)}"
    if files_modified > 0:
        message += f" ({counted(files_modified, 'file')} modified)"
    return ExecutorStreamEvent(
        "task_complete",
        message=message,
        task=task_dict,
        duration_ms=duration_ms,
        data={"files_modified": files_modified},
    )


def create_task_failed_event(
    task: Any, error: ErrorLike, duration_ms: float
) -> ExecutorStreamEvent:
    """``task_failed``: "Task failed: Add auth - tests did not pass".

    Args:
        task: the task that failed.
        error: why: a message, the exception, or the executor's error dict
            (``{"error_type": ..., "message": ...}``, whose message is the text).
        duration_ms: how long it ran before failing.
    """
    task_dict = task_to_dict(task)
    text = error_text(error)
    return ExecutorStreamEvent(
        "task_failed",
        message=f"Task failed: {_title(task_dict)} - {text}",
        task=task_dict,
        error=text,
        duration_ms=duration_ms,
        data={"error": text},
    )


def create_task_skipped_event(task: Any, reason: str = "") -> ExecutorStreamEvent:
    """``task_skipped``: "Skipped task: Add auth - already done".

    Args:
        task: the task not run.
        reason: why (left out of the message when empty).
    """
    task_dict = task_to_dict(task)
    text = readable(reason, "reason")
    message = f"Skipped task: {_title(task_dict)}"
    if text:
        message += f" - {text}"
    return ExecutorStreamEvent(
        "task_skipped", message=message, task=task_dict, data={"reason": reason}
    )


def create_progress_event(completed: int, total: int) -> ExecutorStreamEvent:
    """``progress``: "Progress: 2/5 tasks done (40%)".

    Args:
        completed: tasks finished so far.
        total: tasks in the run (0: unknown, no percentage).
    """
    message = f"Progress: {completed}/{total} tasks done"
    percent = None
    if total > 0:
        percent = round(100 * completed / total, 1)
        message += f" ({percent:g}%)"
    return ExecutorStreamEvent(
        "progress",
        message=message,
        data={"completed": completed, "total": total, "percent": percent},
    )


def create_state_update_event(node_name: str, state: Any) -> ExecutorStreamEvent:
    """``state_update``: "State updated by plan", with a :func:`state_snapshot`.

    Args:
        node_name: the node whose update this is.
        state: the run's state after the update.
    """
    return ExecutorStreamEvent(
        "state_update",
        node_name=node_name,
        message=f"State updated by {node_name}",
        state_snapshot=state_snapshot(state),
    )


def create_interrupt_event(node_name: str, task: Any = None) -> ExecutorStreamEvent:
    """``interrupt``: "Execution paused at hitl - awaiting human decision".

    Args:
        node_name: the node that paused the run.
        task: the task being worked on, if any.
    """
    return ExecutorStreamEvent(
        "interrupt",
        node_name=node_name,
        message=f"Execution paused at {node_name} - awaiting human decision",
        task=task_to_dict(task) if task is not None else None,
    )


def create_resume_event(decision: Any, node_name: str | None = None) -> ExecutorStreamEvent:
    """``resume``: "Resuming execution with decision: approve".

    Args:
        decision: what the human decided (``"approve"``, ``"reject"``, or the value
            given to ``Command(resume=...)``).
        node_name: the node the run resumes at, if known.
    """
    return ExecutorStreamEvent(
        "resume",
        node_name=node_name,
        message=f"Resuming execution with decision: {readable(decision, 'decision')}",
        data={"decision": decision},
    )


# -- The interim version's agent-event builders --------------------------------
#
# An interim ai-infra executor forwarded an agent's events as six types of its
# own (``llm_thinking``, ``llm_token``, ...). Its builders are kept with the same
# signatures, messages and ``data``, but the events they build have the core
# type (``thinking``, ``token``, ...) and carry the core fields, so a consumer of
# core events reads them too. ``node_name`` defaults to ``"execute_task"``, as it did.

_AGENT_NODE = "execute_task"


def create_llm_thinking_event(
    model: str | None = None, node_name: str = _AGENT_NODE
) -> ExecutorStreamEvent:
    """``thinking``: "Agent is thinking...", the agent started on a reply.

    Args:
        model: the model answering (also in ``data["model"]``).
        node_name: the graph node running the agent.
    """
    return ExecutorStreamEvent(
        "thinking",
        model=model,
        node_name=node_name,
        message="Agent is thinking...",
        data={"model": model},
    )


def create_llm_token_event(content: str, node_name: str = _AGENT_NODE) -> ExecutorStreamEvent:
    """``token``: one piece of the agent's reply, in ``content`` (and, as before,
    in ``message`` and ``data["content"]``).

    Args:
        content: the text the model streamed.
        node_name: the graph node running the agent.
    """
    return ExecutorStreamEvent(
        "token",
        content=content,
        node_name=node_name,
        message=content,
        data={"content": content},
    )


def create_llm_tool_start_event(
    tool: str,
    tool_id: str | None = None,
    arguments: dict[str, Any] | None = None,
    node_name: str = _AGENT_NODE,
) -> ExecutorStreamEvent:
    """``tool_start``: "Calling tool: search".

    Args:
        tool: the tool called.
        tool_id: the call's id, which its ``tool_end`` repeats.
        arguments: what the tool is called with.
        node_name: the graph node running the agent.

    ``data`` holds ``tool``, and ``tool_id`` and ``arguments`` when given (not empty).
    """
    data: dict[str, Any] = {"tool": tool}
    if tool_id:
        data["tool_id"] = tool_id
    if arguments:
        data["arguments"] = arguments
    return ExecutorStreamEvent(
        "tool_start",
        tool=tool,
        tool_id=tool_id,
        arguments=arguments,
        node_name=node_name,
        message=f"Calling tool: {readable(tool, 'tool')}",
        data=data,
    )


def _core_result(result: Any) -> str | dict[str, Any] | None:
    """A tool's result as the core ``result`` field holds one: a str or a dict as
    they are, anything else as its text."""
    if result is None or isinstance(result, str):
        return result
    if isinstance(result, dict):
        return result
    return readable(result, "result")


def create_llm_tool_end_event(  # noqa: PLR0917 - the old signature, positional as it was
    tool: str,
    tool_id: str | None = None,
    latency_ms: float | None = None,
    result: Any | None = None,
    preview: str | None = None,
    node_name: str = _AGENT_NODE,
) -> ExecutorStreamEvent:
    """``tool_end``: "Tool search completed (12.3ms)".

    Args:
        tool: the tool that ran.
        tool_id: the call's id, as in its ``tool_start``.
        latency_ms: how long the tool took (also the event's ``duration_ms``).
        result: what it returned: a str or dict is the core ``result`` (a dict
            as a structured result), anything else its text; ``data["result"]``
            keeps it as given.
        preview: a short preview of the result.
        node_name: the graph node running the agent.
    """
    data: dict[str, Any] = {"tool": tool}
    if tool_id:
        data["tool_id"] = tool_id
    if latency_ms is not None:
        data["latency_ms"] = latency_ms
    if result is not None:
        data["result"] = result
    if preview is not None:
        data["preview"] = preview
    message = f"Tool {readable(tool, 'tool')} completed"
    if isinstance(latency_ms, (int, float)):
        message += f" ({latency_ms:.1f}ms)"
    return ExecutorStreamEvent(
        "tool_end",
        tool=tool,
        tool_id=tool_id,
        result=_core_result(result),
        result_structured=isinstance(result, dict),
        preview=preview,
        latency_ms=latency_ms,
        node_name=node_name,
        message=message,
        duration_ms=latency_ms,
        data=data,
    )


def create_llm_done_event(
    tools_called: int = 0, node_name: str = _AGENT_NODE
) -> ExecutorStreamEvent:
    """``done``: "Agent response complete".

    Args:
        tools_called: how many tools the agent called.
        node_name: the graph node running the agent.
    """
    return ExecutorStreamEvent(
        "done",
        tools_called=tools_called,
        node_name=node_name,
        message="Agent response complete",
        data={"tools_called": tools_called},
    )


def create_llm_error_event(error: str, node_name: str = _AGENT_NODE) -> ExecutorStreamEvent:
    """``error``: "LLM error: rate limited".

    Args:
        error: what went wrong (also the core ``error`` and ``data["error"]``).
        node_name: the graph node running the agent.
    """
    text = readable(error, "error")
    return ExecutorStreamEvent(
        "error",
        error=text,
        node_name=node_name,
        message=f"LLM error: {text}",
        data={"error": error},
    )
