"""What the watch server's logs say, and what they keep out.

- **No secrets.** The ``?token=`` a browser's ``EventSource`` has to put in the URL
  (it cannot send an ``Authorization`` header) is blanked before uvicorn's access
  logger writes the line (:class:`RedactTokens`).
- **No error for an intended drop.** When the server drops a watcher that stopped
  reading, its response ends unfinished on purpose, and uvicorn would log "ASGI
  callable returned without completing response." at error level; the server has
  already said so at info. :class:`IntendedDrops` hides that one message for event
  streams (marked by :data:`EVENT_STREAM`) and nowhere else.

Stdlib only. :func:`install` adds both filters (once, however often called); ``serve``
and ``create_app`` call it.
"""

from __future__ import annotations

import logging
import re
from contextvars import ContextVar
from typing import Final

__all__ = [
    "EVENT_STREAM",
    "REDACTED",
    "IntendedDrops",
    "RedactTokens",
    "install",
    "redact",
]

#: What a token's value becomes in a logged URL.
REDACTED: Final = "[redacted]"

#: Set while a request serves an event stream (in the request's own context): its
#: response may end unfinished on purpose, when the watcher is dropped.
EVENT_STREAM: ContextVar[bool] = ContextVar("ai_infra_event_stream", default=False)

# ``token=`` as a query parameter: after ``?`` or ``&``, up to the next ``&`` or ``#``.
_TOKEN_PARAM: Final = re.compile(r"(?i)([?&]token=)[^&#\s]*")


def redact(text: str) -> str:
    """*text* with the value of every ``token=`` query parameter replaced."""
    return _TOKEN_PARAM.sub(lambda m: m.group(1) + REDACTED, text)


class RedactTokens(logging.Filter):
    """Blanks ``token=`` values in a record's message and its string arguments (uvicorn's
    access lines carry the path, query included, as an argument)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


class IntendedDrops(logging.Filter):
    """Drops uvicorn's error for an event stream that ended unfinished: the server
    dropped the watcher on purpose, and said so at info (a client that went away is
    not logged by uvicorn at all)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (EVENT_STREAM.get() and "without completing response" in str(record.msg))


def install() -> None:
    """Add :class:`RedactTokens` to ``uvicorn.access`` and :class:`IntendedDrops` to
    ``uvicorn.error``, once each. Call it after uvicorn has set its logging up (a
    ``uvicorn.Config`` does), which keeps filters already there."""
    for name, kind in (("uvicorn.access", RedactTokens), ("uvicorn.error", IntendedDrops)):
        logger = logging.getLogger(name)
        if not any(isinstance(f, kind) for f in logger.filters):
            logger.addFilter(kind())
