"""`ConsoleFormatter`: Rich-backed terminal output in the plain, rich and minimal layouts.

Rich decides everything about the terminal: whether it is one, which colour
system it speaks, ``NO_COLOR`` / ``FORCE_COLOR``, its width, the theme's styles.
The formatter asks Rich once, at construction, for the ANSI codes of each style
in the theme and compiles the table of lines (:data:`~ai_infra_formatters.layouts.LINES`)
with them (:mod:`~ai_infra_formatters.line_builders`): a line costs a few string
joins, a token a safety check, not a Rich render pass. Event text is never
parsed as markup: what the model wrote is what the reader gets, made safe by
:mod:`ai_infra_formatters.text_safety`. On a terminal, lines other than token
text are wrapped at word boundaries (:mod:`ai_infra_formatters.wrapping`); a file
or a pipe gets every line whole. With ``markdown=True`` the model's answer is
rendered as Markdown on a terminal while it streams
(:class:`~ai_infra_formatters.markdown_stream.MarkdownStream`, driven by the
:class:`~ai_infra_formatters.writer.EventWriter`); a file or a pipe gets the raw text.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any, Final

from rich.color import ColorSystem
from rich.console import Console
from rich.panel import Panel
from rich.style import Style
from rich.text import Text
from rich.theme import Theme

from ai_infra_formatters.events import event_view
from ai_infra_formatters.formats import OutputFormat
from ai_infra_formatters.json_format import JsonFormatter
from ai_infra_formatters.layouts import (
    SYMBOLS,
    TextOptions,
    clock_time,
    detail_rows,
    node_label,
    panel_text,
    shown_in_minimal,
)
from ai_infra_formatters.line_builders import LineBuilder, LineBuilders
from ai_infra_formatters.text_safety import (
    DEFAULT_MAX_LENGTH,
    DEFAULT_TRUNCATION_MARKER,
    safe_cut,
    safe_text,
)
from ai_infra_formatters.theme import resolve_styles
from ai_infra_formatters.visibility import (
    filter_fields,
    hidden_event_types,
    hidden_fields,
    parse_visibility,
)
from ai_infra_formatters.wrapping import wrap_line

__all__ = ["ConsoleFormatter", "MinimalFormatter", "PlainFormatter", "RichFormatter"]

_COLOR_SYSTEMS: Final[Mapping[str, ColorSystem]] = {
    "standard": ColorSystem.STANDARD,
    "256": ColorSystem.EIGHT_BIT,
    "truecolor": ColorSystem.TRUECOLOR,
    "windows": ColorSystem.WINDOWS,
}
_NO_CODES: Final = ("", "")
# Enum members as plain names: attribute access on an Enum class is slow on 3.11.
_JSON: Final = OutputFormat.JSON
_MINIMAL: Final = OutputFormat.MINIMAL
_RICH: Final = OutputFormat.RICH
_DETAIL_INDENT: Final = "    "
#: Where a wrapped detail row's value continues: under its key's text, two deeper.
_VALUE_INDENT: Final = len(_DETAIL_INDENT) + 2
#: Types streamed inline, when their content is text: not lines of their own.
_STREAMED: Final = frozenset({"token", "reasoning"})


#: The event classes event_view reads in place (their fields are their
#: ``__dict__``), as event_view itself answered for the first instance seen.
_IN_PLACE: set[type] = set()
#: The event classes seen by :func:`_view` (at most :data:`_MAX_CLASSES`).
_SEEN: set[type] = set()
_MAX_CLASSES: Final = 256
#: The fields of an event not read in place: its type is to be found out.
_UNREAD: Final[Mapping[str, Any]] = {"type": None}


def _view(event: Any) -> tuple[str, Mapping[str, Any]]:
    """``event_view(event)``, noting whether it read *event*'s class in place."""
    etype, fields = event_view(event)
    cls = type(event)
    if cls is not dict and cls not in _SEEN and len(_SEEN) < _MAX_CLASSES:
        try:
            in_place = fields is event.__dict__
        except Exception:  # no __dict__, or a __getattr__ that raises
            in_place = False
        if in_place:
            _IN_PLACE.add(cls)
        _SEEN.add(cls)
    return etype, fields


def _painted(codes: tuple[str, str], text: str) -> str:
    """Streamed *text*, made safe, between *codes* (none around nothing)."""
    before, after = codes
    text = safe_text(text)
    return f"{before}{text}{after}" if before and text else text


def _uncached(style: Style) -> Style:
    """A new Style equal to *style*.

    Rich caches a Style's SGR text the first time the Style is rendered, for
    whichever colour system that was; rendering a private copy gives the codes of
    the colour system asked for, whatever other consoles did before.
    """
    return Style(
        color=style.color,
        bgcolor=style.bgcolor,
        bold=style.bold,
        dim=style.dim,
        italic=style.italic,
        underline=style.underline,
        blink=style.blink,
        blink2=style.blink2,
        reverse=style.reverse,
        conceal=style.conceal,
        strike=style.strike,
        underline2=style.underline2,
        frame=style.frame,
        encircle=style.encircle,
        overline=style.overline,
        link=style.link,
    )


def _console_layout(layout: OutputFormat | str) -> OutputFormat:
    """*layout* parsed; a web protocol is refused: it needs a stateful encoder."""
    parsed = OutputFormat.parse(layout)
    if parsed.is_web:
        raise ValueError(
            f"{parsed.value!r} is a web protocol, not a console layout: "
            "use get_formatter() (AgUiEncoder, VercelAiEncoder)"
        )
    return parsed


def _writes_to_terminal(console: Console) -> bool:
    """True when *console* writes to a real terminal (not a file or a pipe, whatever
    ``FORCE_COLOR`` / ``force_terminal`` make Rich believe)."""
    try:
        return bool(console.file.isatty())
    except (AttributeError, ValueError, OSError):  # no isatty, or a closed file
        return False


def _style_codes(style: Style, color_system: ColorSystem | None) -> tuple[str, str]:
    """The ANSI text Rich puts before and after a span in *style*."""
    if color_system is None or not style:
        return _NO_CODES
    rendered = _uncached(style).render("\x00", color_system=color_system)
    before, _, after = rendered.partition("\x00")
    return before, after


class ConsoleFormatter:
    """Format stream events for a terminal, one line an event (tokens inline).

    Args:
        layout: ``"plain"`` (default), ``"rich"`` or ``"minimal"`` (an
            :class:`OutputFormat` or its name). ``"json"`` makes :meth:`format`
            delegate to :class:`JsonFormatter`.
        colors_enabled: ``False`` emits no escape codes whatever the terminal.
        show_timing: append durations (``duration_ms`` / ``latency_ms``).
        visibility: ``minimal`` / ``standard`` / ``detailed`` / ``debug``; events
            and fields hidden at that level are not shown (``None`` shows all).
        console: the Rich console whose terminal the output is for (colour
            system, ``NO_COLOR`` / ``FORCE_COLOR``, width). Default: a console on
            *file*, else on ``sys.stdout``.
        file: the stream the output will be written to, when no *console* is given.
        theme: a ``rich.theme.Theme`` or mapping laid over the default styles.
        max_value_length: longest single value shown before it is cut with
            *truncation_marker* (token text is never cut); ``None`` never cuts.
        show_timestamps: start every line but tokens with the event's time of day,
            in local time (``14:03:07``), as structlog's and lnav's consoles do. The
            time is the event's ``timestamp`` (Unix seconds or ISO-8601), else now.
        wrap: break lines other than token text at word boundaries to the console's
            width, continuing under the line's text (a hanging indent). ``None``
            (default): only when the console's file is a terminal (a file or a
            pipe gets every line whole, whatever ``FORCE_COLOR`` says).
        markdown: render the answer (token text, not reasoning) as Markdown while it
            streams, when the console's file is a terminal: finished blocks are
            printed once, only the unfinished one is redrawn (see
            :mod:`ai_infra_formatters.markdown_stream`). A file or a pipe gets the raw
            text, as without it. Done by the :class:`~ai_infra_formatters.writer.EventWriter`
            that writes this formatter's events (:meth:`markdown_console`).
    """

    def __init__(
        self,
        layout: OutputFormat | str = OutputFormat.PLAIN,
        *,
        colors_enabled: bool = True,
        show_timing: bool = True,
        visibility: str | None = None,
        console: Console | None = None,
        file: Any = None,
        theme: Theme | Mapping[str, str | Style] | None = None,
        max_value_length: int | None = DEFAULT_MAX_LENGTH,
        truncation_marker: str = DEFAULT_TRUNCATION_MARKER,
        show_timestamps: bool = False,
        wrap: bool | None = None,
        markdown: bool = False,
    ) -> None:
        self.markdown = markdown
        self._layout = _console_layout(layout)
        self.show_timestamps = show_timestamps
        self.colors_enabled = colors_enabled
        self.show_timing = show_timing
        self.visibility = parse_visibility(visibility) if visibility is not None else None
        level = self.visibility
        # The visibility rules as two sets, tested once per event.
        self._hidden_types = hidden_event_types(level) if level is not None else frozenset()
        self._hidden_fields = hidden_fields(level) if level is not None else frozenset()
        self.console = console if console is not None else Console(file=file)
        self._options = TextOptions(
            show_timing, max_value_length, truncation_marker, show_ids=level in (None, "debug")
        )
        self._styles = resolve_styles(theme)
        self._color_system = self._detect_color_system()
        self._codes = {
            name: _style_codes(self._for_terminal(style), self._color_system)
            for name, style in self._styles.items()
        }
        self._token_codes = self._codes.get("ai_infra.token", _NO_CODES)
        self._reasoning_codes = self._codes.get("ai_infra.reasoning", _NO_CODES)
        # The table of lines, compiled for these colours and options: the plain and
        # minimal layouts' lines; the rich layout's, and the same without colours
        # (what a line says, for the error panel), built when first needed.
        self._lines = LineBuilders(self._codes, self._options, detail=False)
        self._line_builders = self._lines.by_type
        self._unknown_line = self._lines.unknown
        self._bare_tokens = False
        self._direct_lines: Mapping[str, LineBuilder] = {}
        self._set_shortcuts()
        self._rich_lines: LineBuilders | None = None
        self._bare_rich_lines: LineBuilders | None = None
        self._panel_console: Console | None = None
        self._json: JsonFormatter | None = None
        self.wrap = _writes_to_terminal(self.console) if wrap is None else wrap

    @property
    def layout(self) -> OutputFormat:
        """The layout :meth:`format` uses when given none (settable)."""
        return self._layout

    @layout.setter
    def layout(self, layout: OutputFormat | str) -> None:
        self._layout = _console_layout(layout)
        self._set_shortcuts()

    def _set_shortcuts(self) -> None:
        """What format() may skip in this formatter's own layout (see there)."""
        layout = self._layout
        # Tokens written as they are (made safe): inline, in no style.
        self._bare_tokens = layout in (OutputFormat.PLAIN, _RICH) and not self._token_codes[0]
        # The lines built without looking further: the plain layout's, of the types
        # the visibility shows, when it hides no field.
        self._direct_lines = (
            {
                etype: build
                for etype, build in self._line_builders.items()
                if etype not in _STREAMED and etype not in self._hidden_types
            }
            if layout is OutputFormat.PLAIN and not self._hidden_fields
            else {}
        )

    @property
    def inline_tokens(self) -> bool:
        """Whether tokens are written inline (every layout but JSON)."""
        return self.layout is not _JSON

    @property
    def inline_reasoning(self) -> bool:
        """Whether ``reasoning`` text streams inline like tokens, on lines of its own
        that start with ``∴`` (every layout but JSON)."""
        return self.layout is not _JSON

    @property
    def color_system(self) -> str | None:
        """The colour system used (``None`` when no colours are emitted)."""
        return self.console.color_system if self._color_system is not None else None

    def _detect_color_system(self) -> ColorSystem | None:
        if not self.colors_enabled:
            return None
        name = self.console.color_system
        return _COLOR_SYSTEMS.get(name) if name is not None else None

    def _for_terminal(self, style: Style) -> Style:
        return style.without_color if self.console.no_color else style

    # -- public API ---------------------------------------------------------

    def format(self, event: Any, layout: OutputFormat | None = None) -> str:
        """*event* in this formatter's layout; ``""`` when there is nothing to show.

        *layout* renders in another layout instead, with the same settings
        (:meth:`format_plain`, :meth:`format_rich`, :meth:`format_minimal` and
        :meth:`format_json` are shorthands for it).
        """
        # The event's type and fields: a dict's own, or the attributes of an object
        # event_view reads in place, read here without a call when the type is a str.
        cls = type(event)
        if cls is dict:
            fields = event
        elif cls in _IN_PLACE:
            fields = event.__dict__
        else:
            fields = _UNREAD
        try:
            etype = fields["type"]
        except KeyError:
            etype = None
        build = None
        if type(etype) is str and layout is None:
            if etype != "token":
                # The plain layout's hot path: a type with a line of its own (not
                # reasoning), every event and field shown: straight to its line.
                build = self._direct_lines.get(etype)
            elif self._bare_tokens:
                # The hot path of a token stream: tokens show at every visibility and
                # have no field to hide, so no filtering and no layout machinery.
                try:
                    content = fields["content"]
                except KeyError:
                    content = None
                if type(content) is str:
                    # safe_text gives printable text back as it is (every character it
                    # changes is non-printable: test_invisible_characters checks each).
                    return content if content.isprintable() else safe_text(content)
        if build is None:
            if type(etype) is not str or not etype:
                etype, fields = _view(event)
            if layout is None:
                layout = self.layout
            if etype == "token" and layout is not _JSON:
                # A token in another layout, in a painted style, or that is no text.
                if layout is _MINIMAL:
                    return ""
                content = fields.get("content")
                if type(content) is str:
                    return _painted(self._token_codes, content)
            elif layout is _MINIMAL and not shown_in_minimal(etype, fields):
                return ""
            elif layout is _JSON:
                return self.format_json(event)
            if self.visibility is not None:
                if etype in self._hidden_types:
                    return ""
                if not self._hidden_fields.isdisjoint(fields):
                    fields = filter_fields(dict(fields), self.visibility)
            if etype == "reasoning" and type(content := fields.get("content")) is str and content:
                # The model's reasoning streams like its answer, in its own style; the
                # writer keeps it on lines of its own (see inline_reasoning).
                return _painted(self._reasoning_codes, content)
            if layout is not _RICH:
                build = self._line_builders.get(etype, self._unknown_line)
        if build is None:
            line = self._rich_line(etype, fields)
        else:
            try:
                line = build(etype, fields)
            except Exception:  # values that defy reading: the line says so
                line = self._lines.unreadable(etype)
            if self.show_timestamps or self.wrap:
                line = self._finished(line, fields)
        return line

    def format_plain(self, event: Any) -> str:
        """*event* in the plain layout, whatever this formatter's layout is."""
        return self.format(event, OutputFormat.PLAIN)

    def format_rich(self, event: Any) -> str:
        """*event* in the rich layout (detail rows, error panels)."""
        return self.format(event, OutputFormat.RICH)

    def format_minimal(self, event: Any) -> str:
        """*event* in the minimal layout (``""`` for the types it leaves out)."""
        return self.format(event, OutputFormat.MINIMAL)

    def format_json(self, event: Any) -> str:
        """*event* as one NDJSON line, by :class:`JsonFormatter`."""
        if self._json is None:
            self._json = JsonFormatter(visibility=self.visibility)
        return self._json.format(event)

    def speaker_label(self, event: Any) -> str:
        """The label that starts a token line of *event*'s speaker: ``[node] `` (its
        subgraph path first) in the node style, then ``∴ `` for a line of
        reasoning; ``""`` for a token with no node.

        :class:`~ai_infra_formatters.writer.EventWriter` puts it where the speaker of
        a token line changes (see :mod:`ai_infra_formatters.speakers`).
        """
        etype, fields = event_view(event)
        label = node_label(fields)
        text = ""
        if label is not None:
            options = self._options
            text = f"[{safe_cut(label, options.max_value_length, options.truncation_marker)}]"
            before, after = self._codes.get("ai_infra.node", _NO_CODES)
            text = f"{before}{text}{after} " if before else f"{text} "
        if etype == "reasoning":  # a line of reasoning starts with its mark
            before, after = self._reasoning_codes
            mark = SYMBOLS["reasoning"]
            text += f"{before}{mark}{after} " if before else f"{mark} "
        return text

    def markdown_console(self, file: Any) -> Console | None:
        """A new console that renders this formatter's Markdown answers on *file*
        (what the writer writes to), like this formatter's console (its width, height
        and colours, none when ``colors_enabled`` is false); ``None`` when answers are
        written as raw text: ``markdown`` is off, the layout shows no token text
        (``minimal``, ``json``), or the console's file is no terminal.

        Args:
            file: the stream the console is to write to (the writer's, wrapped).
        """
        if not self.markdown or self.layout in (_MINIMAL, _JSON):
            return None
        source = self.console
        if not _writes_to_terminal(source):
            return None
        system = source.color_system if self._color_system is not None else None
        return Console(
            file=file,
            width=source._width,  # fixed by its maker, else the terminal's, as it changes
            height=source._height,
            color_system=system,  # type: ignore[arg-type]
            force_terminal=True,
            no_color=source.no_color,
            markup=False,
            emoji=False,
            highlight=False,
            legacy_windows=False,
        )

    # -- rendering ----------------------------------------------------------

    def _finished(self, line: str, fields: Mapping[str, Any]) -> str:
        """*line* with the time in front (``show_timestamps``), wrapped to the terminal's
        width past its symbol and time (``wrap``)."""
        if self.show_timestamps:
            line = self._timestamped(line, fields)
        if self.wrap:
            line = wrap_line(line, self.console.width, columns=2 if self.show_timestamps else 1)
        return line

    def _timestamped(self, line: str, fields: Mapping[str, Any]) -> str:
        before, after = self._lines.paint("ai_infra.timestamp")
        return f"{before}{clock_time(fields.get('timestamp'))}{after} {line}"

    def _rich_line(self, etype: str, fields: Mapping[str, Any]) -> str:
        """The rich layout's line of an event, with its detail rows and error panel."""
        lines = self._rich_lines
        if lines is None:
            lines = self._rich_lines = LineBuilders(self._codes, self._options, detail=True)
        options = self._options
        try:
            line = lines.build(etype, fields)
            if etype == "token":  # a token that is no text: its line alone
                rows, panel = [], None
            else:
                rows = detail_rows(etype, fields, options)
                panel = panel_text(etype, fields, lambda: self._said(etype, fields), options)
        except Exception:  # the line says so; the rows and panel are left out
            line, rows, panel = lines.unreadable(etype), [], None
        if self.show_timestamps or self.wrap:
            line = self._finished(line, fields)
        if not rows and panel is None:
            return line
        out = [line]
        key_before, key_after = self._codes.get("ai_infra.detail_key", _NO_CODES)
        for key, value in rows:
            gap = "" if value.startswith("\n") else " "  # a block starts on the next line
            row = f"{_DETAIL_INDENT}{key_before}{key}:{key_after}{gap}"
            if gap and self.wrap:  # a one-line value; a block keeps its layout
                out.append(wrap_line(row + value, self.console.width, indent=_VALUE_INDENT))
            else:
                out.append(row + value.replace("\n", "\n" + _DETAIL_INDENT))
        if panel is not None:
            out.append(self._panel(etype, panel))
        return "\n".join(out)

    def _said(self, etype: str, fields: Mapping[str, Any]) -> str:
        """What the rich layout's line of an event says, without colours or time."""
        bare = self._bare_rich_lines
        if bare is None:
            bare = self._bare_rich_lines = LineBuilders({}, self._options, detail=True)
        return bare.build(etype, fields)

    def _panel(self, etype: str, body: str) -> str:
        console = self._panel_console
        if console is None:
            system = self.console.color_system if self._color_system is not None else None
            console = Console(
                file=io.StringIO(),
                width=self.console.width,
                color_system=system,  # type: ignore[arg-type]
                force_terminal=system is not None,
                no_color=self.console.no_color,
                markup=False,
                emoji=False,
                highlight=False,
                legacy_windows=False,
            )
            self._panel_console = console
        style = self._styles.get(f"ai_infra.{etype}", Style())
        panel = Panel(
            Text(body), title=Text(etype), title_align="left", border_style=style, expand=False
        )
        with console.capture() as capture:
            console.print(panel)
        return capture.get().rstrip("\n")


class PlainFormatter(ConsoleFormatter):
    """The plain layout: one line an event, tokens bare. (The executor's old name.)

    Args:
        colors_enabled, show_timing: as for :class:`ConsoleFormatter`.
        show_timestamps: as for :class:`ConsoleFormatter` (a time-of-day column);
            also ai-infra's ``PlainFormatter(colors_enabled, show_timing,
            show_timestamps)`` argument, which there was kept but never shown.
        kwargs: any other :class:`ConsoleFormatter` keyword.
    """

    def __init__(
        self,
        colors_enabled: bool = True,
        show_timing: bool = True,
        show_timestamps: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            OutputFormat.PLAIN,
            colors_enabled=colors_enabled,
            show_timing=show_timing,
            show_timestamps=show_timestamps,
            **kwargs,
        )


class RichFormatter(ConsoleFormatter):
    """The rich layout: the plain line plus details and error panels."""

    def __init__(
        self, colors_enabled: bool = True, show_timing: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(
            OutputFormat.RICH, colors_enabled=colors_enabled, show_timing=show_timing, **kwargs
        )


class MinimalFormatter(ConsoleFormatter):
    """The minimal layout: tasks, interrupts, errors and the final summary only."""

    def __init__(
        self, colors_enabled: bool = True, show_timing: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(
            OutputFormat.MINIMAL, colors_enabled=colors_enabled, show_timing=show_timing, **kwargs
        )
