"""`OutputFormat`: the ways an event can be shown: three console layouts, NDJSON and two
web protocols."""

from __future__ import annotations

from enum import Enum

__all__ = ["OutputFormat"]


class OutputFormat(str, Enum):
    """How stream events are rendered.

    A ``str`` enum, so ``OutputFormat.JSON == "json"``. Parse user input with
    :meth:`parse`, which is case-insensitive and names the valid choices when it
    rejects a value.
    """

    PLAIN = "plain"
    RICH = "rich"
    JSON = "json"
    MINIMAL = "minimal"
    #: AG-UI events as SSE frames (:class:`~ai_infra_formatters.ag_ui.AgUiEncoder`).
    AG_UI = "ag-ui"
    #: The AI SDK UI message stream (:class:`~ai_infra_formatters.vercel_ai.VercelAiEncoder`).
    VERCEL_AI = "vercel-ai"

    def __str__(self) -> str:
        return self.value

    @property
    def is_console(self) -> bool:
        """Whether this is a console layout (``plain``, ``rich``, ``minimal``)."""
        return self in (OutputFormat.PLAIN, OutputFormat.RICH, OutputFormat.MINIMAL)

    @property
    def is_web(self) -> bool:
        """Whether this is a web protocol (``ag-ui``, ``vercel-ai``): SSE frames from a
        stateful encoder whose stream :func:`~ai_infra_formatters.output.end_stream` ends."""
        return self in (OutputFormat.AG_UI, OutputFormat.VERCEL_AI)

    @classmethod
    def parse(cls, value: OutputFormat | str) -> OutputFormat:
        """Return the member for *value* (a member, or its name or value in any case).

        Raises:
            ValueError: *value* names no format; the message lists the choices.
        """
        if isinstance(value, cls):
            return value
        if isinstance(value, str):
            member = cls._value2member_map_.get(value.strip().lower())
            if isinstance(member, cls):
                return member
        choices = ", ".join(repr(m.value) for m in cls)
        raise ValueError(f"unknown output format {value!r}; choose one of {choices}")

    @classmethod
    def _missing_(cls, value: object) -> OutputFormat | None:
        # OutputFormat("JSON") and OutputFormat(" json ") work like parse().
        if isinstance(value, str):
            member = cls._value2member_map_.get(value.strip().lower())
            if isinstance(member, cls):
                return member
        return None
