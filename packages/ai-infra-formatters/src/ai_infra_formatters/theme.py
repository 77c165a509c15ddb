"""The default Rich theme: one style name per event type and a few shared ones.

Override any of them by passing ``theme=`` to :class:`ConsoleFormatter` (a
``rich.theme.Theme`` or a mapping of style name to Rich style definition).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from rich.style import Style
from rich.theme import Theme

__all__ = ["DEFAULT_STYLES", "DEFAULT_THEME", "resolve_styles"]

DEFAULT_STYLES: Final[Mapping[str, str]] = {
    "ai_infra.token": "none",
    "ai_infra.thinking": "dim",
    "ai_infra.reasoning": "dim italic",
    "ai_infra.tool_start": "cyan",
    "ai_infra.tool_end": "green",
    "ai_infra.usage": "dim",
    "ai_infra.turn_start": "blue",
    "ai_infra.turn_end": "blue",
    "ai_infra.intent": "italic",
    "ai_infra.todo": "yellow",
    "ai_infra.done": "bold green",
    "ai_infra.error": "bold red",
    "ai_infra.run_start": "bold blue",
    "ai_infra.run_end": "bold blue",
    "ai_infra.node_start": "cyan",
    "ai_infra.node_end": "dim cyan",
    "ai_infra.node_error": "bold red",
    "ai_infra.state_update": "dim",
    "ai_infra.task_start": "bold yellow",
    "ai_infra.task_complete": "bold green",
    "ai_infra.task_failed": "bold red",
    "ai_infra.task_skipped": "dim",
    "ai_infra.progress": "dim",
    "ai_infra.interrupt": "bold magenta",
    "ai_infra.resume": "magenta",
    "ai_infra.unknown": "none",
    "ai_infra.node": "bold cyan",
    "ai_infra.tool": "bold cyan",
    "ai_infra.timing": "dim",
    "ai_infra.timestamp": "dim",
    "ai_infra.detail_key": "dim",
    "ai_infra.detail_value": "none",
}

DEFAULT_THEME: Final = Theme(dict(DEFAULT_STYLES), inherit=False)


def resolve_styles(theme: Theme | Mapping[str, str | Style] | None) -> dict[str, Style]:
    """The default styles with *theme*'s entries laid over them."""
    styles = dict(DEFAULT_THEME.styles)
    if theme is None:
        return styles
    overrides = theme.styles if isinstance(theme, Theme) else theme
    for name, value in overrides.items():
        styles[name] = value if isinstance(value, Style) else Style.parse(value)
    return styles
