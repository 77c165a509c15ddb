"""The table of lines (:data:`~ai_infra_formatters.layouts.LINES`), compiled for one formatter.

A formatter knows its colours (the ANSI codes of each style name) and its text
options at construction. :class:`LineBuilders` turns the table, once, into one
function per event type that builds the finished line from an event's fields,
with the codes of its symbol, node, text, tool and timing columns baked in: no
list of parts, no style looked up per event.

Every value an event carries reaches the line through
:func:`ai_infra_formatters.layouts._text` (or, for the error panel,
:func:`~ai_infra_formatters.text_safety.safe_cut`): text_safety is the one gate.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from ai_infra_formatters.layouts import (
    FAILED_TOOL_STYLE,
    FAILED_TOOL_SYMBOL,
    LINES,
    UNKNOWN_SYMBOL,
    Line,
    MessageOr,
    TextOptions,
    _custom_fields,
    _generic_body,
    _spans_lines,
    _text,
    _with_error,
    _without_error,
    format_duration,
    is_failed_tool,
    node_label,
)
from ai_infra_formatters.text_safety import safe_line, safe_text

__all__ = ["LineBuilder", "LineBuilders", "StyleCodes"]

#: ``(before, after)``: the ANSI text around a span in one style; ``("", "")`` for none.
StyleCodes = tuple[str, str]
#: Builds the line of an event from its type name and fields (may raise on fields
#: whose values defy reading: :meth:`LineBuilders.line` catches that).
LineBuilder = Callable[[str, Mapping[str, Any]], str]
#: Builds the text column(s) of a line: what follows the symbol and the node.
_Column = Callable[[str, Mapping[str, Any]], str]

_NO_CODES: Final = ("", "")
_UNKNOWN_STYLE: Final = "ai_infra.unknown"


class LineBuilders:
    """The line of every event type, for one set of style codes and text options.

    Args:
        codes: the ``(before, after)`` ANSI text of each style name; a name that is
            missing, or whose ``before`` is empty, is not painted.
        options: how values become text (timing shown, value length limit).
        detail: build the rich layout's lines: an error of several lines is left
            out of the line (the panel under it shows it).
        table: the line of each known event type (default: :data:`LINES`).
    """

    def __init__(
        self,
        codes: Mapping[str, StyleCodes],
        options: TextOptions,
        *,
        detail: bool,
        table: Mapping[str, Line] = LINES,
    ) -> None:
        self._codes = codes
        self._options = options
        self._detail = detail
        self._table = table
        #: The builder of each type of the table, by name (they may raise:
        #: :meth:`line` catches that).
        self.by_type: dict[str, LineBuilder] = {
            etype: self._compile(etype, line) for etype, line in table.items()
        }
        #: The builder of every other type.
        self.unknown = self._compile_line(
            self._head(_UNKNOWN_STYLE, UNKNOWN_SYMBOL),
            self._column(Line(UNKNOWN_SYMBOL), self.paint(_UNKNOWN_STYLE), known=False),
        )

    def paint(self, style: str) -> StyleCodes:
        """The codes around a span in *style* (``("", "")`` when it is not painted)."""
        codes = self._codes.get(style, _NO_CODES)
        return codes if codes[0] else _NO_CODES

    def line(self, etype: str, fields: Mapping[str, Any]) -> str:
        """The finished line of an event of type *etype* with *fields*.

        Never raises: an event whose values defy reading (a ``__bool__`` or
        ``__eq__`` that raises, say) is shown as ``<unreadable event>`` after its
        symbol.
        """
        try:
            return self.by_type.get(etype, self.unknown)(etype, fields)
        except Exception:
            return self.unreadable(etype)

    def build(self, etype: str, fields: Mapping[str, Any]) -> str:
        """:meth:`line`, raising what reading the fields raised instead."""
        return self.by_type.get(etype, self.unknown)(etype, fields)

    def unreadable(self, etype: str) -> str:
        """The line of an event of type *etype* whose fields could not be read."""
        known = self._table.get(etype)
        before, after = self.paint(_UNKNOWN_STYLE if known is None else f"ai_infra.{etype}")
        symbol = (known.symbol if known is not None else "") or UNKNOWN_SYMBOL
        return f"{before}{symbol}{after} {before}<unreadable {safe_line(etype)} event>{after}"

    # -- compilation ------------------------------------------------------------

    def _head(self, style: str, symbol: str) -> str:
        before, after = self.paint(style)
        return f"{before}{symbol}{after}"

    def _compile(self, etype: str, line: Line) -> LineBuilder:
        if etype == "token":
            return self._token()
        style = f"ai_infra.{etype}"
        failed = None
        if etype == "tool_end":
            failed = self._compile_line(
                self._head(FAILED_TOOL_STYLE, FAILED_TOOL_SYMBOL), self._failed_tool_column()
            )
        codes = self.paint(style)
        return self._compile_line(
            self._head(style, line.symbol or UNKNOWN_SYMBOL),
            self._column(line, codes, known=True),
            line=line,
            codes=codes,
            failed=failed,
        )

    def _compile_line(
        self,
        head: str,
        column: _Column,
        *,
        line: Line | None = None,
        codes: StyleCodes = _NO_CODES,
        failed: LineBuilder | None = None,
    ) -> LineBuilder:
        """``head [node] column (timing)``: *head* is the painted symbol.

        With *line* (the table's entry, its text in *codes*), its two common cases
        are built here directly, as *column* would build them: a tool's name that
        is a str, and the message of a type that shows its message first. An event
        that is a failed tool call is built by *failed* instead, when given.
        """
        opts = self._options
        node_before, node_after = self.paint("ai_infra.node")
        tool_before, tool_after = self.paint("ai_infra.tool")
        timing_before, timing_after = self.paint("ai_infra.timing")
        before, after = codes
        timed = opts.show_timing
        limit = opts.max_value_length
        head_space = f"{head} "
        shows_tool = line is not None and line.shows_tool
        message_first = (
            line is not None and isinstance(line.text, MessageOr) and not line.joins_error
        )

        def build(etype: str, f: Mapping[str, Any]) -> str:
            if failed is not None and f.get("error") is not None and is_failed_tool(etype, f):
                return failed(etype, f)
            node = f.get("node_name")
            if node is None and f.get("namespace") is None:
                start = head_space
            else:
                if type(node) is not str or f.get("namespace") is not None:
                    node = node_label(f)
                elif not node:  # node_label's answer for ""
                    node = None
                if node is not None:
                    start = f"{head} {node_before}[{_text(node, opts)}]{node_after} "
                else:
                    start = head_space
            # As _text would: printable text within the limit is shown as it is.
            if shows_tool and type(tool := f.get("tool")) is str:
                if not (tool.isprintable() and (not limit or len(tool) <= limit)):
                    tool = _text(tool, opts)
                out = f"{start}{tool_before}{tool}{tool_after}"
            elif message_first and type(message := f.get("message")) is str and message:
                if not (message.isprintable() and (not limit or len(message) <= limit)):
                    message = _text(message, opts)
                out = f"{start}{before}{message}{after}"
                if (tool := f.get("tool")) is not None:
                    out = f"{out} {tool_before}({_text(tool, opts)}){tool_after}"
            else:
                out = start + column(etype, f)
            if timed:
                took = f.get("duration_ms")
                if took is None:
                    took = f.get("latency_ms")
                if took is not None:
                    shown = format_duration(took)
                    if shown is not None:
                        return f"{out} {timing_before}({shown}){timing_after}"
            return out

        return build

    def _column(self, line: Line, codes: StyleCodes, *, known: bool) -> _Column:
        """The text column of *line* in *codes*, then ``(tool)`` unless it shows the tool."""
        opts = self._options
        detail = self._detail
        rule = line.text
        shows_tool = line.shows_tool
        joins_error = line.joins_error
        before, after = codes
        tool_before, tool_after = self.paint("ai_infra.tool")

        def column(etype: str, f: Mapping[str, Any]) -> str:
            body = rule(f) if rule is not None else None
            if body is None:
                body = _generic_body(etype, f)
            if shows_tool and body == f.get("tool"):
                return f"{tool_before}{_text(body, opts)}{tool_after}"
            error = f.get("error") if joins_error else None
            if detail and body is error and _spans_lines(error):
                body = error.strip().partition("\n")[0]  # the panel below shows the rest
            text = _text(body, opts)
            if error is not None and error != "" and body is not error:
                if detail and _spans_lines(error):
                    # The rich layout's panel shows it, lines and all: not twice.
                    text = _without_error(text, _text(error, opts))
                else:
                    text = _with_error(text, _text(error, opts))
            elif not known and body is etype:  # nothing to say but the type
                text = _custom_fields(text, f)
            shown = f"{before}{text}{after}"
            if not shows_tool:
                tool = f.get("tool")
                if tool is not None:
                    return f"{shown} {tool_before}({_text(tool, opts)}){tool_after}"
            return shown

        return column

    def _failed_tool_column(self) -> _Column:
        """A failed tool call's columns: the tool, then ``failed:`` and the error text."""
        opts = self._options
        before, after = self.paint(FAILED_TOOL_STYLE)
        tool_before, tool_after = self.paint("ai_infra.tool")

        def column(etype: str, f: Mapping[str, Any]) -> str:
            error = _text(f["error"], opts)
            tool = f.get("tool")
            if tool is None or tool == "":
                return f"{before}Tool failed: {error}{after}"
            return f"{tool_before}{_text(tool, opts)}{tool_after} {before}failed: {error}{after}"

        return column

    def _token(self) -> LineBuilder:
        """A token whose content is not a str (a str streams inline, without a builder)."""
        opts = self._options
        before, after = self.paint("ai_infra.token")

        def token(etype: str, f: Mapping[str, Any]) -> str:
            content = f.get("content")
            if not isinstance(content, str):
                content = "" if content is None else _text(content, opts)
            # A str subclass as its text (an f-string would ask its __format__).
            return f"{before}{str.__str__(safe_text(content))}{after}"

        return token
