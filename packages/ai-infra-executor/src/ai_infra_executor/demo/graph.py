"""The demo executor: a real LangGraph graph working through a roadmap.

::

    START -> pick_task -> execute_task -> verify -> [approve] -> checkpoint -> pick_task ...
             pick_task -> skip_task -> pick_task      (a task already checked off)
             verify -> handle_failure -> pick_task    (the tests failed)
             approve -> skip_task                     (the reviewer said no)
             pick_task -> END                         (no task left)

``pick_task`` takes the roadmap's next task; one already checked off goes to
``skip_task``. ``execute_task`` runs the scripted agent (a LangGraph subgraph)
on it, ``verify`` runs the "tests" (reporting through LangGraph's custom stream
writer) and fails the task chosen to fail, ``approve`` (with ``interrupt=True``)
asks a human with ``interrupt()``; ``checkpoint``, ``handle_failure`` and
``skip_task`` record how the task ended.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any, Final

from langchain_core.messages import AIMessage
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import interrupt

from ai_infra_executor.demo.agent import build_agent, prompt_for
from ai_infra_executor.demo.roadmap import DemoState, initial_state, parse_roadmap

__all__ = [
    "APPROVALS",
    "DemoState",
    "build_demo_graph",
    "initial_state",
    "parse_roadmap",
    "question_of",
]

#: Answers that approve a task (case-insensitive); anything else rejects it.
APPROVALS: Final = frozenset({"", "y", "yes", "approve", "approved", "ok", "true"})


def _with_status(state: DemoState, status: str) -> list[dict[str, Any]]:
    current = state.get("current_task") or {}
    return [
        {**todo, "status": status} if todo.get("id") == current.get("id") else todo
        for todo in state.get("todos", [])
    ]


class _Nodes:
    """The demo graph's nodes and routers, with the run's settings."""

    def __init__(self, fail_task: int | None, ask: bool, latency_scale: float) -> None:
        self.fail_task = fail_task
        self.ask = ask
        self.token_delay = 0.008 * latency_scale
        self.tool_latency = 0.12 * latency_scale
        self.test_latency = 0.1 * latency_scale

    def pick_task(self, state: DemoState) -> dict[str, Any]:
        index = state.get("next_index", 0)
        todos = state.get("todos", [])
        task = todos[index] if index < len(todos) else None
        update: dict[str, Any] = {
            "current_task": task,
            "next_index": index + 1,
            "files_modified": [],
            "error": None,
            "skip_reason": None,
        }
        if task is not None and task.get("status") == "done":
            update["skip_reason"] = "already checked off in the roadmap"
        return update

    def after_pick(self, state: DemoState) -> str:
        task = state.get("current_task")
        if task is None:
            return str(END)
        return "skip_task" if state.get("skip_reason") else "execute_task"

    async def execute_task(self, state: DemoState) -> dict[str, Any]:
        task = state.get("current_task") or {}
        agent = build_agent(task, token_delay=self.token_delay, tool_latency=self.tool_latency)
        result = await agent.ainvoke({"messages": prompt_for(task)})
        messages = result["messages"]
        written = [
            str(call["args"].get("path"))
            for message in messages
            if isinstance(message, AIMessage)
            for call in message.tool_calls
            if call["name"] == "write_file"
        ]
        last = messages[-1]
        summary = last.content if isinstance(last.content, str) else ""
        return {"files_modified": written, "summary": summary}

    async def verify(self, state: DemoState) -> dict[str, Any]:
        task = state.get("current_task") or {}
        number = int(task.get("id") or 0)
        writer = get_stream_writer()
        call_id = f"tests_{number}"
        writer({"type": "tool_start", "tool": "run_tests", "tool_id": call_id})
        started = time.perf_counter()
        await asyncio.sleep(self.test_latency)
        failed = self.fail_task is not None and number == self.fail_task
        tests = max(len(task.get("files") or ()), 1) * 3
        result = f"{2 if failed else 0} failed, {tests - 2 if failed else tests} passed"
        writer(
            {
                "type": "tool_end",
                "tool": "run_tests",
                "tool_id": call_id,
                "result": result,
                "latency_ms": (time.perf_counter() - started) * 1000,
            }
        )
        if failed:
            return {"error": f"tests did not pass: {result}"}
        return {"error": None}

    def after_verify(self, state: DemoState) -> str:
        if state.get("error"):
            return "handle_failure"
        return "approve" if self.ask else "checkpoint"

    def approve(self, state: DemoState) -> dict[str, Any]:
        task = state.get("current_task") or {}
        files = ", ".join(state.get("files_modified") or []) or "no files"
        decision = interrupt(
            {
                "question": f"Apply the changes of task {task.get('id')}: "
                f"{task.get('title')} ({files})?",
                "task_id": task.get("id"),
            }
        )
        if str(decision).strip().lower() in APPROVALS:
            return {"skip_reason": None}
        return {"skip_reason": f"rejected by the reviewer ({decision})"}

    def after_approve(self, state: DemoState) -> str:
        return "skip_task" if state.get("skip_reason") else "checkpoint"

    def checkpoint(self, state: DemoState) -> dict[str, Any]:
        return {
            "todos": _with_status(state, "completed"),
            "completed_count": state.get("completed_count", 0) + 1,
        }

    def handle_failure(self, state: DemoState) -> dict[str, Any]:
        return {
            "todos": _with_status(state, "failed"),
            "failed_count": state.get("failed_count", 0) + 1,
        }

    def skip_task(self, state: DemoState) -> dict[str, Any]:
        return {
            "todos": _with_status(state, "skipped"),
            "skipped_count": state.get("skipped_count", 0) + 1,
        }


def build_demo_graph(
    *,
    fail_task: int | None = None,
    interrupt_before_checkpoint: bool = False,
    latency_scale: float = 1.0,
) -> CompiledStateGraph[DemoState, Any, DemoState, DemoState]:
    """The demo executor graph, compiled with LangGraph's in-memory checkpointer.

    Args:
        fail_task: the 1-based number of the task whose tests fail (``None``: none).
        interrupt_before_checkpoint: ask a human (``interrupt()``) to approve each
            task before it is checkpointed; a rejected task is skipped.
        latency_scale: multiplies every scripted delay (tokens, tools, tests);
            ``0`` runs as fast as possible.
    """
    nodes = _Nodes(fail_task, interrupt_before_checkpoint, latency_scale)
    graph = StateGraph(DemoState)
    graph.add_node("pick_task", nodes.pick_task)
    graph.add_node("execute_task", nodes.execute_task)
    graph.add_node("verify", nodes.verify)
    graph.add_node("approve", nodes.approve)
    graph.add_node("checkpoint", nodes.checkpoint)
    graph.add_node("handle_failure", nodes.handle_failure)
    graph.add_node("skip_task", nodes.skip_task)
    graph.add_edge(START, "pick_task")
    graph.add_conditional_edges("pick_task", nodes.after_pick, ["execute_task", "skip_task", END])
    graph.add_edge("execute_task", "verify")
    graph.add_conditional_edges(
        "verify", nodes.after_verify, ["checkpoint", "approve", "handle_failure"]
    )
    graph.add_conditional_edges("approve", nodes.after_approve, ["checkpoint", "skip_task"])
    for node in ("checkpoint", "handle_failure", "skip_task"):
        graph.add_edge(node, "pick_task")
    return graph.compile(checkpointer=InMemorySaver(), name="demo-executor")


def question_of(value: Any) -> str:
    """The question an ``interrupt`` event's value asks (its ``question`` key, else the value)."""
    if isinstance(value, Mapping) and value.get("question"):
        return str(value["question"])
    return "Approve?" if value is None else str(value)
