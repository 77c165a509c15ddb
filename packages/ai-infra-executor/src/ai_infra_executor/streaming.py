"""The old ``ai_infra.executor.streaming`` names, in one place.

Code that did ``from ai_infra.executor.streaming import ...`` imports the same
names from here. Events, config and builders come from this package; the
formatters come from ai-infra-formatters. The Rich-backed console formatters
(``PlainFormatter``, ``MinimalFormatter``, ``RichFormatter``,
``ConsoleFormatter``) load on first use, so importing this module never imports
Rich; so do the LangGraph wrapper (``StreamingExecutor``,
``StreamingExecutorMixin``; needs the ``langgraph`` extra), which never imports
LangGraph before it is asked for.

The interim version's agent-event names are here too: ``StreamEventType.LLM_TOKEN``
and the other ``LLM_*`` names (each the core type it stands for), the
``create_llm_*_event`` builders (which build core-typed events) and ``logger``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ai_infra_executor.agent import stream_agent
from ai_infra_executor.builders import (
    create_interrupt_event,
    create_llm_done_event,
    create_llm_error_event,
    create_llm_thinking_event,
    create_llm_token_event,
    create_llm_tool_end_event,
    create_llm_tool_start_event,
    create_node_end_event,
    create_node_error_event,
    create_node_start_event,
    create_progress_event,
    create_resume_event,
    create_run_end_event,
    create_run_start_event,
    create_state_update_event,
    create_task_complete_event,
    create_task_failed_event,
    create_task_skipped_event,
    create_task_start_event,
)
from ai_infra_executor.config import ExecutorStreamConfig, StreamingConfig
from ai_infra_executor.core import StreamConfig, StreamEvent
from ai_infra_executor.events import (
    ExecutorEventType,
    ExecutorStreamEvent,
    StreamEventType,
    from_core_event,
)
from ai_infra_executor.output import get_formatter, stream_to_console
from ai_infra_formatters.formats import OutputFormat
from ai_infra_formatters.json_format import JsonFormatter
from ai_infra_formatters.protocol import StreamFormatter

if TYPE_CHECKING:
    from ai_infra_executor.graph import StreamingExecutor, StreamingExecutorMixin
    from ai_infra_formatters.console import (
        ConsoleFormatter,
        MinimalFormatter,
        PlainFormatter,
        RichFormatter,
    )

__all__ = [
    "ConsoleFormatter",
    "ExecutorEventType",
    "ExecutorStreamConfig",
    "ExecutorStreamEvent",
    "JsonFormatter",
    "MinimalFormatter",
    "OutputFormat",
    "PlainFormatter",
    "RichFormatter",
    "StreamConfig",
    "StreamEvent",
    "StreamEventType",
    "StreamFormatter",
    "StreamingConfig",
    "StreamingExecutor",
    "StreamingExecutorMixin",
    "create_interrupt_event",
    "create_llm_done_event",
    "create_llm_error_event",
    "create_llm_thinking_event",
    "create_llm_token_event",
    "create_llm_tool_end_event",
    "create_llm_tool_start_event",
    "create_node_end_event",
    "create_node_error_event",
    "create_node_start_event",
    "create_progress_event",
    "create_resume_event",
    "create_run_end_event",
    "create_run_start_event",
    "create_state_update_event",
    "create_task_complete_event",
    "create_task_failed_event",
    "create_task_skipped_event",
    "create_task_start_event",
    "from_core_event",
    "get_formatter",
    "logger",
    "stream_agent",
    "stream_to_console",
]

#: The module's logger, as the old module had one (named after this module).
logger = logging.getLogger(__name__)

_CONSOLE_NAMES = frozenset(
    {"ConsoleFormatter", "MinimalFormatter", "PlainFormatter", "RichFormatter"}
)
_GRAPH_NAMES = frozenset({"StreamingExecutor", "StreamingExecutorMixin"})


def __getattr__(name: str) -> Any:
    # PEP 562: the Rich-backed formatters and the LangGraph wrapper load on first use.
    if name in _CONSOLE_NAMES:
        from ai_infra_formatters import console

        value = getattr(console, name)
    elif name in _GRAPH_NAMES:
        from ai_infra_executor import graph

        value = getattr(graph, name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | _CONSOLE_NAMES | _GRAPH_NAMES)
