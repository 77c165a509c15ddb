"""What each event type shows: a headline, detail rows and (for errors) a panel body.

Rich-free on purpose: a layout only decides *which text* goes where and under
which style *name*; :mod:`ai_infra_formatters.console` turns names into colours.

Three layouts read the same :class:`Rendering`:

* ``plain`` prints the headline: symbol, node, message, tool, timing; tokens bare;
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
from datetime import datetime
from enum import Enum
from typing import Any, Final, NamedTuple, TypeGuard

from ai_infra_formatters.json_format import dumps_event
from ai_infra_formatters.text_safety import safe_cut, safe_line, safe_text

__all__ = [
    "MINIMAL_EVENT_TYPES",
    "SYMBOLS",
    "Part",
    "Rendering",
    "TextOptions",
    "clock_time",
    "format_duration",
    "is_failed_tool",
    "node_label",
    "render_event",
    "shown_in_minimal",
    "task_title",
]

#: ``(text, style name)``; the text is already safe for a terminal. A headline's
#: parts are shown separated by single spaces.
Part = tuple[str, str]


class TextOptions(NamedTuple):
    """How values are turned into text."""

    show_timing: bool = True
    max_value_length: int | None = 2000
    truncation_marker: str = "…"
    #: Show internal ids (``interrupt_id``, ``task_id``) in detail rows: only at the
    #: ``debug`` visibility (or with none set).
    show_ids: bool = True


class Rendering(NamedTuple):
    """One event, laid out: the headline's parts are joined by single spaces."""

    headline: list[Part]
    details: list[tuple[str, str]]
    panel: str | None


#: The glyph in front of each known event type.
SYMBOLS: Final[Mapping[str, str]] = {
    "thinking": "…",
    "reasoning": "∴",
    "token": "",
    "tool_start": "⚙",
    "tool_end": "✓",
    "usage": "Σ",
    "turn_start": "↻",
    "turn_end": "↺",
    "intent": "→",
    "todo": "☐",
    "done": "■",
    "error": "✗",
    "run_start": "▶",
    "run_end": "■",
    "node_start": "→",
    "node_end": "←",
    "node_error": "✗",
    "state_update": "◇",
    "task_start": "●",
    "task_complete": "✓",
    "task_failed": "✗",
    "task_skipped": "○",
    "progress": "⋯",
    "interrupt": "⏸",
    "resume": "⏵",
}
UNKNOWN_SYMBOL: Final = "•"

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

#: The style of a failed tool call (a ``tool_end`` with an ``error``); its glyph
#: is the one of ``error``.
_FAILED_TOOL_STYLE: Final = "ai_infra.error"

#: The types whose ``error`` text is shown with the event: on its line (joined to the
#: message), or, in the rich layout, in a panel when it spans several lines.
_PANEL_TYPES: Final = frozenset({"error", "node_error", "task_failed"})
_TOOL_TYPES: Final = frozenset({"tool_start", "tool_end"})
_STYLE_NAMES: Final[Mapping[str, str]] = {etype: f"ai_infra.{etype}" for etype in SYMBOLS}


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
    if not ms >= 0:  # negative or NaN
        return None
    if ms < 1000:
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


# Each body function gives the headline text of one event type, or None to fall
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
    if f.get("input_tokens") is not None:
        parts.append(f"{_str(f['input_tokens'])} in")
    if f.get("output_tokens") is not None:
        parts.append(f"{_str(f['output_tokens'])} out")
    cost = f.get("cost")
    if isinstance(cost, (int, float)) and not isinstance(cost, bool):
        try:
            parts.append(f"${float(cost):.4f}")
        except OverflowError:  # an int too big for a float
            parts.append(f"${_str(cost)}")
    if f.get("model"):
        parts.append(_str(f["model"]))
    return "Usage: " + " · ".join(parts) if parts else "Usage"


def _turn(verb: str) -> _Body:
    def body(f: Mapping[str, Any]) -> str | None:
        turn_id = f.get("turn_id")
        text = f"Turn {verb}" if turn_id is None else f"Turn {_str(turn_id)} {verb}"
        if f.get("tools_called") is not None:
            text += f" · {_count(f['tools_called'], 'tool')}"
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
    if f.get("tools_called") is not None:
        return f"Done · {_count(f['tools_called'], 'tool')} called"
    return "Done"


def _fallback(default: str, *, with_task: str | None = None) -> _Body:
    def body(f: Mapping[str, Any]) -> str | None:
        if f.get("message"):
            return None
        title = task_title(f) if with_task else None
        return f"{with_task}: {title}" if title else default

    return body


_BODIES: Final[Mapping[str, _Body]] = {
    "thinking": _thinking,
    "tool_start": _tool,
    "tool_end": _tool,
    "usage": _usage,
    "turn_start": _turn("started"),
    "turn_end": _turn("finished"),
    "todo": _todo,
    "done": _done,
    "run_start": _fallback("Run started"),
    "run_end": _fallback("Run finished"),
    "node_start": _fallback("Node started"),
    "node_end": _fallback("Node finished"),
    "node_error": lambda f: None if f.get("message") or f.get("error") else "Node failed",
    "state_update": _fallback("State updated"),
    "task_start": _fallback("Task started", with_task="Starting task"),
    "task_complete": _fallback("Task complete", with_task="Completed task"),
    "task_failed": _fallback("Task failed", with_task="Failed task"),
    "task_skipped": _fallback("Task skipped", with_task="Skipped task"),
    "progress": _fallback("Progress"),
    "interrupt": _fallback("Paused: awaiting human input"),
    "resume": _fallback("Resumed"),
}


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


def _details(etype: str, f: Mapping[str, Any], opts: TextOptions) -> list[tuple[str, str]]:
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


def render_event(etype: str, f: Mapping[str, Any], opts: TextOptions, *, detail: bool) -> Rendering:
    """Lay out one event (already filtered for visibility) of type *etype*.

    With ``detail`` the rendering carries detail rows and, for error types, a
    panel body with the full (safe, multi-line) error text. Never raises: an event
    whose values defy reading (a ``__bool__`` or ``__eq__`` that raises, say) is
    shown as ``<unreadable event>`` after its symbol.
    """
    try:
        return _render_event(etype, f, opts, detail=detail)
    except Exception:
        style = f"ai_infra.{etype}" if etype in SYMBOLS else "ai_infra.unknown"
        headline: list[Part] = [
            (SYMBOLS.get(etype, UNKNOWN_SYMBOL) or UNKNOWN_SYMBOL, style),
            (f"<unreadable {safe_line(etype)} event>", style),
        ]
        return Rendering(headline, [], None)


def _body(
    etype: str, f: Mapping[str, Any], style: str, opts: TextOptions, *, detail: bool
) -> list[Part]:
    """The headline parts after the node: the event's text (with its error, for the
    error types) and, for a non-tool event naming a tool, the tool."""
    body_fn = _BODIES.get(etype)
    body = body_fn(f) if body_fn is not None else None
    if body is None:
        body = _generic_body(etype, f)
    if etype in _TOOL_TYPES and body == f.get("tool"):
        return [(_text(body, opts), "ai_infra.tool")]
    error = f.get("error") if etype in _PANEL_TYPES else None
    if detail and body is error and _spans_lines(error):
        body = error.strip().partition("\n")[0]  # the panel below shows the rest
    text = _text(body, opts)
    if error is not None and error != "" and body is not error:
        if detail and _spans_lines(error):
            # The rich layout's panel shows it, lines and all: not twice.
            text = _without_error(text, _text(error, opts))
        else:
            text = _with_error(text, _text(error, opts))
    elif etype not in SYMBOLS and body is etype:  # nothing to say but the type
        text = _custom_fields(text, f)
    parts: list[Part] = [(text, style)]
    tool = f.get("tool")
    if tool is not None and etype not in _TOOL_TYPES:
        parts.append((f"({_text(tool, opts)})", "ai_infra.tool"))
    return parts


def _failed_tool_body(f: Mapping[str, Any], opts: TextOptions) -> list[Part]:
    """The headline parts after the node of a failed tool call: the tool, then
    ``failed:`` and the error text (one line), in the error style."""
    error = _text(f["error"], opts)
    tool = f.get("tool")
    if tool is None or tool == "":
        return [(f"Tool failed: {error}", _FAILED_TOOL_STYLE)]
    return [(_text(tool, opts), "ai_infra.tool"), (f"failed: {error}", _FAILED_TOOL_STYLE)]


def _render_event(
    etype: str, f: Mapping[str, Any], opts: TextOptions, *, detail: bool
) -> Rendering:
    if etype == "token":
        content = f.get("content")
        if not isinstance(content, str):
            content = "" if content is None else _text(content, opts)
        return Rendering([(safe_text(content), "ai_infra.token")], [], None)

    symbol = SYMBOLS.get(etype)
    style = _STYLE_NAMES[etype] if symbol is not None else "ai_infra.unknown"
    failed = etype == "tool_end" and is_failed_tool(etype, f)
    if failed:
        symbol, style = SYMBOLS["error"], _FAILED_TOOL_STYLE
    headline: list[Part] = [(symbol or UNKNOWN_SYMBOL, style)]
    node = node_label(f)
    if node is not None:
        headline.append((f"[{_text(node, opts)}]", "ai_infra.node"))
    if failed:
        headline += _failed_tool_body(f, opts)
    else:
        headline += _body(etype, f, style, opts, detail=detail)

    if opts.show_timing:
        took = f.get("duration_ms")
        if took is None:
            took = f.get("latency_ms")
        if took is not None:
            shown = format_duration(took)
            if shown is not None:
                headline.append((f"({shown})", "ai_infra.timing"))

    if not detail:
        return Rendering(headline, [], None)
    panel = None
    if etype in _PANEL_TYPES:
        # The whole error, when the headline does not show it all already (it spans
        # lines, or the headline says less: "bad input" of "ValueError: bad input").
        err = f.get("error")
        if err is not None and err != "":
            text = err if isinstance(err, str) else _text(err, opts)
            said = " ".join(part for part, _ in headline)
            if _spans_lines(text) or safe_line(text) not in said:
                panel = safe_cut(
                    text, opts.max_value_length, opts.truncation_marker, keep_layout=True
                )
    return Rendering(headline, _details(etype, f, opts), panel)
