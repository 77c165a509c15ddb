"""`LiveProgressView`: an executor run on a Rich console, as it happens.

In a terminal it is a Rich live display under the run's lines: a status line
(spinner, the current task with its number, a bar of the tasks done, the run's
clock; see :mod:`ai_infra_executor.live_status`), the running node, and the row
of the agent's text being written. Every other event (a task completed, a tool
called, an interrupt, ...) is printed above the display as it happens, and so is
each finished row of the agent's text (:mod:`ai_infra_executor.live_tokens`): the
scrollback keeps every task's answer. The run ends with a summary that names the
tasks that failed or were skipped, and why (:mod:`ai_infra_executor.live_summary`).
The display leaves no trace when it stops (before a prompt, at the end): what
stays on screen is what was printed above it.

When the console is not a terminal (a pipe, a file, CI) it degrades to line
output: one line an event, tokens inline.

With Markdown answers (the config's ``markdown``) the agent's answer is rendered as
Markdown: in the live display each finished block is printed above it once and
only the unfinished block's last rows are live
(:class:`~ai_infra_executor.live_tokens.MarkdownPane`); as lines on a terminal, the
writer renders it (see :mod:`ai_infra_formatters.writer`); into a file or a pipe
the raw text is written.

Every event line comes from ai-infra-formatters (the config's layout, on this
view's console); this module only draws the live widget around them. The text
the widget shows of an event (task title, node, namespace, reasons) is made safe
by :func:`ai_infra_formatters.text_safety.safe_cut`, the agent's text by the
formatter, like every formatter line; a malformed event (fields of the wrong
type, text whose ``str()`` raises) never makes the view raise.
"""

from __future__ import annotations

import contextlib
import io
import math
import sys
import threading
import time
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Final, TextIO, cast

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.spinner import Spinner
from rich.text import Text

from ai_infra_executor.config import ExecutorStreamConfig
from ai_infra_executor.guarded_stream import GuardedStream
from ai_infra_executor.live_status import StatusLine
from ai_infra_executor.live_summary import RunSummary
from ai_infra_executor.live_tokens import Kind, MarkdownPane, TokenPane
from ai_infra_formatters.console import ConsoleFormatter
from ai_infra_formatters.events import event_to_dict
from ai_infra_formatters.formats import OutputFormat
from ai_infra_formatters.json_format import JsonFormatter
from ai_infra_formatters.layouts import node_label, task_title
from ai_infra_formatters.output import get_formatter
from ai_infra_formatters.protocol import StreamFormatter
from ai_infra_formatters.text_safety import safe_cut
from ai_infra_formatters.writer import EventWriter

__all__ = ["LiveProgressView"]

#: Events the live widget shows by itself instead of printing a line for them.
_WIDGET_ONLY: Final = frozenset(
    {"token", "reasoning", "node_start", "node_end", "progress", "state_update"}
)
_TASK_ENDS: Final = frozenset({"task_complete", "task_failed", "task_skipped"})
#: The longest task or node label the widget shows (longer ones are cut, with a marker).
_LABEL_LIMIT: Final = 200
#: The largest task count the widget believes (a bigger one is ignored).
_MAX_COUNT: Final = 2**31


def _label(text: str | None) -> str:
    """*text* as the widget shows it: safe for a terminal, on one line, cut when long."""
    return safe_cut(text or "", _LABEL_LIMIT)


def _closed_stream() -> TextIO:
    """A stream that is closed: writing to it fails as writing to a closed stdout does."""
    stream = io.StringIO()
    stream.close()
    return stream


def _count(value: Any) -> int | None:
    """*value* as a task count (a whole number from 0 to 2**31), else ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return int(value) if 0 <= value <= _MAX_COUNT else None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return _count(int(value))
    return None


class LiveProgressView:
    """Show executor events on a Rich console; a live progress display in a terminal.

    Use it as a context manager and hand it every event::

        with LiveProgressView(config=StreamingConfig(output_format="rich")) as view:
            async for event in executor.astream_events(state):
                view.handle(event)

    Args:
        console: the Rich console to draw on (default: a new one on
            ``config.output_stream``, else ``sys.stdout``). It decides whether
            the output is a terminal, its width and its colours.
        config: the streaming settings: the layout of event lines
            (``output_format``; ``json`` means NDJSON lines and never a live
            display), ``colors_enabled``, ``show_timing``, ``token_visibility``;
            nothing is shown when ``enabled`` is false.
        token_lines: how many rows of the agent's unfinished text the display shows
            at most (finished rows, or Markdown blocks, are printed above it).
        refresh_per_second: how often the display is redrawn.
        transient: remove the display when the view stops (default), as before
            a prompt and at the run's end; ``False`` leaves its last state on screen.
        live: ``False`` always writes lines; ``None`` (default) draws live when
            the console is a terminal and the layout is not JSON.
    """

    def __init__(
        self,
        console: Console | None = None,
        config: ExecutorStreamConfig | None = None,
        *,
        token_lines: int = 4,
        refresh_per_second: float = 12.0,
        transient: bool = True,
        live: bool | None = None,
    ) -> None:
        self.config = config if config is not None else ExecutorStreamConfig()
        stream: TextIO | None = cast(
            TextIO, console.file if console is not None else self.config.output_stream or sys.stdout
        )
        if stream is None:  # the process started with stdout closed
            stream = _closed_stream()
        # The live display writes through the guard (see ai_infra_executor.guarded_stream);
        # lines go through an EventWriter, which reports failures as the guard does.
        self._guard = GuardedStream(stream)
        self._writer = EventWriter(stream)
        self._unguarded: TextIO | None = None
        self.console = console if console is not None else Console(file=cast(TextIO, self._guard))
        self.token_lines = token_lines
        self.refresh_per_second = refresh_per_second
        self.transient = transient
        layout = self.config.output_format
        self.formatter: StreamFormatter
        if layout is OutputFormat.JSON:
            self.formatter = JsonFormatter(visibility=self.config.token_visibility)
        elif layout.is_web:  # SSE frames of a web protocol, by its encoder (one a view)
            self.formatter = get_formatter(layout)
        else:
            self.formatter = ConsoleFormatter(
                layout,
                colors_enabled=self.config.colors_enabled,
                show_timing=self.config.show_timing,
                visibility=self.config.token_visibility,
                console=self.console,
                markdown=self.config.markdown,
            )
        #: Whether events are drawn live (a terminal and a console layout) or as lines.
        self.is_live = live is not False and self.console.is_terminal and layout.is_console
        self._lock = threading.RLock()
        self._live: Live | None = None
        self._spinner = Spinner("dots", style="progress.spinner")
        self._label = "Waiting for the run to start"
        self._done = 0
        self._total: int | None = None
        self._failed = False
        self._started_at: float | None = None  # time.monotonic() at run_start
        self._ended_ms: float | None = None  # the run's duration, once it ended
        self._running_nodes: list[str] = []
        self._pane = TokenPane(self._pane_width())
        #: The answer as Markdown in the live display (``None``: rows of text).
        self._answer = (
            MarkdownPane()
            if self.config.markdown and layout in (OutputFormat.PLAIN, OutputFormat.RICH)
            else None
        )
        self._summary = RunSummary(colors=self.config.colors_enabled)
        self._task: tuple[str | None, str] | None = None  # the current task: title, label
        self._hidden = False  # stopping: the widget draws nothing
        #: A run_start was shown by announce(): the run's own is not shown again.
        self._announced = False

    # -- lifecycle ------------------------------------------------------------

    def start(self) -> None:
        """Start drawing (a no-op when not live or already started).

        Raises:
            StreamClosedError: the reader of the console's stream went away.
            StreamWriteError: writing to it failed otherwise.
        """
        with self._lock:
            if not self.is_live or self._live is not None:
                return
            self._guard_console()
            self._hidden = False
            # Rich's own transient stop writes a bare carriage return; the view
            # erases itself by drawing nothing as it stops (see stop()).
            # The view itself is the renderable: each drawing (a refresh, a line
            # printed above) asks it for its state then.
            live = self._live = Live(
                self,
                console=self.console,
                refresh_per_second=self.refresh_per_second,
                transient=False,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            live.start()
        if self._guard.failed:
            # Never leave a display (and its refresh thread) running on a dead stream.
            with self._lock:
                self._live = None
            live.stop()
            self._unguard_console()
            self._guard.raise_failure()

    def stop(self) -> None:
        """Stop drawing; :meth:`start` resumes it.

        The display is erased (unless the view is not ``transient``): what stays
        on the terminal is what was printed above it, and the cursor is where the
        display began. Call it before asking the user something on the same
        terminal: the question then comes right under the run's lines.

        Raises:
            StreamClosedError: the reader of the console's stream went away (once).
            StreamWriteError: writing to it failed otherwise.
        """
        with self._lock:
            live, self._live = self._live, None
            # Its last drawing, as it stops, is nothing: no trace left.
            self._hidden = self.transient
        if live is not None:
            try:
                live.stop()
            finally:
                self._unguard_console()
                with self._lock:
                    self._hidden = False
            self._guard.raise_failure()
        if not self.is_live:
            self._writer.end_line()

    def finish(self) -> None:
        """End the output for good, once the run is over: a web protocol's closing
        frames (``ag-ui``: the run's end; ``vercel-ai``: the message's ``finish`` and
        ``[DONE]``); for other formats, the close of an open token line.

        Raises:
            StreamClosedError, StreamWriteError: as :meth:`stop`.
        """
        self.stop()
        self._writer.end_stream(self.formatter)
        self._writer.flush()  # the last lines now, not when a flush timer gets to them

    def _guard_console(self) -> None:
        """Make the console write through the guard while the display is live."""
        console = self.console
        guard = cast(TextIO, self._guard)
        if console.file is not guard:
            self._unguarded = cast(TextIO, console.file)
            console.file = guard

    def _unguard_console(self) -> None:
        """Give a console the caller passed in its own stream back."""
        if self._unguarded is not None:
            self.console.file, self._unguarded = self._unguarded, None

    def __enter__(self) -> LiveProgressView:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            self.stop()
            return
        # Already leaving with an error (often the stream's own): stopping may fail on
        # the same stream, and must not replace the error the caller is to see.
        with contextlib.suppress(OSError):
            self.stop()

    # -- events ---------------------------------------------------------------

    def announce(self, event: Any) -> None:
        """Show the run's ``run_start`` *event* now, before the run streams it.

        For a run that takes a while to begin (the demo imports LangGraph first):
        the header is on screen at once, and the ``run_start`` the run then
        streams is taken in (the count of tasks, the clock) without being shown
        twice. JSON output shows only the run's own event.

        Raises:
            StreamClosedError: the reader of the stream went away.
            StreamWriteError: writing to the stream failed otherwise.
        """
        if not self.config.enabled or not self.config.output_format.is_console:
            return
        self.handle(event)
        with self._lock:
            self._started_at = None  # the run's clock starts with the run
            self._label = "Starting"
            self._announced = True

    def handle(self, event: Any) -> None:
        """Show *event* (any event ai-infra-formatters reads; a malformed one too).

        Raises:
            StreamClosedError: the reader of the stream went away (once: later
                events are dropped).
            StreamWriteError: writing to the stream failed otherwise.
        """
        if not self.config.enabled:
            return
        if not self.is_live:
            if self._announced and event_to_dict(event)["type"] == "run_start":
                self._announced = False
                return
            self._writer.write(event, self.formatter)
            return
        if self._guard.failed:
            self._guard.raise_failure()
            return  # the reader went away: drop the event
        self._show(event)
        self._guard.raise_failure()

    def _show(self, event: Any) -> None:
        fields = event_to_dict(event)
        etype = fields["type"]
        rows: list[RenderableType] = []
        with self._lock:
            shown = True
            # Fields no reading survives (a mapping whose get() raises): the widget
            # keeps its state; the event's line is still printed below.
            with contextlib.suppress(Exception):
                shown = self._track(etype, fields, event, rows)
            live = self._live
        # Drawing happens outside the lock: Live's own lock is taken while it draws.
        above: list[RenderableType] = rows
        if etype not in _WIDGET_ONLY and shown:
            line = self.formatter.format(event)
            if line:
                with self._lock:
                    # The agent's text so far goes above first, as a line of its own.
                    above += self._finished_text()
                    summary = self._summary_of(etype, fields, line)
                above.append(summary if summary is not None else Text.from_ansi(line))
        if above:
            self._print_above(above, live)
        elif live is not None:
            live.refresh()

    def _summary_of(self, etype: str, fields: dict[str, Any], line: str) -> Text | None:
        """The run's summary, for a ``run_end`` whose formatter line is *line*."""
        if etype != "run_end":
            return None
        data = fields.get("data")
        return self._summary.render(line, data if isinstance(data, Mapping) else {})

    @staticmethod
    def _indented(row: Text) -> Text:
        return Text("  ") + row

    def _print_above(self, renderables: list[RenderableType], live: Live | None) -> None:
        group = Group(*renderables)
        if live is not None:
            live.console.print(group, soft_wrap=True)
            return
        self._guard_console()  # not started: the console is not guarded yet
        try:
            self.console.print(group, soft_wrap=True)
        finally:
            self._unguard_console()

    def _pane_width(self) -> int:
        return max(self.console.width - 2, 10)

    def _finished_text(self) -> list[RenderableType]:
        """End the agent's text being written; return what of it goes above (rows of
        reasoning or text, the answer's last Markdown block)."""
        above: list[RenderableType] = [self._indented(row) for row in self._pane.finish()]
        if self._answer is not None:
            above += self._answer.finish()
        return above

    def _track(
        self, etype: str, fields: dict[str, Any], event: Any, rows: list[RenderableType]
    ) -> bool:
        """Take *event* into the widget's state; append the agent's finished rows to
        *rows*. Returns whether the event's line is to be shown."""
        data = fields.get("data")
        if not isinstance(data, Mapping):
            data = {}
        if etype == "run_start":
            self._total = _count(data.get("total_tasks")) or None
            self._started_at, self._ended_ms = time.monotonic(), None
            if self._announced:  # already on screen
                self._announced = False
                return False
            self._label = "Starting"
        elif etype == "task_start":
            self._total = _count(data.get("total_tasks")) or self._total
            rows += self._finished_text()
            self._ended_ms = None  # a task after a run_end: the run goes on
            label = self._task_label(fields)
            self._task = (task_title(fields), label)
            self._label = label
        elif etype in _TASK_ENDS:
            self._done += 1
            rows += self._finished_text()
            if etype == "task_failed":
                self._failed = True
            self._summary.record(etype, fields, self._end_label(fields))
        elif etype == "run_end":
            counts = [_count(data.get(k)) for k in ("completed", "failed", "skipped")]
            if any(n is not None for n in counts):
                self._done = sum(n or 0 for n in counts)
            self._running_nodes.clear()
            rows += self._finished_text()
            self._ended_ms = self._run_duration(fields.get("duration_ms"))
            self._label = "Run complete"
        elif etype == "node_start":
            self._running_nodes.append(_label(node_label(fields)))
        elif etype in ("node_end", "node_error", "interrupt"):
            # An interrupted node gets no node_end: it runs again from its start.
            label = _label(node_label(fields))
            if label in self._running_nodes:
                index = len(self._running_nodes) - 1 - self._running_nodes[::-1].index(label)
                del self._running_nodes[index]
        elif etype in ("token", "reasoning"):
            rows += self._streamed_text(etype, fields, event)
        elif etype in ("tool_start", "tool_end"):
            # The model's text before and after a tool call are separate answers.
            rows += self._finished_text()
        return True

    def _streamed_text(
        self, etype: str, fields: dict[str, Any], event: Any
    ) -> list[RenderableType]:
        """Take a ``token`` or ``reasoning`` *event* into the panes; return what it
        finished, to go above."""
        answer = self._answer
        content = fields.get("content")
        if answer is not None and etype == "token" and isinstance(content, str):
            # The answer as Markdown: a row of reasoning before it ends first.
            return [self._indented(row) for row in self._pane.finish()] + answer.add(content)
        above = answer.finish() if answer is not None else []  # reasoning: the answer so far
        text = self.formatter.format(event)
        if text:
            self._pane.width = self._pane_width()
            kind: Kind = "reasoning" if etype == "reasoning" else "token"
            above += [self._indented(row) for row in self._pane.add(Text.from_ansi(text), kind)]
        return above

    def _run_duration(self, duration_ms: Any) -> float | None:
        """The run's duration: the ``run_end``'s own, else as this view's clock says."""
        number = isinstance(duration_ms, (int, float)) and not isinstance(duration_ms, bool)
        if number and math.isfinite(duration_ms) and duration_ms >= 0:
            return float(duration_ms)
        if self._started_at is None:
            return None
        return (time.monotonic() - self._started_at) * 1000

    def _end_label(self, fields: dict[str, Any]) -> str:
        """How the summary names the task a ``task_failed`` / ``task_skipped`` ended:
        as its ``task_start`` did (with its number), else by its title."""
        title = task_title(fields)
        if self._task is not None and (title is None or title == self._task[0]):
            return self._task[1]
        return _label(title or "Task")

    @staticmethod
    def _task_label(fields: dict[str, Any]) -> str:
        message = fields.get("message")
        prefix = "Starting task "
        if isinstance(message, str) and message.startswith(prefix):
            return _label(message[len(prefix) :].replace("]:", "]", 1))
        return _label(task_title(fields) or "Task")

    # -- drawing --------------------------------------------------------------

    def __rich__(self) -> RenderableType:
        """The live widget as it is now: status line, running node, the agent's
        unfinished row; nothing once the run has ended (its summary says it all)."""
        with self._lock:
            if self._hidden or self._ended_ms is not None:
                return Group()
            elapsed: float | None = None
            if self._started_at is not None:
                elapsed = (time.monotonic() - self._started_at) * 1000
            parts: list[RenderableType] = [
                StatusLine(
                    self._label,
                    done=self._done,
                    total=self._total,
                    elapsed_ms=elapsed,
                    failed=self._failed,
                    spinner=self._spinner,
                )
            ]
            if self._running_nodes:
                node = self._running_nodes[-1]
                parts.append(Text.assemble(("  node: ", "dim"), (node, "bold")))
            tail = self._pane.tail
            if tail.plain:
                lines = list(tail.wrap(self.console, self._pane_width()))[-self.token_lines :]
                parts.append(Text("  ") + Text("\n  ").join(lines))
            if self._answer is not None:
                rows = self._answer.live_rows(self._pane_width(), self.token_lines)
                if rows is not None:
                    parts.append(rows)
            return Group(*parts)
