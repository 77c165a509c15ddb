"""The web protocols as output formats: get_formatter gives an encoder, the writer
writes its frames as they are, end_stream ends the stream the protocol's way (issue 14)."""

from __future__ import annotations

import io
import itertools
from importlib import resources
from typing import Any

import orjson
import pytest
from web_validators import (
    checked_ag_ui,
    checked_ui_message_streams,
    needs_ag_ui,
    needs_ai_sdk,
)

from ai_infra_formatters import (
    AgUiEncoder,
    ConsoleFormatter,
    OutputFormat,
    VercelAiEncoder,
    end_stream,
    get_formatter,
    stream_to_console,
)


def sample_run() -> list[dict[str, Any]]:
    log = resources.files("ai_infra_formatters") / "data" / "sample_run.ndjson"
    return [orjson.loads(line) for line in log.read_bytes().splitlines() if line.strip()]


def test_get_formatter_gives_a_new_encoder_a_stream() -> None:
    first, second = get_formatter("ag-ui"), get_formatter("ag-ui")
    assert isinstance(first, AgUiEncoder)
    assert first is not second
    assert isinstance(get_formatter(OutputFormat.VERCEL_AI), VercelAiEncoder)


@pytest.mark.parametrize("layout", ["ag-ui", "vercel-ai"])
def test_a_console_formatter_refuses_a_web_protocol(layout: str) -> None:
    with pytest.raises(ValueError, match="web protocol"):
        ConsoleFormatter(layout)


def written(encoder: Any) -> str:
    stream = io.StringIO()
    for event in sample_run():
        stream_to_console(event, formatter=encoder, stream=stream)
    end_stream(encoder, stream)
    return stream.getvalue()


def same_ids() -> Any:
    ids = itertools.count(1)
    return lambda: f"id-{next(ids)}"


def test_the_writer_writes_the_frames_as_they_are() -> None:
    twin = AgUiEncoder(thread_id="t", run_id="r", new_id=same_ids())
    expected = "".join(twin.format(e) for e in sample_run()) + twin.close()
    assert written(AgUiEncoder(thread_id="t", run_id="r", new_id=same_ids())) == expected


@needs_ag_ui
def test_an_ag_ui_stream_written_through_the_writer_is_valid() -> None:
    events = checked_ag_ui(written(get_formatter("ag-ui")))
    assert events[-1]["type"] == "RUN_FINISHED"


@needs_ai_sdk
def test_a_ui_message_stream_written_through_the_writer_is_valid() -> None:
    text = written(get_formatter("vercel-ai"))
    assert text.endswith("data: [DONE]\n\n")
    checked_ui_message_streams(text)


def test_end_stream_closes_a_token_line_for_other_formatters() -> None:
    stream = io.StringIO()
    formatter = ConsoleFormatter("plain", colors_enabled=False)
    stream_to_console({"type": "token", "content": "partial"}, formatter=formatter, stream=stream)
    end_stream(formatter, stream)
    assert stream.getvalue() == "partial\n"


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    from ai_infra_formatters.cli import main

    status = main(list(argv))
    return status, capsys.readouterr().out


@needs_ag_ui
def test_ai_infra_format_writes_ag_ui(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run_cli(capsys, "--demo", "--format", "ag-ui")
    assert status == 0
    assert checked_ag_ui(out)[-1]["type"] == "RUN_FINISHED"


@needs_ai_sdk
def test_ai_infra_format_writes_a_ui_message_stream(capsys: pytest.CaptureFixture[str]) -> None:
    status, out = run_cli(capsys, "--demo", "--format", "vercel-ai")
    assert status == 0
    checked_ui_message_streams(out)


@needs_ag_ui
def test_a_log_that_stops_at_an_invalid_line_ends_with_run_error(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    log = tmp_path / "run.ndjson"
    log.write_text('{"type":"run_start"}\n{"type":"token","content":"hi"}\nnot json\n', "utf-8")
    status, out = run_cli(capsys, "--format", "ag-ui", str(log))
    assert status == 1
    events = checked_ag_ui(out)
    assert events[-1]["type"] == "RUN_ERROR"
