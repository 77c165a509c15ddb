"""`ExecutorStreamConfig`: what an executor run streams, and how it is shown.

It extends the core :class:`~ai_infra_executor.core.StreamConfig` (the agent's
own settings) with the executor's. ``StreamingConfig`` is the same class under
the name older code imports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, TextIO, TypeVar

from ai_infra_executor.core import (
    StreamConfig,
    StreamEvent,
    filter_event_for_visibility,
    should_emit_event,
)
from ai_infra_formatters.formats import OutputFormat
from ai_infra_formatters.visibility import parse_visibility

__all__ = ["ExecutorStreamConfig", "StreamingConfig"]


_Event = TypeVar("_Event", bound=StreamEvent)
_THINKING_TYPES: Final = frozenset({"thinking", "reasoning"})
_TOOL_TYPES: Final = frozenset({"tool_start", "tool_end"})


@dataclass
class ExecutorStreamConfig(StreamConfig):
    """Streaming settings of an executor run (every core field, plus these).

    The core fields describe how an agent streams and are kept for code that
    passes this config on to one; what :func:`stream_agent` asks an agent for is
    ``token_visibility`` below, not the core ``visibility``.

    Attributes:
        enabled: stream at all; ``False`` makes :func:`stream_to_console` print
            nothing.
        include_state_snapshot: attach a small state snapshot to node events.
        show_node_transitions: emit ``node_start`` / ``node_end`` events.
        show_task_progress: emit task lifecycle events.
        show_timing: print durations.
        output_format: ``plain``, ``rich``, ``json`` or ``minimal`` (a string is
            parsed into an :class:`OutputFormat`).
        output_stream: where console output goes (``None``: ``sys.stdout`` at the
            time of writing).
        colors_enabled: allow colours (the terminal still decides whether it has
            any).
        progress_interval_ms: least time between two ``progress`` events.
        stream_tokens: forward the agent's ``token`` events.
        show_llm_thinking: forward the agent's ``thinking`` and ``reasoning`` events.
        show_llm_tools: forward the agent's ``tool_start`` / ``tool_end`` events.
        token_visibility: the visibility the agent streams at (``minimal``,
            ``standard``, ``detailed`` or ``debug``); also what the console shows.
        markdown: render the agent's answer (its tokens) as Markdown while it
            streams, when the output is a terminal and the layout shows tokens
            (``plain``, ``rich``): finished blocks are printed once, only the one
            being written is redrawn (in the live progress view: its last rows, in
            the display). Anywhere else the raw text is written.

    Raises:
        ValueError: *output_format* or *token_visibility* names no valid choice.
    """

    enabled: bool = True
    include_state_snapshot: bool = False
    show_node_transitions: bool = True
    show_task_progress: bool = True
    show_timing: bool = True
    output_format: OutputFormat = OutputFormat.PLAIN
    output_stream: TextIO | None = None
    colors_enabled: bool = True
    progress_interval_ms: float = 500.0
    stream_tokens: bool = False
    show_llm_thinking: bool = True
    show_llm_tools: bool = True
    token_visibility: Literal["minimal", "standard", "detailed", "debug"] = "standard"
    markdown: bool = False

    def __post_init__(self) -> None:
        self.output_format = OutputFormat.parse(self.output_format)
        self.token_visibility = parse_visibility(self.token_visibility)

    def forwards_llm_event(self, event_type: str) -> bool:
        """Whether an agent's event of *event_type* is forwarded (before visibility rules).

        Tokens follow ``stream_tokens``, thinking and reasoning ``show_llm_thinking``,
        tool events ``show_llm_tools``; every other type is forwarded.
        """
        if event_type == "token":
            return self.stream_tokens
        if event_type in _THINKING_TYPES:
            return self.show_llm_thinking
        if event_type in _TOOL_TYPES:
            return self.show_llm_tools
        return True

    def forwarded_llm_event(self, event: _Event) -> _Event | None:
        """*event*, one of an agent's core events, as this config forwards it.

        ``None`` when its type is switched off (:meth:`forwards_llm_event`) or not
        shown at ``token_visibility``; else the event with the fields that level
        hides cleared (the same instance when none are).
        """
        etype = event.type
        if not (self.forwards_llm_event(etype) and should_emit_event(etype, self.token_visibility)):
            return None
        return filter_event_for_visibility(event, self.token_visibility)

    @classmethod
    def verbose(cls) -> ExecutorStreamConfig:
        """Everything: node transitions, state snapshots, timing, tokens, tool details."""
        return cls(
            include_state_snapshot=True,
            output_format=OutputFormat.PLAIN,
            stream_tokens=True,
            token_visibility="detailed",
        )

    @classmethod
    def minimal(cls) -> ExecutorStreamConfig:
        """Task progress only, in the minimal layout, no timing, no tokens."""
        return cls(
            output_format=OutputFormat.MINIMAL,
            show_node_transitions=False,
            show_timing=False,
        )

    @classmethod
    def json_output(cls) -> ExecutorStreamConfig:
        """NDJSON for programs: every event, state snapshots, tokens, tool details."""
        return cls(
            include_state_snapshot=True,
            output_format=OutputFormat.JSON,
            colors_enabled=False,
            stream_tokens=True,
            token_visibility="detailed",
        )

    @classmethod
    def disabled(cls) -> ExecutorStreamConfig:
        """No output at all."""
        return cls(enabled=False)

    @classmethod
    def tokens_only(cls) -> ExecutorStreamConfig:
        """The agent's answer as it is written, plus task progress; no nodes, tools or timing."""
        return cls(
            show_node_transitions=False,
            show_timing=False,
            stream_tokens=True,
            show_llm_thinking=False,
            show_llm_tools=False,
            token_visibility="minimal",
        )


#: The old name of :class:`ExecutorStreamConfig` (the same class).
StreamingConfig = ExecutorStreamConfig
