"""ai-infra-formatters: turn any AI stream event into terminal output or NDJSON.

>>> from ai_infra_formatters import JsonFormatter
>>> JsonFormatter().format({"type": "token", "content": "Hi"})
'{"type":"token","content":"Hi"}'

The console formatters are Rich-backed and are imported on first use, so a
JSON-only program never imports Rich; so are the web protocol encoders
(``AgUiEncoder``, ``VercelAiEncoder``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ai_infra_formatters.__about__ import __version__
from ai_infra_formatters.event_types import (
    CORE_EVENT_TYPES,
    EXECUTOR_EVENT_TYPES,
    KNOWN_EVENT_TYPES,
)
from ai_infra_formatters.events import event_to_dict
from ai_infra_formatters.formats import OutputFormat
from ai_infra_formatters.json_format import JsonFormatter
from ai_infra_formatters.output import end_stream, get_formatter, stream_to_console
from ai_infra_formatters.protocol import StreamFormatter
from ai_infra_formatters.visibility import Visibility, filter_fields, should_emit_event
from ai_infra_formatters.writer import EventWriter, StreamClosedError, StreamWriteError

if TYPE_CHECKING:
    from ai_infra_formatters.ag_ui import AG_UI_HEADERS, AgUiEncoder
    from ai_infra_formatters.console import (
        ConsoleFormatter,
        MinimalFormatter,
        PlainFormatter,
        RichFormatter,
    )
    from ai_infra_formatters.vercel_ai import VERCEL_AI_HEADERS, VercelAiEncoder
    from ai_infra_formatters.web_streams import sse_stream

__all__ = [
    "AG_UI_HEADERS",
    "CORE_EVENT_TYPES",
    "EXECUTOR_EVENT_TYPES",
    "KNOWN_EVENT_TYPES",
    "VERCEL_AI_HEADERS",
    "AgUiEncoder",
    "ConsoleFormatter",
    "EventWriter",
    "JsonFormatter",
    "MinimalFormatter",
    "OutputFormat",
    "PlainFormatter",
    "RichFormatter",
    "StreamClosedError",
    "StreamFormatter",
    "StreamWriteError",
    "VercelAiEncoder",
    "Visibility",
    "__version__",
    "end_stream",
    "event_to_dict",
    "filter_fields",
    "get_formatter",
    "should_emit_event",
    "sse_stream",
    "stream_to_console",
]

#: What loads on first use (PEP 562), by the module it is in: the Rich-backed
#: formatters, and the web protocol encoders.
_LAZY: dict[str, str] = {
    "ConsoleFormatter": "console",
    "MinimalFormatter": "console",
    "PlainFormatter": "console",
    "RichFormatter": "console",
    "AgUiEncoder": "ag_ui",
    "AG_UI_HEADERS": "ag_ui",
    "VercelAiEncoder": "vercel_ai",
    "VERCEL_AI_HEADERS": "vercel_ai",
    "sse_stream": "web_streams",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is not None:
        import importlib

        value = getattr(importlib.import_module(f"ai_infra_formatters.{module_name}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
