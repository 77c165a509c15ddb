"""The demo's scripted agent: a real LangChain chat model and a real LangGraph agent loop.

:class:`ScriptedChatModel` is langchain-core's ``GenericFakeChatModel`` (it
answers with canned messages, no network) taught to stream like a provider
does: the text word by word, then each tool call in chunks. The agent around it
is a two-node LangGraph graph (``model`` -> ``tools`` -> ``model`` ...) whose
tools are LangChain tools that take a little time, so the executor's stream
shows tokens, tool calls and their latencies exactly as with a real model.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Mapping
from typing import Annotated, Any, TypedDict

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    AnyMessage,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from langchain_core.messages.tool import tool_call_chunk
from langchain_core.outputs import ChatGenerationChunk
from langchain_core.tools import BaseTool, StructuredTool
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from langgraph.graph.state import CompiledStateGraph

__all__ = [
    "AgentState",
    "ScriptedChatModel",
    "build_agent",
    "prompt_for",
    "script_for",
    "tools_for",
]

_WORDS = re.compile(r"(\s)")


# (Without LangChain installed mypy sees the base as Any; with it, the ignore is unused.)
class ScriptedChatModel(GenericFakeChatModel):  # type: ignore[misc,unused-ignore]
    """``GenericFakeChatModel`` that streams tool calls too, with a pause per token.

    Attributes:
        messages: the answers, one per call (an ``AIMessage`` with or without
            ``tool_calls``, or a plain string).
        token_delay: seconds to wait before each streamed piece.
    """

    token_delay: float = 0.0

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        answer = next(self.messages)
        message = AIMessage(content=answer) if isinstance(answer, str) else answer
        pieces: list[AIMessageChunk] = []
        text = message.content if isinstance(message.content, str) else ""
        pieces += [AIMessageChunk(content=word) for word in _WORDS.split(text) if word]
        for index, call in enumerate(message.tool_calls):
            arguments = json.dumps(call["args"])
            middle = len(arguments) // 2
            # Like a provider: the name and id first, the arguments in pieces.
            head = tool_call_chunk(
                name=call["name"], args=arguments[:middle], id=call["id"], index=index
            )
            tail = tool_call_chunk(name=None, args=arguments[middle:], id=None, index=index)
            pieces.append(AIMessageChunk(content="", tool_call_chunks=[head]))
            pieces.append(AIMessageChunk(content="", tool_call_chunks=[tail]))
        if pieces:
            pieces[-1].chunk_position = "last"
        for piece in pieces:
            if self.token_delay > 0:
                await asyncio.sleep(self.token_delay)
            chunk = ChatGenerationChunk(message=piece)
            if run_manager is not None:
                await run_manager.on_llm_new_token(
                    piece.content if isinstance(piece.content, str) else "", chunk=chunk
                )
            yield chunk


class AgentState(TypedDict):
    """The agent loop's state: the conversation so far."""

    messages: Annotated[list[AnyMessage], add_messages]


def tools_for(latency: float) -> list[BaseTool]:
    """The agent's tools; each takes *latency* seconds (reading takes half)."""

    async def read_file(path: str) -> str:
        """Read a file of the project."""
        await asyncio.sleep(latency / 2)
        return f"# {path}\n(the current contents of {path})"

    async def write_file(path: str, content: str) -> str:
        """Write a file of the project."""
        await asyncio.sleep(latency)
        return f"wrote {len(content.encode())} bytes to {path}"

    return [
        StructuredTool.from_function(coroutine=read_file),
        StructuredTool.from_function(coroutine=write_file),
    ]


def script_for(task: Mapping[str, Any]) -> list[AIMessage]:
    """What the model answers while working on *task*: look, change, report.

    One turn reads the task's first file, one writes each of its files, and the
    last turn is the summary streamed to the user.
    """
    title = str(task.get("title") or "the task")
    files = [str(f) for f in task.get("files") or ()] or ["notes.md"]
    slug = re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_") or "task"
    read = {"name": "read_file", "args": {"path": files[0]}, "id": f"{slug}_read"}
    writes = [
        {
            "name": "write_file",
            "args": {"path": path, "content": f"# {title}\n"},
            "id": f"{slug}_write_{index}",
        }
        for index, path in enumerate(files, start=1)
    ]
    summary = (
        f"Done: {title.rstrip('.')}. I changed {len(files)} "
        f"file{'s' if len(files) != 1 else ''} ({', '.join(files)}) "
        "and kept the existing behaviour intact."
    )
    return [
        AIMessage(content=f"Let me look at {files[0]} first.", tool_calls=[read]),
        AIMessage(content="Now I will make the change.", tool_calls=writes),
        AIMessage(content=summary),
    ]


def build_agent(
    task: Mapping[str, Any], *, token_delay: float = 0.0, tool_latency: float = 0.0
) -> CompiledStateGraph[AgentState, Any, AgentState, AgentState]:
    """The agent for *task*: a compiled ``model`` <-> ``tools`` LangGraph loop.

    Args:
        task: the task (a dict with ``title`` and ``files``) the script is about.
        token_delay: seconds the model waits before each streamed piece.
        tool_latency: seconds a tool call takes.
    """
    model = ScriptedChatModel(messages=iter(script_for(task)), token_delay=token_delay)
    tools = {t.name: t for t in tools_for(tool_latency)}

    async def call_model(state: AgentState) -> dict[str, Any]:
        return {"messages": [await model.ainvoke(state["messages"])]}

    async def call_tools(state: AgentState) -> dict[str, Any]:
        last = state["messages"][-1]
        calls = last.tool_calls if isinstance(last, AIMessage) else []
        # Parallel tool calls run at the same time, as an agent runtime would.
        answers: list[ToolMessage] = await asyncio.gather(
            *(tools[call["name"]].ainvoke(call) for call in calls)
        )
        return {"messages": answers}

    def next_step(state: AgentState) -> str:
        last = state["messages"][-1]
        return "tools" if isinstance(last, AIMessage) and last.tool_calls else END

    graph = StateGraph(AgentState)
    graph.add_node("model", call_model)
    graph.add_node("tools", call_tools)
    graph.add_edge(START, "model")
    graph.add_conditional_edges("model", next_step, ["tools", END])
    graph.add_edge("tools", "model")
    return graph.compile(name="agent")


def prompt_for(task: Mapping[str, Any]) -> list[AnyMessage]:
    """The conversation the agent starts from."""
    return [HumanMessage(content=f"Work on this task: {task.get('title')}")]
