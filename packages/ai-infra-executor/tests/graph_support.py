"""Small real LangGraph graphs for the streaming-executor tests (imported as ``graph_support``)."""

from __future__ import annotations

import asyncio
import operator
from typing import Annotated, Any, TypedDict

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt


class RoadmapState(TypedDict, total=False):
    todos: list[dict[str, Any]]
    next_index: int
    current_task: dict[str, Any] | None
    files_modified: list[str]
    error: str | None
    roadmap_path: str
    log: Annotated[list[str], operator.add]


TODOS = [
    {"id": "1", "title": "Add auth", "status": "pending"},
    {"id": "2", "title": "Write docs", "status": "pending"},
    {"id": "3", "title": "Ship it", "status": "pending"},
]


def initial(todos: list[dict[str, Any]] | None = None) -> RoadmapState:
    return {"todos": list(TODOS if todos is None else todos), "next_index": 0, "log": []}


def build_roadmap_graph(
    *,
    fail_id: str | None = None,
    raise_id: str | None = None,
    ask: bool = False,
    work_seconds: float = 0.0,
    checkpointer: bool = False,
) -> Any:
    """pick_task -> execute_task -> [approve] -> checkpoint | handle_failure -> pick_task ..."""

    def pick_task(state: RoadmapState) -> dict[str, Any]:
        index = state.get("next_index", 0)
        todos = state.get("todos", [])
        task = todos[index] if index < len(todos) else None
        return {"current_task": task, "next_index": index + 1, "error": None, "files_modified": []}

    async def execute_task(state: RoadmapState) -> dict[str, Any]:
        task = state["current_task"] or {}
        if work_seconds:
            await asyncio.sleep(work_seconds)
        if task.get("id") == raise_id:
            raise RuntimeError(f"disk full while working on {task['title']}")
        if task.get("id") == fail_id:
            return {"error": "tests did not pass"}
        return {"files_modified": [f"src/{task['id']}.py", "README.md"], "log": [task["id"]]}

    def approve(state: RoadmapState) -> dict[str, Any]:
        decision = interrupt({"question": f"ship {state['current_task']['title']}?"})
        return {"log": [f"decision:{decision}"]}

    def checkpoint(state: RoadmapState) -> dict[str, Any]:
        return {"log": ["checkpoint"]}

    def handle_failure(state: RoadmapState) -> dict[str, Any]:
        return {"log": ["failure"]}

    def after_pick(state: RoadmapState) -> str:
        return "execute_task" if state.get("current_task") else END

    def after_execute(state: RoadmapState) -> str:
        if state.get("error"):
            return "handle_failure"
        return "approve" if ask else "checkpoint"

    graph = StateGraph(RoadmapState)
    graph.add_node("pick_task", pick_task)
    graph.add_node("execute_task", execute_task)
    graph.add_node("approve", approve)
    graph.add_node("checkpoint", checkpoint)
    graph.add_node("handle_failure", handle_failure)
    graph.add_edge(START, "pick_task")
    graph.add_conditional_edges("pick_task", after_pick, ["execute_task", END])
    graph.add_conditional_edges(
        "execute_task", after_execute, ["approve", "checkpoint", "handle_failure"]
    )
    graph.add_edge("approve", "checkpoint")
    graph.add_edge("checkpoint", "pick_task")
    graph.add_edge("handle_failure", "pick_task")
    return graph.compile(checkpointer=InMemorySaver() if checkpointer else None)


def types_of(events: list[Any]) -> list[str]:
    return [e.type for e in events]


async def collect(stream: Any) -> list[Any]:
    return [event async for event in stream]
