"""`LiveProgressView`: an executor run on a Rich console, as it happens.

In a terminal it is a Rich live display: a progress bar of tasks done / total
with the elapsed time, the current task and node, and the tokens the current
task is streaming; every other event (a task completed, a tool called, an
interrupt, ...) is printed above the display as it happens. When the console is
not a terminal (a pipe, a file, CI) it degrades to line output: one line an
event, tokens inline.

Every event line comes from ai-infra-formatters (the config's layout, on this
view's console); this module only draws the live widget around them. The text
the widget shows of an event (task title, node, namespace) is made safe by
:func:`ai_infra_formatters.text_safety.safe_cut`, like every formatter line; a
malformed event (fields of the wrong type, text whose ``str()`` raises) never
makes the view raise.
"""

from __future__ import annotations

import contextlib
import io
import math
import sys
import threading
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Final, TextIO, cast

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

from ai_infra_executor.config import ExecutorStreamConfig
from ai_infra_executor.guarded_stream import GuardedStream
from ai_infra_formatters.console import ConsoleFormatter
from ai_infra_formatters.events import event_to_dict
from ai_infra_formatters.formats import OutputFormat
from ai_infra_formatters.json_format import JsonFormatter
from ai_infra_formatters.layouts import node_label, task_title
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
        token_lines: how many lines of the current task's tokens the display shows.
        refresh_per_second: how often the display is redrawn.
        transient: remove the display when the view stops (default: leave the
            last state on screen).
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
        transient: bool = False,
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
        else:
            self.formatter = ConsoleFormatter(
                layout,
                colors_enabled=self.config.colors_enabled,
                show_timing=self.config.show_timing,
                visibility=self.config.token_visibility,
                console=self.console,
            )
        #: Whether events are drawn live (a terminal and a console layout) or as lines.
        self.is_live = (
            live is not False and self.console.is_terminal and layout is not OutputFormat.JSON
        )
        self._lock = threading.RLock()
        self._live: Live | None = None
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", markup=False),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.console,
        )
        self._bar: TaskID = self._progress.add_task("Waiting for the run to start", total=None)
        self._done = 0
        self._total: int | None = None
        self._running_nodes: list[str] = []
        self._tokens = Text()
        self._pane_kind = "token"

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
            live = self._live = Live(
                console=self.console,
                get_renderable=self.__rich__,
                refresh_per_second=self.refresh_per_second,
                transient=self.transient,
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
        """Stop drawing and leave the display as it is; :meth:`start` resumes it.

        Call it before asking the user something on the same terminal.

        Raises:
            StreamClosedError: the reader of the console's stream went away (once).
            StreamWriteError: writing to it failed otherwise.
        """
        with self._lock:
            live, self._live = self._live, None
        if live is not None:
            try:
                live.stop()
            finally:
                self._unguard_console()
            self._guard.raise_failure()
        if not self.is_live:
            self._writer.end_line()

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
        with self._lock:
            # Fields no reading survives (a mapping whose get() raises): the widget
            # keeps its state; the event's line is still printed below.
            with contextlib.suppress(Exception):
                self._track(etype, fields, event)
            live = self._live
        # Drawing happens outside the lock: Live's own lock is taken while it draws.
        if etype in _WIDGET_ONLY:
            if live is not None:
                live.refresh()
            return
        line = self.formatter.format(event)
        if line:
            self._print_above(line, live)

    def _print_above(self, line: str, live: Live | None) -> None:
        text = Text.from_ansi(line)
        if live is not None:
            live.console.print(text, soft_wrap=True)
            return
        self._guard_console()  # not started: the console is not guarded yet
        try:
            self.console.print(text, soft_wrap=True)
        finally:
            self._unguard_console()

    def _track(self, etype: str, fields: dict[str, Any], event: Any) -> None:
        data = fields.get("data")
        if not isinstance(data, Mapping):
            data = {}
        progress, bar = self._progress, self._bar
        if etype == "run_start":
            self._total = _count(data.get("total_tasks")) or None
            progress.update(bar, description="Starting", total=self._total)
        elif etype == "task_start":
            self._total = _count(data.get("total_tasks")) or self._total
            self._tokens, self._pane_kind = Text(), "token"
            progress.update(bar, description=self._task_label(fields), total=self._total)
        elif etype in _TASK_ENDS:
            self._done += 1
            progress.update(bar, completed=self._done, total=self._total)
        elif etype == "run_end":
            counts = [_count(data.get(k)) for k in ("completed", "failed", "skipped")]
            if any(n is not None for n in counts):
                self._done = sum(n or 0 for n in counts)
            self._running_nodes.clear()
            progress.update(
                bar, description="Run complete", completed=self._done, total=self._total
            )
        elif etype == "node_start":
            self._running_nodes.append(_label(node_label(fields)))
        elif etype in ("node_end", "node_error", "interrupt"):
            # An interrupted node gets no node_end: it runs again from its start.
            label = _label(node_label(fields))
            if label in self._running_nodes:
                index = len(self._running_nodes) - 1 - self._running_nodes[::-1].index(label)
                del self._running_nodes[index]
        elif etype in ("token", "reasoning"):
            text = self.formatter.format(event)
            if text:
                if etype != self._pane_kind:
                    # Reasoning and the answer never share a line of the pane.
                    if self._tokens.plain[-1:] not in ("", "\n"):
                        self._tokens.append("\n")
                    if etype == "reasoning":
                        self._tokens.append("\u2234 ", style="dim italic")
                    self._pane_kind = etype
                self._tokens.append_text(Text.from_ansi(text))
        elif etype in ("tool_start", "tool_end") and self._tokens.plain[-1:] not in ("", "\n"):
            # The model's text before and after a tool call are separate answers.
            self._tokens.append("\n")

    @staticmethod
    def _task_label(fields: dict[str, Any]) -> str:
        message = fields.get("message")
        prefix = "Starting task "
        if isinstance(message, str) and message.startswith(prefix):
            return _label(message[len(prefix) :].replace("]:", "]", 1))
        return _label(task_title(fields) or "Task")

    # -- drawing --------------------------------------------------------------

    def __rich__(self) -> RenderableType:
        """The live widget as it is now: progress bar, current node, token tail."""
        with self._lock:
            node = self._running_nodes[-1] if self._running_nodes else "-"
            status = Text.assemble(("  node: ", "dim"), (node, "bold"))
            parts: list[RenderableType] = [self._progress, status]
            if self._tokens:
                width = max(self.console.width - 4, 10)
                lines = self._tokens.wrap(self.console, width)
                tail = list(lines)[-self.token_lines :]
                parts.append(Text("  ") + Text("\n  ").join(tail))
            return Group(*parts)
