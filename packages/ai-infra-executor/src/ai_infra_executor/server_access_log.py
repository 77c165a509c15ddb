"""Access-log lines without secrets: the ``?token=`` a browser's ``EventSource`` has to
put in the URL (it cannot send an ``Authorization`` header) is blanked before uvicorn's
access logger writes the line.

Stdlib only; :func:`redact_access_log` is called by ``serve`` once uvicorn has set its
loggers up.
"""

from __future__ import annotations

import logging
import re
from typing import Final

__all__ = ["REDACTED", "RedactTokens", "redact", "redact_access_log"]

#: What a token's value becomes in a logged URL.
REDACTED: Final = "[redacted]"

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


def redact_access_log(logger_name: str = "uvicorn.access") -> None:
    """Add a :class:`RedactTokens` to *logger_name* (once, however often called)."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, RedactTokens) for f in logger.filters):
        logger.addFilter(RedactTokens())
