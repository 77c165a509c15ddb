"""`StreamFormatter`: what every formatter looks like from the outside."""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

__all__ = ["StreamFormatter"]


@runtime_checkable
class StreamFormatter(Protocol):
    """Anything that turns one stream event into text.

    The event may be any shape the package accepts (see
    :func:`ai_infra_formatters.events.event_to_dict`). The returned string carries
    no trailing newline; an empty string means "nothing to show for this event at
    the formatter's settings" (for example a tool event under ``minimal``
    visibility).
    """

    def format(self, event: Any) -> str:
        """Render *event* as text."""
        ...
