"""ConsoleFormatter on a real Rich console: colours, terminal detection, themes, layouts."""

from __future__ import annotations

import io
import re
from typing import Any

import orjson
import pytest
from fmt_support import (
    COLOR_SGR_PARAMS,
    MINIMAL_LAYOUT_TYPES,
    SAMPLE_EVENTS,
    make_console,
    sgr_sequences,
    strip_sgr,
)
from rich.console import Console
from rich.theme import Theme

from ai_infra_formatters import (
    ConsoleFormatter,
    MinimalFormatter,
    OutputFormat,
    PlainFormatter,
    RichFormatter,
    StreamFormatter,
    get_formatter,
)

ERROR = {"type": "error", "error": "disk full"}
TOOL_START = {"type": "tool_start", "tool": "search", "arguments": {"q": "x"}}


def all_output(formatter: ConsoleFormatter) -> str:
    return "\n".join(formatter.format(e) for e in SAMPLE_EVENTS.values())


def colour_params(text: str) -> set[str]:
    """The colour-selecting SGR parameters used in *text*."""
    params: set[str] = set()
    for seq in sgr_sequences(text):
        params |= set(seq[2:-1].split(";")) & COLOR_SGR_PARAMS
    return params


# -- colours ----------------------------------------------------------------------


def test_colours_come_from_the_theme() -> None:
    formatter = ConsoleFormatter("plain", console=make_console())
    assert formatter.format(ERROR) == "\x1b[1;31m✗\x1b[0m \x1b[1;31mdisk full\x1b[0m"
    assert formatter.format(TOOL_START) == "\x1b[36m⚙\x1b[0m \x1b[1;36msearch\x1b[0m"
    assert formatter.color_system == "truecolor"


@pytest.mark.parametrize("system", ["standard", "256", "truecolor"])
def test_every_colour_system_gives_sgr(system: str) -> None:
    formatter = ConsoleFormatter("rich", console=make_console(color_system=system))
    out = all_output(formatter)
    assert sgr_sequences(out)
    assert "\x1b[1;31m" in out
    assert formatter.color_system == system


def test_hex_colour_is_rendered_for_the_colour_system() -> None:
    theme = {"ai_infra.error": "#ff8800"}
    true = ConsoleFormatter(console=make_console(color_system="truecolor"), theme=theme)
    assert true.format(ERROR).startswith("\x1b[38;2;255;136;0m✗")
    eight = ConsoleFormatter(console=make_console(color_system="256"), theme=theme)
    assert eight.format(ERROR).startswith("\x1b[38;5;")
    standard = ConsoleFormatter(console=make_console(color_system="standard"), theme=theme)
    assert re.match(r"\x1b\[(3[0-7]|9[0-7])m✗", standard.format(ERROR))
    # Rendered again for truecolor after the others: each formatter has its own codes.
    again = ConsoleFormatter(console=make_console(color_system="truecolor"), theme=theme)
    assert again.format(ERROR).startswith("\x1b[38;2;255;136;0m✗")


@pytest.mark.parametrize("layout", ["plain", "rich", "minimal"])
def test_colours_off_emit_no_escape_at_all(layout: str) -> None:
    formatter = ConsoleFormatter(layout, colors_enabled=False, console=make_console())
    out = all_output(formatter)
    assert out
    assert "\x1b" not in out
    assert formatter.color_system is None


def test_colours_off_positional_argument_of_thin_classes() -> None:
    assert "\x1b" not in PlainFormatter(False, console=make_console()).format(ERROR)
    assert "\x1b" not in MinimalFormatter(False, console=make_console()).format(ERROR)
    assert "\x1b" not in RichFormatter(False, console=make_console()).format(ERROR)


@pytest.mark.parametrize("layout", ["plain", "rich", "minimal"])
def test_no_color_env_removes_colour(layout: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    console = make_console()
    formatter = ConsoleFormatter(layout, console=console)
    out = all_output(formatter)
    assert out
    assert colour_params(out) == set()
    # Without NO_COLOR the same console set-up is colourful: the test can fail.
    monkeypatch.delenv("NO_COLOR")
    assert colour_params(all_output(ConsoleFormatter(layout, console=make_console())))


@pytest.mark.parametrize("layout", ["plain", "rich", "minimal"])
def test_non_terminal_file_gets_no_colour(layout: str) -> None:
    buf = io.StringIO()
    formatter = ConsoleFormatter(layout, console=Console(file=buf))
    out = all_output(formatter)
    assert out
    assert "\x1b" not in out
    assert formatter.color_system is None
    assert "\x1b" not in all_output(ConsoleFormatter(layout, file=io.StringIO()))
    assert "\x1b" not in get_formatter(layout, stream=io.StringIO()).format(ERROR)


def test_force_color_colours_a_non_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    formatter = ConsoleFormatter("plain", console=Console(file=io.StringIO()))
    assert formatter.format(ERROR).startswith("\x1b[1;31m✗")
    via_stream = get_formatter("rich", stream=io.StringIO())
    assert "\x1b[1;31m" in via_stream.format(ERROR)


def test_force_color_does_not_beat_colors_enabled_false(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    formatter = ConsoleFormatter("rich", colors_enabled=False, console=Console(file=io.StringIO()))
    assert "\x1b" not in all_output(formatter)


def test_default_console_is_on_sys_stdout() -> None:
    formatter = ConsoleFormatter()
    assert isinstance(formatter.console, Console)


# -- themes -----------------------------------------------------------------------


def test_custom_theme_mapping_changes_codes() -> None:
    default = ConsoleFormatter(console=make_console())
    custom = ConsoleFormatter(console=make_console(), theme={"ai_infra.error": "bold magenta"})
    assert custom.format(ERROR).startswith("\x1b[1;35m✗")
    assert default.format(ERROR).startswith("\x1b[1;31m✗")
    # Styles not named in the theme keep their defaults.
    assert custom.format(TOOL_START) == default.format(TOOL_START)


def test_custom_rich_theme_object() -> None:
    theme = Theme({"ai_infra.tool_start": "underline yellow", "ai_infra.tool": "green"})
    formatter = ConsoleFormatter(console=make_console(), theme=theme)
    assert formatter.format(TOOL_START) == "\x1b[4;33m⚙\x1b[0m \x1b[32msearch\x1b[0m"


def test_theme_colours_the_error_panel_border() -> None:
    formatter = ConsoleFormatter(
        "rich", console=make_console(), theme={"ai_infra.error": "bold magenta"}
    )
    out = formatter.format({**ERROR, "error": "rate limited\nretry in 30s"})
    panel_lines = out.split("\n")[1:]
    assert panel_lines
    assert all(line.startswith("\x1b[1;35m") for line in panel_lines)
    assert "\x1b[1;31m" not in out


# -- the rich layout ---------------------------------------------------------------


def test_rich_layout_tool_details() -> None:
    formatter = ConsoleFormatter("rich", colors_enabled=False, console=make_console())
    assert formatter.format(TOOL_START) == '⚙ search\n    arguments: {"q":"x"}'
    assert formatter.format(SAMPLE_EVENTS["tool_end"]) == (
        "✓ web_search (234ms)\n    result: sunny, 21 degrees\n    preview: sunny"
    )
    standard = ConsoleFormatter(
        "rich", colors_enabled=False, console=make_console(), visibility="standard"
    )
    assert standard.format(TOOL_START) == "⚙ search"
    assert standard.format(SAMPLE_EVENTS["tool_end"]) == "✓ web_search (234ms)"


def test_rich_layout_todo_and_state_rows() -> None:
    formatter = ConsoleFormatter("rich", colors_enabled=False, console=make_console())
    assert formatter.format(SAMPLE_EVENTS["todo"]) == (
        "☐ Todo list: 1/2 done\n    [x]: search\n    [ ]: answer"
    )
    assert formatter.format(SAMPLE_EVENTS["state_update"]) == (
        '◇ [plan] State updated\n    state_snapshot: {"step":2}'
    )


@pytest.mark.parametrize("etype", ["error", "node_error", "task_failed"])
def test_rich_layout_error_panel(etype: str) -> None:
    event: dict[str, Any] = dict(SAMPLE_EVENTS[etype])
    event["error"] = "Traceback (most recent call last):\n  File x\nValueError: bad"
    formatter = ConsoleFormatter("rich", colors_enabled=False, console=make_console(width=60))
    lines = formatter.format(event).split("\n")
    headline, panel = lines[0], lines[1:]
    assert headline.startswith("✗ ")
    assert panel[0].startswith("╭─")
    assert f" {etype} " in panel[0]
    assert panel[-1].startswith("╰")
    assert panel[-1].endswith("╯")
    body = [line.strip("│ ") for line in panel[1:-1]]
    assert body == ["Traceback (most recent call last):", "File x", "ValueError: bad"]
    assert all(len(line) <= 60 for line in panel)
    # The plain layout keeps the whole event on one line, and has no panel.
    plain = ConsoleFormatter("plain", colors_enabled=False, console=make_console())
    one_line = plain.format(event)
    assert "\n" not in one_line
    assert "╭" not in one_line


def test_rich_panel_follows_console_width() -> None:
    event = {"type": "error", "error": "word " * 40 + "\nsecond line"}
    narrow = ConsoleFormatter("rich", colors_enabled=False, console=make_console(width=30))
    panel = narrow.format(event).split("\n")[1:]
    assert len(panel) > 3
    assert all(len(line) <= 30 for line in panel)


def test_rich_layout_colour_and_text_agree() -> None:
    coloured = ConsoleFormatter("rich", console=make_console(width=60))
    bare = ConsoleFormatter("rich", colors_enabled=False, console=make_console(width=60))
    event = {"type": "node_error", "node_name": "n", "error": "bad\nworse", "duration_ms": 3}
    assert strip_sgr(coloured.format(event)) == bare.format(event)


# -- the minimal layout --------------------------------------------------------------


def test_minimal_layout_shows_only_the_milestones() -> None:
    formatter = ConsoleFormatter("minimal", colors_enabled=False, console=make_console())
    shown = {etype for etype, event in SAMPLE_EVENTS.items() if formatter.format(event)}
    assert shown == MINIMAL_LAYOUT_TYPES
    run = [SAMPLE_EVENTS[t] for t in ("run_start", "task_start", "node_start", "token")]
    run += [SAMPLE_EVENTS[t] for t in ("tool_start", "task_complete", "interrupt", "run_end")]
    lines = [line for line in (formatter.format(e) for e in run) if line]
    assert lines == [
        "● [1/3] Write the parser",
        "✓ Completed task: Write the parser (2.50s)",
        "⏸ [review] Paused for review",
        "■ Run finished: 2 completed, 1 failed (1m 05.4s)",
    ]


def test_minimal_layout_has_no_details_or_panel() -> None:
    formatter = MinimalFormatter(colors_enabled=False, console=make_console())
    out = formatter.format({"type": "task_failed", "task": {"title": "T"}, "error": "a\nb"})
    assert out == "✗ Failed task: T: a\u21b5b"  # the error on its one line


# -- the seed's methods, the thin classes, the protocol ------------------------------


def test_format_methods_pick_their_layout_whatever_the_formatter() -> None:
    formatter = ConsoleFormatter("rich", colors_enabled=False, console=make_console())
    event = SAMPLE_EVENTS["tool_start"]
    assert formatter.format_plain(event) == "⚙ web_search"
    rich = formatter.format_rich(event)
    assert rich == '⚙ web_search\n    arguments: {"query":"weather in Paris"}'
    assert formatter.format_minimal(event) == ""
    assert formatter.format_minimal(SAMPLE_EVENTS["error"]) == "✗ rate limited by provider"
    data = orjson.loads(formatter.format_json(event))
    assert data == SAMPLE_EVENTS["tool_start"]
    assert "\n" not in formatter.format_json(event)


def test_json_layout_delegates_to_json() -> None:
    formatter = ConsoleFormatter("json", console=make_console())
    line = formatter.format(SAMPLE_EVENTS["task_start"])
    assert orjson.loads(line) == SAMPLE_EVENTS["task_start"]
    assert "\x1b" not in line
    assert formatter.inline_tokens is False
    assert ConsoleFormatter("plain").inline_tokens is True


@pytest.mark.parametrize(
    ("cls", "layout"),
    [
        (PlainFormatter, OutputFormat.PLAIN),
        (RichFormatter, OutputFormat.RICH),
        (MinimalFormatter, OutputFormat.MINIMAL),
    ],
)
def test_thin_classes_are_console_formatter_configs(cls: type[Any], layout: OutputFormat) -> None:
    thin = cls(colors_enabled=False, show_timing=False, console=make_console())
    assert isinstance(thin, ConsoleFormatter)
    assert thin.layout is layout
    assert thin.show_timing is False
    full = ConsoleFormatter(layout, colors_enabled=False, show_timing=False, console=make_console())
    for event in SAMPLE_EVENTS.values():
        assert thin.format(event) == full.format(event)


def test_layout_names_parse_like_output_format() -> None:
    assert ConsoleFormatter("RICH").layout is OutputFormat.RICH
    with pytest.raises(ValueError, match="choose one of"):
        ConsoleFormatter("fancy")


def test_formatters_satisfy_the_protocol() -> None:
    from ai_infra_formatters import JsonFormatter

    assert isinstance(ConsoleFormatter(), StreamFormatter)
    assert isinstance(PlainFormatter(), StreamFormatter)
    assert isinstance(JsonFormatter(), StreamFormatter)
    assert not isinstance(object(), StreamFormatter)


@pytest.mark.parametrize("fmt", ["plain", "rich", "minimal"])
def test_get_formatter_console_formats(fmt: str) -> None:
    formatter = get_formatter(fmt, colors_enabled=False, show_timing=False)
    assert isinstance(formatter, ConsoleFormatter)
    assert formatter.layout is OutputFormat.parse(fmt)
    assert formatter.show_timing is False
    assert formatter.colors_enabled is False


def test_get_formatter_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="choose one of"):
        get_formatter("html")
