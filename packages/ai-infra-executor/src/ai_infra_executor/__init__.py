"""ai-infra-executor: an executor's stream events on top of ai-infra's core StreamEvent.

>>> from ai_infra_executor import create_task_start_event
>>> create_task_start_event({"id": "2", "title": "Add auth"}, 2, 5).message
'Starting task [2/5]: Add auth'

Events are printed (terminal or NDJSON) by ai-infra-formatters. Importing this
package imports neither Rich nor LangGraph: the LangGraph wrapper
(``StreamingExecutor``, ``StreamingExecutorMixin``, ``TaskNodes``; needs the
``langgraph`` extra) and the Rich live view (``LiveProgressView``) load on first
use.
The run log (``RunLog``, ``MemoryRunLog``, ``RedisRunLog``, needs the ``server``
extra) and ``Publisher`` load on first use too.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ai_infra_executor.__about__ import __version__
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
    state_snapshot,
    task_to_dict,
)
from ai_infra_executor.config import ExecutorStreamConfig, StreamingConfig
from ai_infra_executor.core import (
    CoreEventType,
    StreamConfig,
    StreamEvent,
    filter_event_for_visibility,
    should_emit_event,
)
from ai_infra_executor.events import (
    ExecutorEventType,
    ExecutorStreamEvent,
    StreamEventType,
    from_core_event,
)
from ai_infra_executor.output import get_formatter, stream_to_console

if TYPE_CHECKING:
    from ai_infra_executor.graph import StreamingExecutor, StreamingExecutorMixin, TaskNodes
    from ai_infra_executor.live import LiveProgressView
    from ai_infra_executor.publish import Publisher
    from ai_infra_executor.run_log import (
        RESET_EVENT_TYPE,
        LogEntry,
        RunInfo,
        RunLog,
        UnknownRunError,
        new_run_id,
    )
    from ai_infra_executor.run_log_memory import MemoryRunLog
    from ai_infra_executor.run_log_redis import RedisRunLog

__all__ = [
    "RESET_EVENT_TYPE",
    "CoreEventType",
    "ExecutorEventType",
    "ExecutorStreamConfig",
    "ExecutorStreamEvent",
    "LiveProgressView",
    "LogEntry",
    "MemoryRunLog",
    "Publisher",
    "RedisRunLog",
    "RunInfo",
    "RunLog",
    "StreamConfig",
    "StreamEvent",
    "StreamEventType",
    "StreamingConfig",
    "StreamingExecutor",
    "StreamingExecutorMixin",
    "TaskNodes",
    "UnknownRunError",
    "__version__",
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
    "filter_event_for_visibility",
    "from_core_event",
    "get_formatter",
    "new_run_id",
    "should_emit_event",
    "state_snapshot",
    "stream_agent",
    "stream_to_console",
    "task_to_dict",
]

#: Names loaded on first use, and the module each comes from.
_LAZY: dict[str, str] = {
    "StreamingExecutor": "ai_infra_executor.graph",
    "StreamingExecutorMixin": "ai_infra_executor.graph",
    "TaskNodes": "ai_infra_executor.graph",
    "LiveProgressView": "ai_infra_executor.live",
    "RESET_EVENT_TYPE": "ai_infra_executor.run_log",
    "LogEntry": "ai_infra_executor.run_log",
    "RunInfo": "ai_infra_executor.run_log",
    "RunLog": "ai_infra_executor.run_log",
    "UnknownRunError": "ai_infra_executor.run_log",
    "new_run_id": "ai_infra_executor.run_log",
    "MemoryRunLog": "ai_infra_executor.run_log_memory",
    "RedisRunLog": "ai_infra_executor.run_log_redis",
    "Publisher": "ai_infra_executor.publish",
}


def __getattr__(name: str) -> Any:
    # PEP 562: LangGraph and Rich load only when their names are asked for.
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
