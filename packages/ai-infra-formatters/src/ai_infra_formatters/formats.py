"""`OutputFormat`: the four ways an event can be shown."""

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

    def __str__(self) -> str:
        return self.value

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
