"""`RunSummary`: how a run ended, as the live view prints it last.

::

    ■ Executor run complete: 2 completed, 1 failed, 1 skipped (2.97s)
      ✗ [3/4] Validate request bodies - tests did not pass: 2 failed, 4 passed
      ○ [2/4] Set up the project layout - already checked off in the roadmap

The headline is the formatter's ``run_end`` line; when a task failed it is drawn
in the failure style instead of the run's. Under it, every failed task, then every
skipped one, with why (the ``task_failed`` event's ``error``, the
``task_skipped`` event's ``reason``): a run's end says what needs a look without
scrolling back. A long list is cut after :data:`LISTED` of each kind, with a count
of the rest.

Every text here is made safe by ai-infra-formatters' ``text_safety``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from rich.text import Text

from ai_infra_formatters.text_safety import safe_cut

__all__ = ["FAILURE_STYLE", "LISTED", "RunSummary", "TaskEnd"]

#: The style of a failed task's line (ai-infra-formatters' theme for ``task_failed``).
FAILURE_STYLE: Final = "bold red"
SKIPPED_STYLE: Final = "dim"
#: How many failed (and how many skipped) tasks the summary lists at most.
LISTED: Final = 20
#: The longest reason shown (longer ones are cut, with a marker).
_REASON_LIMIT: Final = 300


@dataclass(frozen=True)
class TaskEnd:
    """A task that did not complete.

    Attributes:
        label: the task as the view names it (safe), e.g. ``[3/4] Validate request bodies``.
        reason: why it failed or was skipped (safe; may be empty).
    """

    label: str
    reason: str


def _reason(fields: Mapping[str, Any], data: Mapping[str, Any], *keys: str) -> str:
    """The first text among *fields*' and *data*'s *keys*, made safe; ``""`` without one."""
    for source in (fields, data):
        for key in keys:
            value = source.get(key)
            if isinstance(value, str) and value:
                return safe_cut(value, _REASON_LIMIT)
    return ""


class RunSummary:
    """The tasks of a run that failed or were skipped, and the summary lines they make.

    Args:
        colors: draw the failure and skipped styles (``False``: text only).
    """

    def __init__(self, colors: bool = True) -> None:
        self.colors = colors
        self.failed: list[TaskEnd] = []
        self.skipped: list[TaskEnd] = []

    def record(self, etype: str, fields: Mapping[str, Any], label: str) -> None:
        """Note a ``task_failed`` or ``task_skipped`` event (*fields*) of the task *label*."""
        data = fields.get("data")
        if not isinstance(data, Mapping):
            data = {}
        if etype == "task_failed":
            self.failed.append(TaskEnd(label, _reason(fields, data, "error")))
        elif etype == "task_skipped":
            self.skipped.append(TaskEnd(label, _reason(fields, data, "reason")))

    def any_failed(self, data: Mapping[str, Any]) -> bool:
        """Whether the run failed a task: one was recorded, or the ``run_end`` *data* counts one."""
        failed = data.get("failed")
        counted = isinstance(failed, int) and not isinstance(failed, bool) and failed > 0
        return counted or bool(self.failed)

    def render(self, headline: str, data: Mapping[str, Any]) -> Text:
        """The summary: the ``run_end`` line *headline* (as the formatter wrote it,
        with its styles) and the failed and skipped tasks; *data* is ``run_end``'s data."""
        text = Text.from_ansi(headline)
        if self.any_failed(data):
            text = Text(text.plain, style=self._style(FAILURE_STYLE))
        for symbol, ends, style, kind in (
            ("\u2717", self.failed, FAILURE_STYLE, "failed"),
            ("\u25cb", self.skipped, SKIPPED_STYLE, "skipped"),
        ):
            for end in ends[:LISTED]:
                line = f"{symbol} {end.label}"
                text.append("\n  ")
                text.append(f"{line} - {end.reason}" if end.reason else line, self._style(style))
            if len(ends) > LISTED:
                text.append("\n  ")
                rest = f"\u2026 and {len(ends) - LISTED} more {kind}"
                text.append(rest, style=self._style(style))
        return text

    def _style(self, style: str) -> str:
        return style if self.colors else ""
