"""Server-Sent Events framing shared by the web protocol encoders.

A frame is ``data: {json}`` and a blank line; the JSON is compact (one line) and
has the characters a terminal acts on escaped as ``\\u`` sequences, exactly as
:class:`~ai_infra_formatters.json_format.JsonFormatter` writes them, so a stream
dumped to a terminal by ``curl`` is as safe as the NDJSON one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ai_infra_formatters.json_format import _escape_terminal_controls, dumps_event

__all__ = ["SSE_HEADERS", "as_text", "sse_frame", "wire_json"]

#: The response headers of an event stream: no caching, and no buffering by proxies
#: (nginx reads ``X-Accel-Buffering``), so each frame reaches the page as it is sent.
SSE_HEADERS: Final[Mapping[str, str]] = {
    "Content-Type": "text/event-stream",
    "Cache-Control": "no-cache",
    "Connection": "keep-alive",
    "X-Accel-Buffering": "no",
}


def wire_json(payload: Any) -> str:
    """*payload* as compact JSON text, terminal controls escaped (never raises: what
    JSON cannot hold becomes text, as in :func:`~ai_infra_formatters.json_format.dumps_event`)."""
    return _escape_terminal_controls(dumps_event(payload)).decode("utf-8")


def as_text(value: Any) -> str:
    """*value* for a protocol's string field: a str as it is, anything else as its JSON."""
    return value if isinstance(value, str) else wire_json(value)


def sse_frame(payload: Any) -> str:
    """One SSE frame whose data is *payload* as JSON; a str is sent as it is (a
    protocol's end marker, ``[DONE]``), and must be one line.

    Raises:
        ValueError: a str *payload* holds a line break.
    """
    if isinstance(payload, str):
        if "\n" in payload or "\r" in payload:
            raise ValueError("an SSE data line cannot hold a line break")
        return f"data: {payload}\n\n"
    return f"data: {wire_json(payload)}\n\n"
