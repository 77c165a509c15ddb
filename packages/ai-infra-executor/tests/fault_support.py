"""Agents and graphs that misbehave, for the fault tests (imported as ``fault_support``).

The agents are plain objects with ``astream(prompt, visibility)``, the shape
:func:`ai_infra_executor.stream_agent` accepts; the graphs are real LangGraph
graphs whose ``execute_task`` node runs such an agent through ``stream_agent``
and writes every event with LangGraph's custom stream writer.
"""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, TypedDict

from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph

from ai_infra_executor import ExecutorStreamConfig, StreamEvent, stream_agent

TOKENS = ExecutorStreamConfig(stream_tokens=True)


class ForeverAgent:
    """Streams ``token`` events without end, one every *pause* seconds.

    Records how many it yielded and whether its stream was closed (its
    ``finally`` ran), so a test can tell that stopping reached the agent.
    """

    def __init__(self, pause: float = 0.001) -> None:
        self.pause = pause
        self.sent = 0
        self.started = asyncio.Event()
        self.closed = False

    async def astream(self, prompt: Any, visibility: str = "standard") -> AsyncIterator[Any]:
        try:
            while True:
                await asyncio.sleep(self.pause)
                self.sent += 1
                self.started.set()
                yield StreamEvent(type="token", content=f"t{self.sent} ")
        finally:
            self.closed = True


class ScriptAgent:
    """Yields the scripted items as they are (events or not), then raises *fail_with*."""

    def __init__(self, items: list[Any], fail_with: BaseException | None = None) -> None:
        self.items = items
        self.fail_with = fail_with
        self.closed = False

    async def astream(self, prompt: Any, visibility: str = "standard") -> AsyncIterator[Any]:
        try:
            for item in self.items:
                await asyncio.sleep(0)
                yield item
            if self.fail_with is not None:
                raise self.fail_with
        finally:
            self.closed = True


class BadToDict:
    """Not an event: no ``type``, and its ``to_dict()`` raises."""

    def to_dict(self) -> dict[str, Any]:
        raise RuntimeError("to_dict exploded")


def token(text: str) -> StreamEvent:
    return StreamEvent(type="token", content=text)


class AgentRoadmap(TypedDict, total=False):
    todos: list[dict[str, Any]]
    next_index: int
    current_task: dict[str, Any] | None
    error: str | None
    files_modified: list[str]


ROADMAP = [
    {"id": "1", "title": "Add auth"},
    {"id": "2", "title": "Write docs"},
    {"id": "3", "title": "Ship it"},
]


def agent_failed(event: Any) -> str | None:
    """The error of an ``error`` event that ended stream_agent's stream (a skipped
    item's error does not: the agent goes on)."""
    if event.type != "error" or "skipped_item" in (event.data or {}):
        return None
    return str(event.error)


def build_agent_graph(
    agents: Mapping[str, Any], *, fail_on_agent_error: bool = True, agent_node: Any = None
) -> Any:
    """``pick_task -> execute_task -> checkpoint | handle_failure -> pick_task ...`` over
    :data:`ROADMAP`.

    Args:
        agents: the agent each task id runs (a task without one gets a short
            well-behaved agent).
        fail_on_agent_error: route the task to ``handle_failure`` when
            stream_agent ended with an error (else the node ignores it).
        agent_node: replaces ``execute_task`` (an async node function).
    """

    def pick_task(state: AgentRoadmap) -> dict[str, Any]:
        index = state.get("next_index", 0)
        todos = state.get("todos", [])
        task = todos[index] if index < len(todos) else None
        return {"current_task": task, "next_index": index + 1, "error": None}

    async def execute_task(state: AgentRoadmap) -> dict[str, Any]:
        task = state.get("current_task") or {}
        agent = agents.get(str(task.get("id")), ScriptAgent([token("ok")]))
        writer = get_stream_writer()
        error: str | None = None
        async for event in stream_agent(agent, f"work on {task.get('title')}", TOKENS):
            writer(event)
            error = agent_failed(event) or error
        if error is not None and fail_on_agent_error:
            return {"error": error}
        return {"files_modified": [f"{task.get('id')}.py"]}

    def checkpoint(state: AgentRoadmap) -> dict[str, Any]:
        return {}

    def handle_failure(state: AgentRoadmap) -> dict[str, Any]:
        return {}

    def after_pick(state: AgentRoadmap) -> str:
        return "execute_task" if state.get("current_task") else END

    def after_execute(state: AgentRoadmap) -> str:
        return "handle_failure" if state.get("error") else "checkpoint"

    graph = StateGraph(AgentRoadmap)
    graph.add_node("pick_task", pick_task)
    graph.add_node("execute_task", agent_node if agent_node is not None else execute_task)
    graph.add_node("checkpoint", checkpoint)
    graph.add_node("handle_failure", handle_failure)
    graph.add_edge(START, "pick_task")
    graph.add_conditional_edges("pick_task", after_pick, ["execute_task", END])
    graph.add_conditional_edges("execute_task", after_execute, ["checkpoint", "handle_failure"])
    graph.add_edge("checkpoint", "pick_task")
    graph.add_edge("handle_failure", "pick_task")
    return graph.compile()


def roadmap_state() -> AgentRoadmap:
    return {"todos": [dict(t) for t in ROADMAP], "next_index": 0}


# -- leftovers ----------------------------------------------------------------


def other_tasks() -> set[asyncio.Task[Any]]:
    """Every task of the running loop except the current one."""
    current = asyncio.current_task()
    return {t for t in asyncio.all_tasks() if t is not current and not t.done()}


async def settle(
    until: Callable[[], bool] = lambda: not other_tasks(), seconds: float = 2.0
) -> bool:
    """Collect garbage and let the loop run until *until()* holds (or *seconds* pass).

    Garbage collection runs first: an async generator left behind by ``break`` is
    closed by the loop once it is collected.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        gc.collect()
        await asyncio.sleep(0)
        if until():
            return True
        if loop.time() >= deadline:
            return False
        await asyncio.sleep(0.005)


def leak_reports(text: str, records: list[logging.LogRecord]) -> list[str]:
    """Messages of asyncio / the interpreter about leaked tasks or resources in
    *text* (captured stderr) and *records* (captured log records)."""
    needles = ("Task was destroyed", "was never awaited", "unclosed", "ResourceWarning")
    found = [line for line in text.splitlines() if any(n in line for n in needles)]
    found += [r.getMessage() for r in records if any(n in r.getMessage() for n in needles)]
    return found
