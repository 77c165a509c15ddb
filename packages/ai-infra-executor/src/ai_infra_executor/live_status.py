"""`StatusLine`: the live view's first line, fitted to the terminal's width.

``⠋ [3/4] Validate request bodies ━━━━━━━━━━━━━━━━━━╺━━━━━━━━━━━ 2.97s``: a
spinner, the current task (its number of the run's tasks, then its title), a bar
of the tasks done and the run's elapsed time, in the format of the run's summary
(``234ms``, ``2.97s``, ``2m 03.4s``: ai-infra-formatters' ``format_duration``).
There is one count (the task's number; the bar shows how much is done, without a
second number) and one clock (the run's, from its ``run_start``).

When the line does not fit, whole parts are dropped, never cut: first the bar,
then the clock. The task is always shown; only a title wider than the whole line
is cut, with an ellipsis.
"""

from __future__ import annotations

from typing import Final

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderResult
from rich.progress_bar import ProgressBar
from rich.segment import Segment
from rich.spinner import Spinner
from rich.text import Text

from ai_infra_formatters.layouts import format_duration

__all__ = ["StatusLine"]

#: The narrowest bar worth drawing, and the widest drawn (Rich's default width).
BAR_MIN: Final = 10
BAR_MAX: Final = 40


class StatusLine:
    """The progress line of the live view, as it is at one moment.

    Args:
        label: the current task (already made safe for a terminal), or what the
            run is doing (``Starting``).
        done: how many tasks have ended.
        total: how many tasks the run has (``None``: unknown, the bar pulses).
        elapsed_ms: the run's elapsed time (``None``: not started, no clock).
        failed: a task has failed: the bar is drawn in the failure style.
        spinner: the spinner to draw (one per view, so that it turns).
    """

    def __init__(
        self,
        label: str,
        *,
        done: int,
        total: int | None,
        elapsed_ms: float | None,
        failed: bool = False,
        spinner: Spinner | None = None,
    ) -> None:
        self.label = label
        self.done = done
        self.total = total
        self.elapsed_ms = elapsed_ms
        self.failed = failed
        self.spinner = spinner if spinner is not None else Spinner("dots", style="green")

    def clock(self) -> str:
        """The elapsed time as the summary writes durations; ``""`` before the run starts."""
        if self.elapsed_ms is None:
            return ""
        return format_duration(self.elapsed_ms) or ""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        width = options.max_width
        spinner = self.spinner.render(console.get_time())
        spinner_text = spinner if isinstance(spinner, Text) else Text("")
        spinner_text.truncate(1, pad=True)
        label = Text(self.label, no_wrap=True, overflow="ellipsis")
        room = width - 2 - cell_len(self.label)  # the spinner and a space come first
        if room < 0:
            label.truncate(max(width - 2, 1), overflow="ellipsis")
        clock = self.clock()
        show_clock = bool(clock) and room >= cell_len(clock) + 1
        if show_clock:
            room -= cell_len(clock) + 1
        bar_width = min(BAR_MAX, room - 1)
        yield from Text.assemble(spinner_text, " ", label).render(console)
        if bar_width >= BAR_MIN:
            yield Segment(" ")
            yield from console.render(self._bar(bar_width), options.update(width=bar_width))
        if show_clock:
            yield Segment(" ")
            yield from Text(clock, style="progress.elapsed").render(console)
        yield Segment.line()

    def _bar(self, width: int) -> ProgressBar:
        style = "red" if self.failed else "bar.complete"
        return ProgressBar(
            total=None if self.total is None else float(max(self.total, 1)),
            completed=float(self.done),
            width=width,
            complete_style=style,
            finished_style="red" if self.failed else "bar.finished",
        )
