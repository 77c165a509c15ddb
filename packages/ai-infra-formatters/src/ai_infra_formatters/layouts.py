"""What each event type shows: the table of its line, its detail rows and (for
errors) its panel body.

Rich-free on purpose: a layout only decides *which text* goes where and under
which style *name*; :mod:`ai_infra_formatters.line_builders` compiles the table
for one formatter's colours and options, and :mod:`ai_infra_formatters.console`
writes the result.

The line of an event, column by column (each column is left out when empty)::

    [time] symbol [node] text (tool) (timing)

:data:`LINES` says, per event type, its symbol, how its text column is found and
which columns follow it. Three layouts read it:

* ``plain`` prints the line; tokens bare;
* ``rich`` adds the detail rows (tool arguments and results, todo items, state)
  and shows errors in a panel;
* ``minimal`` prints only task start/complete/failed, interrupts, errors (failed
  tool calls included) and the final summary.

A ``tool_end`` whose ``error`` is set is a failed tool call: every layout shows
it with the error symbol, in the error style, followed by the error text.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Final, NamedTuple, TypeGuard

from ai_infra_formatters.json_format import dumps_event
from ai_infra_formatters.text_safety import safe_cut, safe_line

__all__ = [
    "LINES",
    "MINIMAL_EVENT_TYPES",
    "SYMBOLS",
    "UNKNOWN_SYMBOL",
    "Line",
    "MessageOr",
    "TextOptions",
    "clock_time",
    "detail_rows",
    "format_duration",
    "is_failed_tool",
    "node_label",
    "panel_text",
    "shown_in_minimal",
    "task_title",
]


class TextOptions(NamedTuple):
    """How values are turned into text."""

    show_timing: bool = True
    max_value_length: int | None = 2000
    truncation_marker: str = "…"
    #: Show internal ids (``interrupt_id``, ``task_id``) in detail rows: only at the
    #: ``debug`` visibility (or with none set).
    show_ids: bool = True


#: The event types the ``minimal`` layout prints; every other type prints nothing.
MINIMAL_EVENT_TYPES: Final[frozenset[str]] = frozenset(
    {
        "task_start",
        "task_complete",
        "task_failed",
        "task_skipped",
        "error",
        "node_error",
        "interrupt",
        "run_end",
        "done",
    }
)


def is_failed_tool(etype: str, f: Mapping[str, Any]) -> bool:
    """True when an event of type *etype* with fields *f* is a failed tool call:
    a ``tool_end`` whose ``error`` is set (``None`` and ``""`` are not set).

    Never raises: fields that cannot be read make it ``False``.
    """
    if etype != "tool_end":
        return False
    try:
        error = f.get("error")
    except Exception:
        return False
    if error is None:
        return False
    return not (isinstance(error, str) and str.__len__(error) == 0)


def shown_in_minimal(etype: str, f: Mapping[str, Any]) -> bool:
    """True when the ``minimal`` layout prints an event of type *etype* with fields
    *f*: a type of :data:`MINIMAL_EVENT_TYPES`, or a failed tool call."""
    return etype in MINIMAL_EVENT_TYPES or is_failed_tool(etype, f)


def clock_time(timestamp: Any) -> str:
    """The local time of day of an event's *timestamp* (Unix seconds, an ISO-8601
    string or a datetime), ``14:03:07``; now, when it is missing or unreadable."""
    seconds: float | None = None
    try:
        if isinstance(timestamp, (int, float)) and not isinstance(timestamp, bool):
            seconds = float(timestamp)
        elif isinstance(timestamp, str) and timestamp:
            seconds = datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()
        elif isinstance(timestamp, datetime):
            seconds = timestamp.timestamp()
        return time.strftime("%H:%M:%S", time.localtime(seconds))
    except (ValueError, OverflowError, OSError):
        return time.strftime("%H:%M:%S", time.localtime())


def format_duration(ms: Any) -> str | None:
    """``234ms``, ``1.23s`` or ``2m 03.4s`` for a millisecond count; ``None`` if not a number."""
    if type(ms) is not float:
        if isinstance(ms, bool) or not isinstance(ms, (int, float)):
            return None
        try:
            ms = float(ms)
        except OverflowError:  # an int too big for a float
            return None
    if 0 < ms < 1000:
        # round() rounds half to even on the exact value, as f"{ms:.0f}" does.
        return f"{round(ms)}ms"
    if not ms >= 0:  # negative or NaN
        return None
    if ms < 1000:  # zero (minus zero reads "-0ms")
        return f"{ms:.0f}ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.2f}s"
    if seconds == float("inf"):
        return None
    minutes, rest = divmod(seconds, 60)
    return f"{int(minutes)}m {rest:04.1f}s"


def _str(value: Any) -> str:
    """*value* as text, never raising: a str as is, an Enum by its value, else its JSON."""
    cls = type(value)
    if cls is str:
        text: str = value
        return text
    if cls is int:
        try:
            return f"{value}"
        except ValueError:  # beyond Python's int-to-str digit limit (3.11+)
            return hex(value)
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return str(int(value))
        except ValueError:  # beyond Python's int-to-str digit limit (3.11+)
            return hex(value)
    return dumps_event(value).decode("utf-8")


def _text(value: Any, opts: TextOptions) -> str:
    """One value as a single safe, truncated line."""
    if type(value) is str:
        limit = opts.max_value_length
        if value.isprintable() and (not limit or len(value) <= limit):
            return value  # the common case: nothing to escape, nothing to cut
    elif value is None:
        value = ""
    else:
        value = _str(value)
    return safe_cut(value, opts.max_value_length, opts.truncation_marker)


def task_title(fields: Mapping[str, Any]) -> str | None:
    """The title (else the id) of an event's ``task``, as raw text; ``None`` without one.

    Never raises, whatever the fields hold (a title whose truth value raises, a
    mapping whose ``get`` does: ``None``). The text is not made safe: the caller
    does that.
    """
    try:
        task = fields.get("task")
        if isinstance(task, Mapping):
            title = task.get("title") or task.get("id")
            return None if title is None else _str(title)
    except Exception:
        pass
    return None


def _count(n: Any, noun: str) -> str:
    return f"{_str(n)} {noun}" if n == 1 else f"{_str(n)} {noun}s"


# A text rule (Line.text) gives the text column of one event type, or None to fall
# back to the generic text (message, content, error, type name).
_Body = Callable[[Mapping[str, Any]], "str | None"]


def _thinking(f: Mapping[str, Any]) -> str | None:
    content = f.get("content")
    if isinstance(content, str) and content:
        return content  # what the model is thinking, not only that it is
    model = f.get("model")
    return f"Thinking ({_str(model)})" if model else "Thinking"


def _tool(f: Mapping[str, Any]) -> str | None:
    return None if f.get("tool") is None else _str(f["tool"])


def _usage(f: Mapping[str, Any]) -> str | None:
    parts = []
    if (n := f.get("input_tokens")) is not None:
        parts.append(f"{_str(n)} in")
    if (n := f.get("output_tokens")) is not None:
        parts.append(f"{_str(n)} out")
    cost = f.get("cost")
    if type(cost) is float:
        parts.append(f"${cost:.4f}")
    elif isinstance(cost, (int, float)) and not isinstance(cost, bool):
        try:
            parts.append(f"${float(cost):.4f}")
        except OverflowError:  # an int too big for a float
            parts.append(f"${_str(cost)}")
    if model := f.get("model"):
        parts.append(_str(model))
    return "Usage: " + " · ".join(parts) if parts else "Usage"


def _turn(verb: str) -> _Body:
    def body(f: Mapping[str, Any]) -> str | None:
        turn_id = f.get("turn_id")
        text = f"Turn {verb}" if turn_id is None else f"Turn {_str(turn_id)} {verb}"
        if (called := f.get("tools_called")) is not None:
            text += f" · {_count(called, 'tool')}"
        return text

    return body


def _todo(f: Mapping[str, Any]) -> str | None:
    items = f.get("todo_items")
    if not isinstance(items, list):
        return f.get("content") or "Todo list"
    done = sum(
        1 for i in items if isinstance(i, Mapping) and _str(i.get("status", "")) == "completed"
    )
    return f"Todo list: {done}/{len(items)} done"


def _done(f: Mapping[str, Any]) -> str | None:
    if (called := f.get("tools_called")) is not None:
        return f"Done · {_count(called, 'tool')} called"
    return "Done"


@dataclass(frozen=True)
class MessageOr:
    """A text rule: the event's ``message`` when it has one (``None``: the generic
    text, which starts with the message), else ``"{task}: {title}"`` when *task* is
    given and the event's ``task`` has a title (or id), else *default*."""

    default: str
    task: str | None = None

    def __call__(self, f: Mapping[str, Any]) -> str | None:
        """The text for an event with fields *f* (``None`` when it has a message)."""
        if f.get("message"):
            return None
        title = task_title(f) if self.task else None
        return f"{self.task}: {title}" if title else self.default


def _node_error(f: Mapping[str, Any]) -> str | None:
    return None if f.get("message") or f.get("error") else "Node failed"


class Line(NamedTuple):
    """What the line of one event type shows (see the module docstring for its columns).

    Attributes:
        symbol: the glyph the line starts with, in the type's style
            (``ai_infra.<type>``); ``""`` for a type streamed inline (``token``).
        text: finds the value of the text column from the event's fields; when it
            gives ``None`` (or there is none), the first set of ``message``,
            ``content``, ``error`` is shown, else the type name (and, for a type
            this table does not know, its own fields: ``my_custom foo=1``).
        shows_tool: the text column is the tool's name, in the tool style; there
            is no ``(tool)`` column then.
        joins_error: the event's ``error`` text is joined to the text column
            (``message: error``); in the rich layout an error of several lines
            goes to a panel under the line instead.
    """

    symbol: str
    text: _Body | None = None
    shows_tool: bool = False
    joins_error: bool = False


#: The line of each known event type: ``[time] symbol [node] text (tool) (timing)``.
#: The symbol and text are in the type's style; ``[node]`` (``namespace`` path and
#: ``node_name``) when the event names one; ``(tool)`` unless the text is the tool;
#: ``(timing)`` from ``duration_ms``, else ``latency_ms``; ``[time]`` with timestamps
#: on. A failed tool call (a ``tool_end`` with an ``error``) is laid out as
#: :data:`FAILED_TOOL_SYMBOL` says instead.
LINES: Final[Mapping[str, Line]] = {
    #  type         symbol  text rule (none: message, content, error, else the type)
    "thinking":      Line("…", _thinking),  # the thought, else "Thinking (model)"
    "reasoning":     Line("∴"),  # streamed inline (on lines of its own) when it has text
    "token":         Line(""),  # streamed inline, bare
    "tool_start":    Line("⚙", _tool, shows_tool=True),
    "tool_end":      Line("✓", _tool, shows_tool=True),
    "usage":         Line("Σ", _usage),  # "Usage: 10 in · 5 out · $0.0012 · model"
    "turn_start":    Line("↻", _turn("started")),  # "Turn 2 started · 3 tools"
    "turn_end":      Line("↺", _turn("finished")),
    "intent":        Line("→"),
    "todo":          Line("☐", _todo),  # "Todo list: 2/5 done"
    "done":          Line("■", _done),  # "Done · 4 tools called"
    "error":         Line("✗", joins_error=True),
    "run_start":     Line("▶", MessageOr("Run started")),
    "run_end":       Line("■", MessageOr("Run finished")),
    "node_start":    Line("→", MessageOr("Node started")),
    "node_end":      Line("←", MessageOr("Node finished")),
    "node_error":    Line("✗", _node_error, joins_error=True),
    "state_update":  Line("◇", MessageOr("State updated")),
    "task_start":    Line("●", MessageOr("Task started", task="Starting task")),
    "task_complete": Line("✓", MessageOr("Task complete", task="Completed task")),
    "task_failed":   Line("✗", MessageOr("Task failed", task="Failed task"), joins_error=True),
    "task_skipped":  Line("○", MessageOr("Task skipped", task="Skipped task")),
    "progress":      Line("⋯", MessageOr("Progress")),
    "interrupt":     Line("⏸", MessageOr("Paused: awaiting human input")),
    "resume":        Line("⏵", MessageOr("Resumed")),
}  # fmt: skip

#: The glyph in front of each known event type.
SYMBOLS: Final[Mapping[str, str]] = {etype: line.symbol for etype, line in LINES.items()}
#: The glyph of a type :data:`LINES` does not know (style ``ai_infra.unknown``).
UNKNOWN_SYMBOL: Final = "•"
#: A failed tool call shows the error's symbol in the error style, then the tool's
#: name (tool style) and ``failed: <error>`` (error style); without a tool name,
#: ``Tool failed: <error>``.
FAILED_TOOL_SYMBOL: Final = SYMBOLS["error"]
FAILED_TOOL_STYLE: Final = "ai_infra.error"


def _with_error(message: str, error: str) -> str:
    """``message: error``, or *message* alone when it already ends with ``" - "``
    and what *error* says (``"Node error: plan - bad input"`` with
    ``"ValueError: bad input"``, as the executor's builder writes them)."""
    said = error.partition(": ")[2]
    if message.endswith(f" - {error}") or (said and message.endswith(f" - {said}")):
        return message
    return f"{message}: {error}"


def _without_error(message: str, error: str) -> str:
    """*message* without the ``" - error"`` a builder may have ended it with."""
    for said in (error, error.partition(": ")[2]):
        if said and message.endswith(f" - {said}"):
            return message[: -len(said) - 3]
    return message


def _spans_lines(error: Any) -> TypeGuard[str]:
    """True for an error whose text has several lines (a traceback, a test report)."""
    return isinstance(error, str) and "\n" in error.strip()


#: Fields every event may carry: not shown as a custom event's own fields.
_COMMON_FIELDS: Final = frozenset(
    {"type", "event_type", "timestamp", "node_name", "namespace", "message", "data"}
)
_CUSTOM_FIELDS_SHOWN: Final = 6


def _custom_fields(shown_type: str, f: Mapping[str, Any]) -> str:
    """An event of a type this package does not know (*shown_type*, already safe),
    with its own fields: ``my_custom foo=1 bar=x`` (at most a few, each made safe
    and cut short)."""
    shown: list[str] = []
    for key, value in f.items():
        if key in _COMMON_FIELDS or value is None or value == "":
            continue
        if len(shown) == _CUSTOM_FIELDS_SHOWN:
            shown.append("…")
            break
        text = dumps_event(value).decode("utf-8") if not isinstance(value, str) else value
        shown.append(f"{safe_cut(_str(key), 40)}={safe_cut(text, 80)}")
    return f"{shown_type} {' '.join(shown)}" if shown else shown_type


def _generic_body(etype: str, f: Mapping[str, Any]) -> Any:
    for key in ("message", "content", "error"):
        value = f.get(key)
        if value is not None and value != "":
            return value
    return etype


_DETAIL_KEYS: Final[Mapping[str, tuple[str, ...]]] = {
    "tool_start": ("arguments",),
    "tool_end": ("result", "structured_result", "preview"),
    "usage": (),
    "todo": (),
    "state_update": ("state_snapshot", "data"),
    "progress": ("data",),
    "interrupt": ("data",),
    "resume": ("data",),
    "run_end": (),
}
_DEFAULT_DETAIL_KEYS: Final = ("state_snapshot",)


#: Keys of ``data`` that only a debugging reader needs.
_INTERNAL_IDS: Final = frozenset({"interrupt_id", "task_id"})
#: How much deeper than its key a value of several lines is indented.
_BLOCK_INDENT: Final = "  "


def _detail_text(value: Any, opts: TextOptions) -> str:
    """A detail row's value: one safe line, or, for text of several lines (code in a
    tool result), a block on the lines below its key, layout kept."""
    if isinstance(value, str) and "\n" in value.strip():
        text = safe_cut(
            value.strip("\n"), opts.max_value_length, opts.truncation_marker, keep_layout=True
        )
        return "".join(f"\n{_BLOCK_INDENT}{line}" for line in text.split("\n"))
    return _text(value, opts)


def detail_rows(etype: str, f: Mapping[str, Any], opts: TextOptions) -> list[tuple[str, str]]:
    """The rich layout's rows under the line of an event of type *etype* with fields
    *f*: ``(key, value)``, each value safe (one line, or a block whose lines start
    with a newline and an indent)."""
    rows = []
    for key in _DETAIL_KEYS.get(etype, _DEFAULT_DETAIL_KEYS):
        value = f.get(key)
        if key == "data" and not opts.show_ids and isinstance(value, Mapping):
            value = {k: v for k, v in value.items() if k not in _INTERNAL_IDS}
        if value is not None and value not in ({}, ""):
            # A dataclass event read in place names its structured result as to_dict() does.
            structured = key == "result" and f.get("result_structured") is True
            rows.append(("structured_result" if structured else key, _detail_text(value, opts)))
    if etype == "todo" and isinstance(f.get("todo_items"), list):
        for item in f["todo_items"]:
            if isinstance(item, Mapping):
                mark = "x" if _str(item.get("status", "")) == "completed" else " "
                rows.append((f"[{mark}]", _text(item.get("title", item), opts)))
            else:
                rows.append(("[ ]", _text(item, opts)))
    return rows


_PATH_SEP: Final = " \u203a "  # a single right-pointing angle quotation mark


def node_label(f: Mapping[str, Any]) -> str | None:
    """Where an event happened: its node, after the path of subgraphs (``namespace``)
    that leads to it (``parent \u203a node``); ``None`` for neither.

    Never raises, whatever the fields hold (a node whose truth value or ``==``
    raises reads as ``<unreadable node>``). The text is not made safe: the caller
    does that.
    """
    node = f.get("node_name")
    namespace = f.get("namespace")
    if namespace is None and type(node) is str:
        return node or None  # the common case
    try:
        if isinstance(namespace, (list, tuple)) and namespace:
            path = _PATH_SEP.join(_str(p).split(":", 1)[0] for p in namespace)
            node = f"{path}{_PATH_SEP}{_str(node)}" if node else path
        return None if node is None or node == "" else _str(node)
    except Exception:
        return "<unreadable node>"


def panel_text(
    etype: str, f: Mapping[str, Any], said: Callable[[], str], opts: TextOptions
) -> str | None:
    """The rich layout's panel under the line of an event whose type joins its error
    (:attr:`Line.joins_error`): the whole error, safe, lines kept, when the line
    (``said()``, without colours or time) does not show it all already (it spans
    lines, or the line says less: ``"bad input"`` of ``"ValueError: bad input"``);
    ``None`` otherwise."""
    line = LINES.get(etype)
    if line is None or not line.joins_error:
        return None
    err = f.get("error")
    if err is None or err == "":
        return None
    text = err if isinstance(err, str) else _text(err, opts)
    if _spans_lines(text) or safe_line(text) not in said():
        return safe_cut(text, opts.max_value_length, opts.truncation_marker, keep_layout=True)
    return None
