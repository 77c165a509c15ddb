"""Console output for executor events, by ai-infra-formatters.

No formatting happens here: these two functions turn an
:class:`~ai_infra_executor.config.ExecutorStreamConfig` into the arguments of
:func:`ai_infra_formatters.get_formatter` and
:func:`ai_infra_formatters.stream_to_console`. Importing this module does not
import Rich; asking for a console format does.
"""

from __future__ import annotations

import sys
from functools import lru_cache
from typing import Any, TextIO

import ai_infra_formatters.output as _formatters
from ai_infra_executor.config import ExecutorStreamConfig
from ai_infra_formatters.formats import OutputFormat
from ai_infra_formatters.protocol import StreamFormatter

__all__ = ["get_formatter", "stream_to_console"]


def _config_of(config: ExecutorStreamConfig | OutputFormat | str | None) -> ExecutorStreamConfig:
    if type(config) is ExecutorStreamConfig:
        return config
    if config is None:
        return ExecutorStreamConfig()
    if isinstance(config, (OutputFormat, str)):
        return ExecutorStreamConfig(output_format=OutputFormat.parse(config))
    return config


#: What a formatter is made of: a config's output_format, colors_enabled, show_timing,
#: token_visibility and markdown.
_Settings = tuple[OutputFormat, bool, bool, str, bool]


def _settings_of(cfg: ExecutorStreamConfig) -> _Settings:
    return (
        cfg.output_format,
        cfg.colors_enabled,
        cfg.show_timing,
        cfg.token_visibility,
        cfg.markdown,
    )


def _build(settings: _Settings, stream: TextIO) -> StreamFormatter:
    output_format, colors_enabled, show_timing, visibility, markdown = settings
    return _formatters.get_formatter(
        output_format,
        colors_enabled,
        show_timing,
        visibility=visibility,
        stream=stream,
        markdown=markdown,
    )


# One formatter per (settings, stream), so printing an event does not build a console.
_cached_build = lru_cache(maxsize=32)(_build)

# The last (config, settings, stream, formatter) stream_to_console() used: a run
# prints every event with one config, which spares it the cache lookup. One tuple,
# replaced whole, so threads never see a formatter paired with other settings.
_last_used: list[tuple[object, tuple[object, ...], object, StreamFormatter | None]] = [
    (None, (), None, None)
]


def _formatter_for(cfg: ExecutorStreamConfig, stream: TextIO) -> StreamFormatter:
    settings = _settings_of(cfg)
    config, last_settings, last_stream, formatter = _last_used[0]
    same = config is cfg and last_stream is stream and last_settings == settings
    if same and formatter is not None:
        return formatter
    if cfg.output_format.is_web:
        # A web protocol's encoder keeps the state of one stream: one a config object,
        # never shared through the cache with another config's run.
        formatter = _build(settings, stream)
        _last_used[0] = (cfg, settings, stream, formatter)
        return formatter
    try:
        formatter = _cached_build(settings, stream)
    except TypeError:  # an unhashable stream: no caching
        return _build(settings, stream)
    _last_used[0] = (cfg, settings, stream, formatter)
    return formatter


def get_formatter(
    config: ExecutorStreamConfig | OutputFormat | str | None = None,
) -> StreamFormatter:
    """The formatter *config* asks for, made by :func:`ai_infra_formatters.get_formatter`.

    Args:
        config: an :class:`ExecutorStreamConfig` (its ``output_format``,
            ``colors_enabled``, ``show_timing``, ``token_visibility`` and
            ``markdown`` are used,
            and terminal detection looks at its ``output_stream``, else
            ``sys.stdout``); an output format alone; or ``None`` for the defaults.
    """
    cfg = _config_of(config)
    stream = cfg.output_stream if cfg.output_stream is not None else sys.stdout
    return _build(_settings_of(cfg), stream)


def stream_to_console(
    event: Any,
    config: ExecutorStreamConfig | None = None,
    formatter: StreamFormatter | None = None,
) -> None:
    """Write *event* to ``config.output_stream`` (else the current ``sys.stdout``).

    Args:
        event: any event ai-infra-formatters reads (executor, core, upstream, dict).
        config: the settings (``None``: the defaults); nothing is written when
            ``config.enabled`` is false.
        formatter: overrides the formatter *config* asks for.

    Tokens are written inline, flushed as they come on a terminal or a pipe; every
    other event goes on a line of its own, flushed within a fraction of a second
    (see :func:`ai_infra_formatters.stream_to_console`). A web protocol (``ag-ui``,
    ``vercel-ai``) needs one encoder a run: pass ``formatter=get_formatter(config)``
    for each run, and end it with :func:`ai_infra_formatters.end_stream`.
    With ``config.markdown`` on a terminal, the answer is rendered as Markdown
    instead (see :mod:`ai_infra_formatters.writer`).
    """
    cfg = _config_of(config)
    if not cfg.enabled:
        return
    stream = cfg.output_stream if cfg.output_stream is not None else sys.stdout
    if formatter is None:
        formatter = _formatter_for(cfg, stream)
    _formatters.stream_to_console(event, formatter=formatter, stream=stream)
