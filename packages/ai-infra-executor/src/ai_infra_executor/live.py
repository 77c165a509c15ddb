"""`LiveProgressView`: an executor run on a Rich console, as it happens.

In a terminal it is a Rich live display: a progress bar of tasks done / total
with the elapsed time, the current task and node, and the tokens the current
task is streaming; every other event (a task completed, a tool called, an
interrupt, ...) is printed above the display as it happens. When the console is
not a terminal (a pipe, a file, CI) it degrades to line output: one line an
event, tokens inline.

Every event line comes from ai-infra-formatters (the config's layout, on this
view's console); this module only draws the live widget around them.
"""

from __future__ import annotations

import contextlib
import threading
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
from ai_infra_formatters.console import ConsoleFormatter
from ai_infra_formatters.events import event_to_dict
from ai_infra_formatters.formats import OutputFormat
from ai_infra_formatters.json_format import JsonFormatter
from ai_infra_formatters.protocol import StreamFormatter
from ai_infra_formatters.writer import EventWriter

__all__ = ["LiveProgressView"]

#: Events the live widget shows by itself instead of printing a line for them.
_WIDGET_ONLY: Final = frozenset({"token", "node_start", "node_end", "progress", "state_update"})
_TASK_ENDS: Final = frozenset({"task_complete", "task_failed", "task_skipped"})
_PATH_SEP: Final = " \u203a "


def _node_label(fields: dict[str, Any]) -> str:
    """The path through the graph to a node inside a subgraph (``parent \u203a node``),
    else the node's name."""
    parts = [str(p).split(":", 1)[0] for p in fields.get("namespace") or ()]
    node = fields.get("node_name")
    if node:
        parts.append(str(node))
    return _PATH_SEP.join(parts)


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
        self.console = console if console is not None else Console(file=self.config.output_stream)
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
        self._writer = EventWriter(cast(TextIO, self.console.file))
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

    # -- lifecycle ------------------------------------------------------------

    def start(self) -> None:
        """Start drawing (a no-op when not live or already started)."""
        with self._lock:
            if not self.is_live or self._live is not None:
                return
            self._live = Live(
                console=self.console,
                get_renderable=self.__rich__,
                refresh_per_second=self.refresh_per_second,
                transient=self.transient,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()

    def stop(self) -> None:
        """Stop drawing and leave the display as it is; :meth:`start` resumes it.

        Call it before asking the user something on the same terminal.
        """
        with self._lock:
            live, self._live = self._live, None
        if live is not None:
            live.stop()
        if not self.is_live:
            self._writer.end_line()

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
        """Show *event* (any event ai-infra-formatters reads)."""
        if not self.config.enabled:
            return
        if not self.is_live:
            self._writer.write(event, self.formatter)
            return
        fields = event_to_dict(event)
        etype = fields["type"]
        with self._lock:
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
        console = live.console if live is not None else self.console
        console.print(text, soft_wrap=True)

    def _track(self, etype: str, fields: dict[str, Any], event: Any) -> None:
        data = fields.get("data") or {}
        progress, bar = self._progress, self._bar
        if etype == "run_start":
            total = data.get("total_tasks")
            self._total = total if isinstance(total, int) and total > 0 else None
            progress.update(bar, description="Starting", total=self._total)
        elif etype == "task_start":
            total = data.get("total_tasks")
            if isinstance(total, int) and total > 0:
                self._total = total
            self._tokens = Text()
            progress.update(bar, description=self._task_label(fields), total=self._total)
        elif etype in _TASK_ENDS:
            self._done += 1
            progress.update(bar, completed=self._done, total=self._total)
        elif etype == "run_end":
            self._done = sum(int(data.get(k) or 0) for k in ("completed", "failed", "skipped"))
            self._running_nodes.clear()
            progress.update(
                bar, description="Run complete", completed=self._done, total=self._total
            )
        elif etype == "node_start":
            self._running_nodes.append(_node_label(fields))
        elif etype in ("node_end", "node_error", "interrupt"):
            # An interrupted node gets no node_end: it runs again from its start.
            label = _node_label(fields)
            if label in self._running_nodes:
                index = len(self._running_nodes) - 1 - self._running_nodes[::-1].index(label)
                del self._running_nodes[index]
        elif etype == "token":
            text = self.formatter.format(event)
            if text:
                self._tokens.append_text(Text.from_ansi(text))
        elif etype in ("tool_start", "tool_end") and self._tokens.plain[-1:] not in ("", "\n"):
            # The model's text before and after a tool call are separate answers.
            self._tokens.append("\n")

    @staticmethod
    def _task_label(fields: dict[str, Any]) -> str:
        message = fields.get("message")
        prefix = "Starting task "
        if isinstance(message, str) and message.startswith(prefix):
            return message[len(prefix) :].replace("]:", "]", 1)
        task = fields.get("task") or {}
        return str(task.get("title") or task.get("id") or "Task")

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
