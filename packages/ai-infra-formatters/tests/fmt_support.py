"""Helpers shared by the formatter tests: sample events, event shapes, consoles, checks.

Imported by the test modules as ``fmt_support`` (pytest puts this directory on
``sys.path``). Nothing here comes from the package under test except where a
test explicitly compares against it.
"""

from __future__ import annotations

import dataclasses
import io
import re
import time
from collections.abc import Iterator, Mapping
from enum import Enum
from typing import Any

from rich.console import Console

#: One SGR ("select graphic rendition") escape sequence: the only kind of escape a
#: formatter may emit, and only with colours on.
SGR = re.compile(r"\x1b\[[0-9;]*m")

#: C0 controls except tab and newline, DEL, and C1 controls.
FORBIDDEN_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

#: Bidirectional embedding / override / isolate controls (trojan-source).
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"

#: Invisible characters that hide text and must be shown with a stand-in: Unicode tag
#: characters, the line and paragraph separators, the zero-width space, the word joiner,
#: the invisible operators, the deprecated format controls and the zero-width no-break
#: space (BOM). The joiners U+200C / U+200D may pass: emoji and scripts need them.
INVISIBLE_CHARS = re.compile(
    "[\U000e0000-\U000e007f\u2028\u2029\u200b\u2060-\u2064\u206a-\u206f\ufeff]"
)

#: SGR parameters that select a colour (foreground, background, bright, 256, truecolor).
COLOR_SGR_PARAMS = frozenset(
    {str(n) for n in range(30, 50)} | {str(n) for n in range(90, 98)}
) | frozenset({str(n) for n in range(100, 108)})

CORE_TYPES = (
    "thinking",
    "reasoning",
    "token",
    "tool_start",
    "tool_end",
    "usage",
    "turn_start",
    "turn_end",
    "intent",
    "todo",
    "done",
    "error",
)
EXECUTOR_TYPES = (
    "run_start",
    "run_end",
    "node_start",
    "node_end",
    "node_error",
    "state_update",
    "task_start",
    "task_complete",
    "task_failed",
    "task_skipped",
    "progress",
    "interrupt",
    "resume",
)
ALL_TYPES = CORE_TYPES + EXECUTOR_TYPES

#: The types the minimal layout prints (the issue: task start/complete/failed, errors,
#: interrupts and the final summary).
MINIMAL_LAYOUT_TYPES = frozenset(
    {"task_start", "task_complete", "task_failed", "task_skipped", "error", "node_error"}
    | {"interrupt", "run_end", "done"}
)

_TASK = {"id": "1.1", "title": "Write the parser", "status": "pending"}

#: A realistic event of every known type, in wire form.
SAMPLE_EVENTS: dict[str, dict[str, Any]] = {
    "thinking": {"type": "thinking", "content": "considering options", "model": "gpt-x"},
    "reasoning": {"type": "reasoning", "content": "A implies B"},
    "token": {"type": "token", "content": "Hello"},
    "tool_start": {
        "type": "tool_start",
        "tool": "web_search",
        "tool_id": "call_1",
        "arguments": {"query": "weather in Paris"},
    },
    "tool_end": {
        "type": "tool_end",
        "tool": "web_search",
        "tool_id": "call_1",
        "result": "sunny, 21 degrees",
        "preview": "sunny",
        "latency_ms": 234.0,
    },
    "usage": {
        "type": "usage",
        "input_tokens": 120,
        "output_tokens": 45,
        "cost": 0.0012,
        "model": "gpt-x",
    },
    "turn_start": {"type": "turn_start", "turn_id": 1},
    "turn_end": {"type": "turn_end", "turn_id": 1, "tools_called": 2},
    "intent": {"type": "intent", "content": "look up the weather"},
    "todo": {
        "type": "todo",
        "todo_items": [
            {"title": "search", "status": "completed"},
            {"title": "answer", "status": "pending"},
        ],
    },
    "done": {"type": "done", "tools_called": 2},
    "error": {"type": "error", "error": "rate limited by provider"},
    "run_start": {
        "type": "run_start",
        "message": "Starting run: ROADMAP.md (3 tasks)",
        "data": {"roadmap_path": "ROADMAP.md", "total_tasks": 3},
    },
    "run_end": {
        "type": "run_end",
        "message": "Run finished: 2 completed, 1 failed",
        "duration_ms": 65432,
        "data": {"completed": 2, "failed": 1, "skipped": 0},
    },
    "node_start": {"type": "node_start", "node_name": "plan"},
    "node_end": {"type": "node_end", "node_name": "plan", "duration_ms": 1234},
    "node_error": {
        "type": "node_error",
        "node_name": "execute",
        "error": "ValueError: bad input",
        "duration_ms": 12,
    },
    "state_update": {"type": "state_update", "node_name": "plan", "state_snapshot": {"step": 2}},
    "task_start": {"type": "task_start", "task": dict(_TASK), "message": "[1/3] Write the parser"},
    "task_complete": {"type": "task_complete", "task": dict(_TASK), "duration_ms": 2500},
    "task_failed": {
        "type": "task_failed",
        "task": dict(_TASK),
        "error": "tests failed",
        "duration_ms": 800,
    },
    "task_skipped": {"type": "task_skipped", "task": {"id": "1.3", "title": "Docs"}},
    "progress": {"type": "progress", "message": "50% done", "data": {"percent": 50}},
    "interrupt": {"type": "interrupt", "node_name": "review", "message": "Paused for review"},
    "resume": {"type": "resume", "node_name": "review", "data": {"decision": "approve"}},
}


@dataclasses.dataclass
class StreamEvent:
    """A stand-in for ``ai_infra.llm.streaming.StreamEvent`` (ai-infra 1.19): same fields.

    ``to_dict()`` gives ``type`` plus every non-``None`` field except ``timestamp``;
    a structured tool result goes under ``structured_result``.
    """

    type: str
    content: str | None = None
    tool: str | None = None
    tool_id: str | None = None
    arguments: dict[str, Any] | None = None
    result: Any = None
    result_structured: bool = False
    preview: str | None = None
    latency_ms: float | None = None
    model: str | None = None
    tools_called: int | None = None
    error: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost: float | None = None
    turn_id: int | None = None
    todo_items: list[dict[str, Any]] | None = None
    timestamp: float = dataclasses.field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        """The wire form: ``type`` plus every set field except ``timestamp``."""
        out: dict[str, Any] = {"type": self.type}
        for f in dataclasses.fields(self):
            if f.name in ("type", "timestamp", "result_structured", "result"):
                continue
            value = getattr(self, f.name)
            if value is not None:
                out[f.name] = value
        if self.result is not None:
            if self.result_structured:
                out["structured_result"] = self.result
                out["result_structured"] = True
            else:
                out["result"] = self.result
        return out


class EventKind(str, Enum):
    """An executor-style event type enum (the old ``event_type`` discriminator)."""

    TASK_START = "task_start"
    TOKEN = "token"
    ERROR = "error"


class PlainEnumKind(Enum):
    """A non-str Enum used as a discriminator."""

    NODE_END = "node_end"


@dataclasses.dataclass
class BareDataclassEvent:
    """A dataclass event without ``to_dict()``."""

    type: str
    message: str | None = None
    node_name: str | None = None


class AttributeEvent:
    """A plain object whose attributes are the event fields."""

    def __init__(self, **fields: Any) -> None:
        """Set one attribute per keyword argument."""
        for name, value in fields.items():
            setattr(self, name, value)


class ReadOnlyMapping(Mapping[str, Any]):
    """A ``Mapping`` that is not a ``dict``."""

    def __init__(self, data: dict[str, Any]) -> None:
        """Wrap *data* (not copied)."""
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


class ToDictFails:
    """An event whose ``to_dict()`` raises; its attributes still describe it."""

    def __init__(self) -> None:
        """A ``node_start`` event for node ``fallback``."""
        self.type = "node_start"
        self.node_name = "fallback"

    def to_dict(self) -> dict[str, Any]:
        raise RuntimeError("to_dict is broken")


def make_console(
    *,
    width: int = 100,
    color_system: str | None = "truecolor",
    file: io.StringIO | None = None,
) -> Console:
    """A Rich console writing to a StringIO that believes it is a terminal.

    Args:
        width: the terminal width in cells.
        color_system: Rich's colour system name (``None`` for no colour).
        file: the stream; a new ``StringIO`` by default.
    """
    return Console(
        file=file if file is not None else io.StringIO(),
        force_terminal=True,
        color_system=color_system,  # type: ignore[arg-type]
        width=width,
    )


def strip_sgr(text: str) -> str:
    """*text* with every SGR escape sequence removed."""
    return SGR.sub("", text)


def sgr_sequences(text: str) -> list[str]:
    """Every SGR escape sequence in *text*, in order."""
    return SGR.findall(text)


def assert_terminal_safe(text: str, *, allow_newline: bool = True) -> None:
    """Fail unless *text* (SGR already stripped) holds no escape or unsafe control.

    Args:
        text: formatter output with its SGR sequences removed.
        allow_newline: whether ``\\n`` may appear (multi-line layouts, token text).
    """
    assert "\x1b" not in text, repr(text)
    bad = FORBIDDEN_CONTROL.search(text)
    assert bad is None, f"control {bad.group()!r} in {text!r}"
    assert not any(ch in text for ch in BIDI_CONTROLS), repr(text)
    hidden = INVISIBLE_CHARS.search(text)
    assert hidden is None, f"invisible {hidden.group()!r} in {text!r}"
    if not allow_newline:
        assert "\n" not in text, repr(text)
    # Lone surrogates cannot be written to a UTF-8 terminal.
    text.encode("utf-8")
