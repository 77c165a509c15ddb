"""`sse_stream`: the body of a web response that streams a run in a web protocol.

Give it the run's events (an async iterable, as ``StreamingExecutor.astream_events``
yields them, or a plain iterable) and an encoder (:class:`~ai_infra_formatters.ag_ui.AgUiEncoder`,
:class:`~ai_infra_formatters.vercel_ai.VercelAiEncoder`); it yields the SSE frames,
and always ends the stream the protocol's way: when the events run out, or with
the protocol's error when the producer raises (the error's type and message; the
exception is then raised again for the server to log). A client that goes away
(the generator is closed) stops the run without any more frames.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Iterable
from typing import Any, Protocol

__all__ = ["WebEncoder", "sse_stream"]


class WebEncoder(Protocol):
    """What :func:`sse_stream` needs of an encoder."""

    def format(self, event: Any) -> str:
        """The SSE frames of one event."""
        ...

    def close(self, error: str | None = None) -> str:
        """The SSE frames that end the stream (the protocol's error with *error*)."""
        ...


async def sse_stream(
    events: AsyncIterable[Any] | Iterable[Any], encoder: WebEncoder
) -> AsyncIterator[str]:
    """The SSE frames of *events* by *encoder*, ended properly whatever happens."""
    try:
        if isinstance(events, AsyncIterable):
            iterator = aiter(events)
            try:
                async for event in iterator:
                    if frames := encoder.format(event):
                        yield frames
            finally:  # a client gone away stops the run now, not when it is collected
                close = getattr(iterator, "aclose", None)
                if close is not None:
                    await close()
        else:
            for event in events:
                if frames := encoder.format(event):
                    yield frames
    except Exception as exc:
        yield encoder.close(f"{type(exc).__name__}: {exc}")
        raise
    yield encoder.close()
