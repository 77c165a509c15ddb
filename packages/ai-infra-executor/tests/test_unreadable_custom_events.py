"""A node's custom-stream event that cannot be read is reported, never dropped silently."""

from __future__ import annotations

from typing import Any, TypedDict

from graph_support import collect
from langgraph.config import get_stream_writer
from langgraph.graph import END, START, StateGraph

from ai_infra_executor import ExecutorStreamConfig, StreamingExecutor


class State(TypedDict, total=False):
    done: bool


def graph_writing(*chunks: Any) -> Any:
    def work(state: State) -> dict[str, Any]:
        write = get_stream_writer()
        for chunk in chunks:
            write(chunk)
        return {"done": True}

    builder = StateGraph(State)
    builder.add_node("work", work)
    builder.add_edge(START, "work")
    builder.add_edge("work", END)
    return builder.compile()


async def test_an_event_with_a_timestamp_in_milliseconds_becomes_an_error_event():
    graph = graph_writing(
        {"type": "token", "content": "before"},
        {"type": "token", "content": "hi", "timestamp": 1.7e12},  # milliseconds: refused
        {"type": "token", "content": "after"},
    )
    config = ExecutorStreamConfig(stream_tokens=True)
    events = await collect(StreamingExecutor(graph).astream_events({}, None, config))
    shown = [(e.type, e.content or e.error) for e in events if e.type in ("token", "error")]
    assert shown[0] == ("token", "before")
    assert shown[1][0] == "error"
    assert "a node wrote a token event that cannot be read" in shown[1][1]
    assert "timestamp" in shown[1][1]
    assert shown[2] == ("token", "after")
    assert [e.node_name for e in events if e.type == "error"] == ["work"]


async def test_data_that_is_no_event_is_left_alone():
    graph = graph_writing({"progress": 0.5}, ["not", "an", "event"], "text", {"type": "my_own"})
    events = await collect(StreamingExecutor(graph).astream_events({}))
    assert [e.type for e in events if e.type == "error"] == []
