"""The benchmark corpus: a fixed, seeded stream of events shaped like a real executor run.

A run is a sequence of tasks. Each task opens with ``task_start`` and walks a few
graph nodes (``node_start`` / ``node_end``); inside the ``execute`` node an agent
talks: ``thinking``, turns of streamed ``token`` events, ``tool_start`` /
``tool_end`` pairs with real-looking arguments and results (text and
structured), ``usage``, ``turn_end``, ``done``. Now and then a task fails
(``node_error``, ``task_failed``), the state is snapshotted or progress reported.
About 70% of the events are tokens.

The same seed always gives the same events. Each event is kept as a
:class:`EventSpec` (its type and fields) and turned into objects by
:func:`build_objects`: the executor's own core ``StreamEvent`` and
``ExecutorStreamEvent`` when ``ai_infra_executor`` is importable, else the two
small :class:`FallbackEvent` of this module. The plain-dict form is each
object's ``to_dict()``.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

from ai_infra_formatters.event_types import CORE_EVENT_TYPES

__all__ = [
    "CORE_TYPES",
    "FALLBACK_SOURCE",
    "Corpus",
    "EventSpec",
    "FallbackEvent",
    "build_corpus",
    "build_objects",
    "generate_specs",
]

#: The twelve core (agent) event types; every other type is an executor lifecycle type.
CORE_TYPES: Final = frozenset(CORE_EVENT_TYPES)


@dataclass
class FallbackEvent:
    """An event object for when ``ai_infra_executor`` cannot be imported (a smoke run
    in the formatters' own test environment): a type and its fields, with a
    ``to_dict()`` as event classes have. Its dict is the spec's fields as they are,
    not ai-infra's exact wire form, which only the executor's classes reproduce.
    """

    type: str
    fields: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """``{"type": ...}`` plus the fields."""
        return {"type": self.type, **self.fields}


FALLBACK_SOURCE: Final = "bench fallback events"


class EventSpec(NamedTuple):
    """One corpus event before it becomes an object: its type and its non-``None`` fields."""

    type: str
    fields: dict[str, Any]


class Corpus(NamedTuple):
    """The corpus in its two forms, plus where the event classes came from.

    ``objects`` and ``dicts`` are parallel lists; ``dicts[i] == objects[i].to_dict()``.
    ``source`` is ``"ai_infra_executor"`` or :data:`FALLBACK_SOURCE`.
    """

    specs: list[EventSpec]
    objects: list[Any]
    dicts: list[dict[str, Any]]
    source: str

    def mix(self) -> dict[str, float]:
        """Share of each event type in the corpus (0-1), most frequent first."""
        counts = Counter(spec.type for spec in self.specs)
        total = len(self.specs) or 1
        return {name: round(n / total, 4) for name, n in counts.most_common()}


_WORDS: Final = (
    "the",
    "graph",
    "node",
    "task",
    "file",
    "test",
    "we",
    "need",
    "to",
    "update",
    "config",
    "parser",
    "returns",
    "value",
    "first",
    "then",
    "check",
    "error",
    "handler",
    "stream",
    "event",
    "because",
    "async",
    "function",
    "module",
    "import",
    "résumé",
    "naïve",
    "日本語",
    "émoji 🚀",
    "refactor",
    "cache",
    "retry",
    "timeout",
    "path",
    "schema",
    "field",
    "done",
)
_TOOLS: Final = ("read_file", "search_code", "run_tests", "write_file", "list_dir", "grep")
_NODES: Final = ("parse_roadmap", "plan_task", "execute_task", "verify_task", "checkpoint")
_MODELS: Final = ("claude-sonnet-4-5", "gpt-4.1-mini")
_CODE_LINES: Final = (
    "def handle(event: dict) -> None:",
    "    if event['type'] == 'token':",
    "        sys.stdout.write(event['content'])",
    "class Parser:",
    '    """Parse the roadmap into tasks."""',
    "    return [t for t in tasks if t.status != 'done']",
    "# TODO: handle the timeout case",
    "import asyncio, json, pathlib",
    "assert result.ok, f'failed: {result.error}'",
)


def _token_text(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.04:
        return "\n"
    if roll < 0.06:
        return ".\n\n"
    if roll < 0.0605:
        return "\x1b[31mred\x1b[0m"  # a model echoing terminal output: must be neutralised
    word = rng.choice(_WORDS)
    return word if roll < 0.15 else f" {word}"


def _file_text(rng: random.Random, lines: int) -> str:
    return "\n".join(rng.choice(_CODE_LINES) for _ in range(lines))


def _tool_call(rng: random.Random, call: int) -> tuple[dict[str, Any], dict[str, Any]]:
    tool = rng.choice(_TOOLS)
    tool_id = f"call_{call:06d}"
    args: dict[str, Any]
    if tool in ("read_file", "write_file"):
        args = {"path": f"src/pkg/module_{rng.randrange(40)}.py"}
        if tool == "write_file":
            args["content"] = _file_text(rng, rng.randrange(3, 12))
    elif tool in ("search_code", "grep"):
        args = {"query": " ".join(rng.choices(_WORDS, k=3)), "limit": rng.randrange(5, 50)}
    elif tool == "run_tests":
        args = {"paths": ["tests/unit", "tests/integration"], "verbose": rng.random() < 0.5}
    else:
        args = {"path": "src/pkg", "recursive": True}
    start = {"tool": tool, "tool_id": tool_id, "arguments": args}
    end: dict[str, Any] = {
        "tool": tool,
        "tool_id": tool_id,
        "latency_ms": round(rng.uniform(2.0, 4000.0), 3),
    }
    if tool in ("search_code", "grep") and rng.random() < 0.6:
        hits = [
            {
                "path": f"src/pkg/module_{rng.randrange(40)}.py",
                "line": rng.randrange(1, 400),
                "score": round(rng.random(), 4),
                "text": rng.choice(_CODE_LINES),
            }
            for _ in range(rng.randrange(1, 8))
        ]
        end["result"] = {"query": args["query"], "count": len(hits), "results": hits}
        end["result_structured"] = True
    else:
        text = _file_text(rng, rng.randrange(2, 40))
        end["result"] = text
        if rng.random() < 0.3:
            end["preview"] = text[:200]
    return start, end


def _task(number: int, status: str) -> dict[str, Any]:
    return {
        "id": f"{number // 10 + 1}.{number % 10 + 1}",
        "title": f"Task {number}: update the stream parser",
        "status": status,
    }


def generate_specs(count: int, seed: int = 20240501) -> list[EventSpec]:
    """Exactly *count* events of a run (cut wherever *count* falls), from *seed*.

    Args:
        count: how many events to produce (the run is cut at that length).
        seed: the random seed; the same seed always gives the same events.
    """
    rng = random.Random(seed)
    out: list[EventSpec] = []
    tasks_total = max(1, count // 114)

    def emit(etype: str, **fields: Any) -> None:
        out.append(EventSpec(etype, {k: v for k, v in fields.items() if v is not None}))

    emit(
        "run_start",
        message=f"Starting run: ROADMAP.md ({tasks_total} tasks)",
        data={"roadmap_path": "ROADMAP.md", "total_tasks": tasks_total},
    )
    call = 0
    number = 0
    while len(out) < count:
        number += 1
        task = _task(number, "in_progress")
        emit("task_start", task=task, message=f"[{number}/{tasks_total}] Starting: {task['title']}")
        for node in ("plan_task", "execute_task"):
            emit("node_start", node_name=node, message=f"Entering {node}")
            if node == "execute_task":
                model = rng.choice(_MODELS)
                emit("thinking", model=model)
                tools_called = 0
                for turn in range(1, rng.randrange(3, 6)):
                    emit("turn_start", turn_id=turn)
                    if rng.random() < 0.3:
                        emit("intent", content="Reading the parser to find the bug")
                    for _ in range(rng.randrange(4, 17)):
                        emit("token", content=_token_text(rng))
                    for _ in range(rng.randrange(1, 5)):
                        call += 1
                        tools_called += 1
                        start, end = _tool_call(rng, call)
                        emit("tool_start", **start)
                        emit("tool_end", **end)
                    emit(
                        "usage",
                        model=model,
                        input_tokens=rng.randrange(500, 9000),
                        output_tokens=rng.randrange(20, 900),
                        cost=round(rng.random() / 50, 6),
                    )
                    emit("turn_end", turn_id=turn, tools_called=tools_called)
                for _ in range(rng.randrange(30, 71)):
                    emit("token", content=_token_text(rng))
                emit("done", tools_called=tools_called)
            if rng.random() < 0.2:
                emit(
                    "state_update",
                    node_name=node,
                    state_snapshot={
                        "current_task": task["id"],
                        "completed": number - 1,
                        "files": [f"src/pkg/module_{i}.py" for i in range(rng.randrange(1, 6))],
                    },
                )
            emit("node_end", node_name=node, duration_ms=round(rng.uniform(5, 90000), 2))
        if rng.random() < 0.08:
            error = 'AssertionError: expected 3 tasks, got 2\n  File "parser.py", line 12'
            emit(
                "node_error",
                node_name="verify_task",
                error=error,
                duration_ms=round(rng.uniform(5, 900), 2),
                message="Node verify_task failed",
            )
            emit(
                "task_failed",
                task=_task(number, "failed"),
                error=error,
                duration_ms=round(rng.uniform(1000, 90000), 2),
            )
        else:
            emit(
                "task_complete",
                task=_task(number, "completed"),
                duration_ms=round(rng.uniform(1000, 90000), 2),
                data={"files_modified": 2},
            )
        emit("progress", data={"completed": number, "total": tasks_total})
    del out[count - 1 :]
    emit(
        "run_end",
        message="Run finished",
        duration_ms=123456.7,
        data={"completed": number, "failed": 0, "skipped": 0},
    )
    return out


def _executor_classes() -> tuple[type[Any], type[Any]] | None:
    """The executor's (core StreamEvent, ExecutorStreamEvent), or ``None`` if not importable."""
    try:
        import ai_infra_executor as executor
    except ImportError:
        return None
    core = getattr(executor, "StreamEvent", None)
    wrapped = getattr(executor, "ExecutorStreamEvent", None)
    if core is None or wrapped is None:
        return None
    return core, wrapped


def build_objects(specs: list[EventSpec], *, use_executor: bool = True) -> tuple[list[Any], str]:
    """The specs as event objects, and the name of where their classes came from.

    Core types become core ``StreamEvent`` objects (what an agent yields); the
    executor lifecycle types become ``ExecutorStreamEvent`` objects.

    Args:
        specs: the events to build.
        use_executor: use ``ai_infra_executor``'s classes when importable; ``False``
            always uses this module's dataclasses.
    """
    classes = _executor_classes() if use_executor else None
    if classes is None:
        return [FallbackEvent(spec.type, spec.fields) for spec in specs], FALLBACK_SOURCE
    core_cls, exec_cls = classes
    objects = [
        (core_cls if spec.type in CORE_TYPES else exec_cls)(type=spec.type, **spec.fields)
        for spec in specs
    ]
    return objects, "ai_infra_executor"


def build_corpus(count: int, seed: int = 20240501, *, use_executor: bool = True) -> Corpus:
    """The seeded corpus of *count* events as objects and as dicts (see :func:`generate_specs`)."""
    specs = generate_specs(count, seed)
    objects, source = build_objects(specs, use_executor=use_executor)
    dicts = [obj.to_dict() for obj in objects]
    return Corpus(specs, objects, dicts, source)
