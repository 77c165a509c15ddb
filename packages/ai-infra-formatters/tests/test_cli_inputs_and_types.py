"""``ai-infra-format`` inputs and event-type filters (issue 13, items 9 and 11):
several FILEs in order, gzip-compressed logs, ``--type`` / ``--exclude``, a file
that cannot be opened, and lines with no event type. In process, through ``main``.
"""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
import pytest

from ai_infra_formatters.cli import main

EVENTS: list[dict[str, Any]] = [
    {"type": "run_start", "message": "go"},
    {"type": "token", "content": "Hello"},
    {"type": "tool_start", "tool": "read_file"},
    {"type": "tool_end", "tool": "read_file", "result": "ok"},
    {"event_type": "error", "error": "boom"},
    {"type": "run_end", "message": "done"},
]


def ndjson(*events: dict[str, Any]) -> bytes:
    return b"".join(orjson.dumps(e) + b"\n" for e in events)


def render(
    capsys: pytest.CaptureFixture[str], *args: str, stdin: bytes | None = None
) -> tuple[int, str, str]:
    """``main(ARGS)`` in process (plain, no colours unless ARGS say): status, stdout, stderr."""
    if stdin is not None:
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin))  # put back by the fixture below
    status = main(["--format", "plain", "--no-color", *args])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(autouse=True)
def _stdin_put_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", sys.stdin)


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "run.ndjson"
    path.write_bytes(ndjson(*EVENTS))
    return path


def types_shown(capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    """The types of the events ``--format json ARGS`` writes."""
    status = main(["--format", "json", *args])
    out, err = capsys.readouterr()
    assert (status, err) == (0, "")
    return [e.get("type") or e["event_type"] for e in map(orjson.loads, out.splitlines())]


# -- --type / --exclude -----------------------------------------------------------------


def test_type_keeps_the_types_listed_comma_lists_and_repeated(
    capsys: pytest.CaptureFixture[str], log: Path
) -> None:
    shown = types_shown(capsys, "--type", "tool_start,tool_end", "--type", "error", str(log))
    assert shown == ["tool_start", "tool_end", "error"]


def test_exclude_drops_the_types_listed(capsys: pytest.CaptureFixture[str], log: Path) -> None:
    shown = types_shown(capsys, "--exclude", "token, tool_start", "--exclude=tool_end", str(log))
    assert shown == ["run_start", "error", "run_end"]


def test_type_and_exclude_together(capsys: pytest.CaptureFixture[str], log: Path) -> None:
    args = ("--type", "run_start,run_end,error", "--exclude", "run_end", str(log))
    assert types_shown(capsys, *args) == ["run_start", "error"]


def test_filters_apply_to_console_layouts_too(
    capsys: pytest.CaptureFixture[str], log: Path
) -> None:
    status, out, _ = render(capsys, "--exclude", "token,tool_start,tool_end", str(log))
    assert status == 0
    assert out == "▶ go\n✗ boom\n■ done\n"


def test_an_unknown_type_name_is_warned_about(
    capsys: pytest.CaptureFixture[str], log: Path
) -> None:
    status, out, err = render(capsys, "--type", "tokens", str(log))
    assert (status, out) == (0, "")
    assert err.startswith("ai-infra-format: warning: 'tokens' is not a known event type (known: ")
    assert err.count("\n") == 1


@pytest.mark.parametrize("value", ["", ",", " , "])
def test_a_type_list_naming_nothing_is_a_usage_error(
    capsys: pytest.CaptureFixture[str], log: Path, value: str
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--type", value, str(log)])
    assert stopped.value.code == 2
    assert "no event type named" in capsys.readouterr().err


# -- several files, gzip, stdin among them ------------------------------------------------


def test_several_files_are_rendered_in_order_gzip_and_stdin_among_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    first = tmp_path / "1.ndjson"
    first.write_bytes(ndjson({"type": "run_start", "message": "first"}))
    second = tmp_path / "2.log"  # compressed, whatever the name says
    second.write_bytes(gzip.compress(ndjson({"type": "token", "content": "from gzip"})))
    stdin = ndjson({"type": "run_end", "message": "from stdin"})
    status, out, err = render(capsys, str(first), str(second), "-", stdin=stdin)
    assert (status, err) == (0, "")
    assert out == "▶ first\nfrom gzip\n■ from stdin\n"


def test_a_gzip_log_gives_the_same_output_as_the_log(
    capsys: pytest.CaptureFixture[str], log: Path, tmp_path: Path
) -> None:
    packed = tmp_path / "run.ndjson.gz"
    packed.write_bytes(gzip.compress(log.read_bytes()))
    assert render(capsys, "--format", "rich", str(packed)) == render(
        capsys, "--format", "rich", str(log)
    )


def test_a_cut_short_gzip_log_is_a_read_error_after_its_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    whole = gzip.compress(ndjson(*[{"type": "run_start", "message": "x" * 50}] * 40_000))
    cut = tmp_path / "cut.ndjson.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    status, out, err = render(capsys, str(cut))
    assert status == 2
    lines = out.count("\n")
    assert 0 < lines < 40_000
    assert err == (
        f"ai-infra-format: cannot read '{cut}' after line {lines}: "
        "the compressed file ends early (cut short?): "
        "Compressed file ended before the end-of-stream marker was reached\n"
    )


def test_messages_name_the_file_and_its_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    good = tmp_path / "good.ndjson"
    good.write_bytes(ndjson(*EVENTS))
    bad = tmp_path / "bad.ndjson"
    bad.write_bytes(b'{"type": "done"}\n[1]\n')
    status, out, err = render(capsys, "--skip-invalid", str(good), str(bad))
    assert status == 0
    assert out.endswith("■ done\n■ Done\n")
    assert err.splitlines() == [
        f"ai-infra-format: {bad}:2: expected a JSON object, got an array; skipped",
        "ai-infra-format: skipped 1 invalid line",
    ]


def test_stdin_lines_are_named_by_number(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = render(capsys, stdin=b'{"type": "done"}\n[1]\n')
    assert status == 1
    assert err == "ai-infra-format: line 2: expected a JSON object, got an array\n"


def test_a_file_name_in_a_message_is_made_safe(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    hostile = tmp_path / "run\x1b]0;pwned\x07\x1b[2J.ndjson"
    hostile.write_bytes(b"{oops}\n")
    status, _, err = render(capsys, str(hostile))
    assert status == 1
    assert "\x1b" not in err
    assert "\x07" not in err
    assert err.count("\n") == 1


def test_stdin_can_be_read_only_once(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["-", "-"])
    assert stopped.value.code == 2
    assert "only once" in capsys.readouterr().err


# -- files that cannot be opened ----------------------------------------------------------


@pytest.mark.parametrize("kind", ["missing", "directory"])
def test_a_file_that_cannot_be_opened_stops_before_any_output(
    capsys: pytest.CaptureFixture[str], log: Path, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "x"
    if kind == "directory":
        path.mkdir()
    reason = "Is a directory" if kind == "directory" else "No such file or directory"
    status, out, err = render(capsys, str(log), str(path))
    assert (status, out) == (2, "")
    assert err == f"ai-infra-format: cannot open '{path}': {reason}\n"


# -- lines with no event type --------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [b'{"content": "no type"}', b'{"type": null, "content": "x"}', b"{}"],
    ids=["missing", "null", "empty"],
)
def test_an_object_with_no_type_is_an_invalid_line(
    capsys: pytest.CaptureFixture[str], line: bytes
) -> None:
    data = ndjson({"type": "run_start", "message": "go"}) + line + b"\n" + ndjson({"type": "done"})
    status, out, err = render(capsys, stdin=data)
    assert (status, out) == (1, "▶ go\n")
    assert err == (
        'ai-infra-format: line 2: no "type" (nor "event_type"): an event needs one, e.g. "token"\n'
    )


def test_skip_invalid_counts_objects_with_no_type(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log = tmp_path / "typeless.ndjson"
    log.write_bytes(ndjson({"content": "a"}, {"event_type": "done"}, {"message": "b"}))
    status, out, err = render(capsys, "--skip-invalid", str(log))
    assert (status, out) == (0, "■ Done\n")
    problem = 'no "type" (nor "event_type"): an event needs one, e.g. "token"; skipped'
    assert err.splitlines() == [
        f"ai-infra-format: {log}:1: {problem}",
        f"ai-infra-format: {log}:3: {problem}",
        "ai-infra-format: skipped 2 invalid lines",
    ]


def test_json_output_also_rejects_objects_with_no_type(capsys: pytest.CaptureFixture[str]) -> None:
    sys.stdin = io.TextIOWrapper(io.BytesIO(ndjson({"x": 1}, {"type": "done"})))
    status = main(["--format", "json", "--skip-invalid"])
    out, err = capsys.readouterr()
    assert status == 0
    assert [orjson.loads(line) for line in out.splitlines()] == [{"type": "done"}]
    assert 'line 1: no "type"' in err


def test_gzip_is_imported_only_for_a_compressed_log() -> None:
    code = "import sys, ai_infra_formatters.cli; print('gzip' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, timeout=30, check=True
    )
    assert result.stdout == b"False\n"
