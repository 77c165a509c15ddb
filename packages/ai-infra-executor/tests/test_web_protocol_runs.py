"""Whole executor runs on real LangGraph graphs, encoded as AG-UI and as a Vercel AI SDK
UI message stream, checked by each protocol's own validators (issue 14): the demo's
success, a failed task, a pause for approval and its resume, a node error, a
langgraph-supervisor graph with sub-agents, and a roadmap of hostile text.

The validators come from the formatters' tests (``web_validators``): ``nox -s
web-protocols`` installs them; elsewhere these tests are skipped.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command
from multi_agent_support import supervisor_app
from typing_extensions import TypedDict

from ai_infra_executor import ExecutorStreamConfig, StreamingExecutor
from ai_infra_executor.demo import bundled_roadmap
from ai_infra_executor.demo.graph import build_demo_graph, initial_state
from ai_infra_formatters import AgUiEncoder, VercelAiEncoder

sys.path.append(str(Path(__file__).parents[2] / "ai-infra-formatters" / "tests"))
from web_validators import (
    HAVE_AG_UI,
    HAVE_AI_SDK,
    checked_ag_ui,
    checked_ui_message_streams,
)

pytestmark = [
    pytest.mark.skipif(not (HAVE_AG_UI and HAVE_AI_SDK), reason="run nox -s web-protocols"),
    pytest.mark.filterwarnings("ignore:create_react_agent has been moved"),
]

CONFIG = ExecutorStreamConfig(stream_tokens=True, token_visibility="detailed")


async def demo_run(
    *, roadmap: Any = None, fail_task: int | None = None, pause: bool = False
) -> list[Any]:
    """The events of a demo run, approving every pause as the CLI does."""
    graph = build_demo_graph(
        fail_task=fail_task, interrupt_before_checkpoint=pause, latency_scale=0
    )
    executor = StreamingExecutor(graph, streaming_config=CONFIG, subgraphs=True)
    state = initial_state(roadmap if roadmap is not None else bundled_roadmap())
    run_config = {"configurable": {"thread_id": "web"}, "recursion_limit": 100}
    events: list[Any] = []
    graph_input: Any = state
    while True:
        paused = False
        async for event in executor.astream_events(graph_input, run_config):
            events.append(event)
            paused = paused or event.type == "interrupt"
        if not paused:
            return events
        graph_input = Command(resume="approve")


class Failing(TypedDict):
    n: int


def failing_graph() -> Any:
    def plan(state: Failing) -> Failing:
        return {"n": state["n"] + 1}

    def execute(state: Failing) -> Failing:
        raise ValueError("the disk is full")

    builder = StateGraph(Failing)
    builder.add_node("plan", plan)
    builder.add_node("execute", execute)
    builder.add_edge(START, "plan")
    builder.add_edge("plan", "execute")
    builder.add_edge("execute", END)
    return builder.compile()


async def node_error_run() -> list[Any]:
    events: list[Any] = []
    executor = StreamingExecutor(failing_graph(), streaming_config=CONFIG)

    async def run() -> None:
        async for event in executor.astream_events({"n": 0}):
            events.append(event)

    with pytest.raises(ValueError, match="the disk is full"):
        await run()
    return events


async def supervisor_run() -> list[Any]:
    executor = StreamingExecutor(supervisor_app(), subgraphs=True)
    config = {"configurable": {"thread_id": "t1"}}
    return [
        e async for e in executor.astream_events({"messages": [("user", "1+2?")]}, config, CONFIG)
    ]


def encoded(events: list[Any]) -> tuple[str, str]:
    ag_ui, vercel = AgUiEncoder(), VercelAiEncoder()
    return (
        "".join(ag_ui.format(e) for e in events) + ag_ui.close(),
        "".join(vercel.format(e) for e in events) + vercel.close(),
    )


def types(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"] for e in events]


async def test_every_scenario_passes_both_protocols_validators(tmp_path: Path) -> None:
    hostile = tmp_path / "ROADMAP.md"
    hostile.write_text(
        "- [ ] Evil \x1b]8;;https://x\x07link\x1b]8;;\x07 \u202etxt.exe (a\x1b[2J.py)\n"
        "- [ ] </script><script>alert(1)</script> (b.py)\n",
        "utf-8",
    )
    runs = {
        "success": await demo_run(),
        "failed task": await demo_run(fail_task=3),
        "pause and resume": await demo_run(pause=True),
        "node error": await node_error_run(),
        "supervisor": await supervisor_run(),
        "hostile roadmap": await demo_run(roadmap=hostile),
    }
    streams = {name: encoded(events) for name, events in runs.items()}
    ag_ui = {name: checked_ag_ui(pair[0]) for name, pair in streams.items()}
    checked_ui_message_streams(*(pair[1] for pair in streams.values()))

    assert types(ag_ui["success"])[-1] == "RUN_FINISHED"
    assert types(ag_ui["failed task"])[-1] == "RUN_FINISHED"
    assert types(ag_ui["node error"])[-1] == "RUN_ERROR"
    assert ag_ui["node error"][-1]["message"].endswith("the disk is full")
    paused = ag_ui["pause and resume"]
    assert types(paused).count("RUN_STARTED") == 4  # three pauses, each resumed
    assert [e["outcome"]["type"] for e in paused if e["type"] == "RUN_FINISHED"] == [
        "interrupt",
        "interrupt",
        "interrupt",
        "success",
    ]
    steps = {e["stepName"] for e in ag_ui["supervisor"] if e["type"] == "STEP_STARTED"}
    assert any("math_expert" in step for step in steps)
    names = {e.get("name") for e in ag_ui["supervisor"] if e["type"] == "TEXT_MESSAGE_START"}
    assert len(names) >= 2  # the supervisor and its expert speak in messages of their own


def test_the_demo_command_speaks_both_protocols(capsys: pytest.CaptureFixture[str]) -> None:
    from ai_infra_executor.cli import main

    streams = []
    for fmt in ("ag-ui", "vercel-ai"):
        argv = ["demo", "--format", fmt, "--latency-scale", "0", "--interrupt", "--fail-task", "3"]
        assert main(argv) == 0
        streams.append(capsys.readouterr().out)
    events = checked_ag_ui(streams[0])
    assert [e["outcome"]["type"] for e in events if e["type"] == "RUN_FINISHED"] == [
        "interrupt",
        "interrupt",
        "success",
    ]
    (report,) = checked_ui_message_streams(streams[1])
    assert any(part["type"] == "data-ai-infra-task_failed" for part in report["parts"])
