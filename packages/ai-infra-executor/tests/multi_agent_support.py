"""Multi-agent graphs for the streaming-executor tests (imported as ``multi_agent_support``).

A langgraph-supervisor and a langgraph-swarm graph whose agents use
:class:`~provider_models.ProviderLikeChatModel`, and :func:`unclosed`, what a
stream left open. The sub-agents' ``add`` tool writes a custom event while it
runs (``ADDING``), to tell live events from ones sent after the fact.
"""

from __future__ import annotations

from typing import Any

from langchain_core.tools import tool
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.config import get_stream_writer
from langgraph.prebuilt import create_react_agent
from langgraph_supervisor import create_supervisor
from langgraph_swarm import create_handoff_tool, create_swarm
from provider_models import ProviderLikeChatModel, answer, call

#: The custom event the ``add`` tool writes while it runs.
ADDING = {"type": "token", "content": "<adding>"}


@tool
def add(a: int, b: int) -> int:
    """Add two numbers."""
    get_stream_writer()(dict(ADDING))
    return a + b


def unclosed(events: list[Any]) -> list[str]:
    """What the stream left open: tool calls with no ``tool_end``, tasks with no
    ``node_end`` / ``node_error`` (an empty list when everything closed)."""
    calls: dict[str, int] = {}
    tasks: dict[tuple[tuple[str, ...], str], int] = {}
    for event in events:
        if event.type == "tool_start":
            calls[event.tool_id] = calls.get(event.tool_id, 0) + 1
        elif event.type == "tool_end":
            calls[event.tool_id] = calls.get(event.tool_id, 0) - 1
        elif event.type.startswith("node_"):
            key = (tuple(event.namespace or ()), event.data.get("task_id"))
            step = 1 if event.type == "node_start" else -1
            tasks[key] = tasks.get(key, 0) + step
    return [f"tool {k}: {n}" for k, n in calls.items() if n] + [
        f"node {k}: {n}" for k, n in tasks.items() if n
    ]


def supervisor_app() -> Any:
    math_model = ProviderLikeChatModel.repeat(
        [answer("", call("add", {"a": 1, "b": 2}, "c1")), answer("it is 3")]
    )
    math = create_react_agent(math_model, [add], name="math_expert")
    boss = ProviderLikeChatModel.repeat(
        [answer("let me ask", call("transfer_to_math_expert", {}, "h1")), answer("done: 3")]
    )
    return create_supervisor([math], model=boss).compile()


def swarm_app() -> Any:
    alice_model = ProviderLikeChatModel.repeat(
        [answer("to bob", call("transfer_to_bob", {}, "h1"))]
    )
    bob_model = ProviderLikeChatModel.repeat(
        [answer("", call("add", {"a": 1, "b": 2}, "c1")), answer("bob says 3")]
    )
    alice = create_react_agent(alice_model, [create_handoff_tool(agent_name="bob")], name="alice")
    bob = create_react_agent(bob_model, [add], name="bob")
    swarm = create_swarm([alice, bob], default_active_agent="alice")
    return swarm.compile(checkpointer=InMemorySaver())
