"""``ai-infra-format --color=auto|always|never`` / ``-C`` / ``-M`` and ``--timestamps``
(issue 13, item 10), and the command line documented alike in ``--help`` and the
package README."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from ai_infra_formatters.cli import build_parser, main

MODULE_CMD = (sys.executable, "-m", "ai_infra_formatters")
TIMEOUT = 30
SGR = re.compile(r"\x1b\[[0-9;]*m")
_TERMINAL_VARS = ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "COLUMNS", "TERM", "COLORTERM")
LOG = b"".join(
    orjson.dumps(e) + b"\n"
    for e in (
        {"type": "run_start", "message": "go", "timestamp": 1_700_000_000.25},
        {"type": "token", "content": "Hi", "timestamp": 1_700_000_001},
        {"type": "error", "error": "boom", "timestamp": "2023-11-14T22:13:22Z"},
    )
)


@pytest.fixture
def log(tmp_path: Path) -> Path:
    path = tmp_path / "run.ndjson"
    path.write_bytes(LOG)
    return path


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in _TERMINAL_VARS:
        monkeypatch.delenv(name, raising=False)


def output(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """What ``main(ARGS)`` writes to stdout (not a terminal); status 0 and nothing on stderr."""
    status = main(list(args))
    out, err = capsys.readouterr()
    assert (status, err) == (0, "")
    return out


# -- colours ----------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["-C"], ["--color=always"], ["--colour", "always"]])
def test_always_colours_into_a_pipe_whatever_the_environment_says(
    log: Path, args: list[str]
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in _TERMINAL_VARS}
    env.update(NO_COLOR="1", TERM="dumb", PYTHONIOENCODING="utf-8")
    result = subprocess.run(
        [*MODULE_CMD, "--format", "plain", *args, str(log)],
        capture_output=True,
        env=env,
        timeout=TIMEOUT,
        check=False,
    )
    assert (result.returncode, result.stderr) == (0, b"")
    out = result.stdout.decode()
    assert SGR.search(out), out
    assert SGR.sub("", out) == "▶ go\nHi\n✗ boom\n"


@pytest.mark.parametrize("flags", [["-M"], ["--no-color"], ["--color=never"], ["-C", "-M"]])
def test_never_emits_no_escape_code_even_when_forced(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    log: Path,
    flags: list[str],
) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    out = output(capsys, "--format", "rich", *flags, str(log))
    assert "\x1b" not in out
    assert out == "▶ go\nHi\n✗ boom\n"


def test_auto_follows_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, log: Path
) -> None:
    assert "\x1b" not in output(capsys, "--format", "plain", str(log))  # not a terminal
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert SGR.search(output(capsys, "--format", "plain", "--color", "auto", str(log)))


def test_the_last_colour_flag_wins(capsys: pytest.CaptureFixture[str], log: Path) -> None:
    assert SGR.search(output(capsys, "--format", "plain", "-M", "-C", str(log)))
    assert "\x1b" not in output(capsys, "--format", "plain", "-C", "--no-color", str(log))


def test_json_has_no_colours(capsys: pytest.CaptureFixture[str], log: Path) -> None:
    assert output(capsys, "--format", "json", "-C", str(log)) == output(
        capsys, "--format", "json", str(log)
    )


# -- timestamps ---------------------------------------------------------------------------


def _clock(seconds: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(seconds))


@pytest.mark.parametrize("fmt", ["plain", "rich"])
def test_timestamps_start_each_line_but_tokens_with_the_events_time(
    capsys: pytest.CaptureFixture[str], log: Path, fmt: str
) -> None:
    out = output(capsys, "--format", fmt, "-M", "--timestamps", str(log))
    error_time = _clock(1_700_000_002)  # 2023-11-14T22:13:22Z
    assert out == f"{_clock(1_700_000_000.25)} ▶ go\nHi\n{error_time} ✗ boom\n"


def test_timestamps_do_nothing_to_json(capsys: pytest.CaptureFixture[str], log: Path) -> None:
    assert output(capsys, "--format", "json", "--timestamps", str(log)) == output(
        capsys, "--format", "json", str(log)
    )


def test_timestamps_with_colours(capsys: pytest.CaptureFixture[str], log: Path) -> None:
    out = output(capsys, "--format", "plain", "-C", "--timestamps", str(log))
    assert SGR.sub("", out).startswith(f"{_clock(1_700_000_000.25)} ▶ go\n")


# -- the documentation --------------------------------------------------------------------


def _readme_command_line_section() -> str:
    readme = Path(__file__).resolve().parents[1] / "README.md"
    text = readme.read_text(encoding="utf-8")
    start = text.index("## Command line")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else len(text)]


def test_help_and_readme_name_every_option() -> None:
    section = _readme_command_line_section()
    help_text = build_parser().format_help()
    for action in build_parser()._actions:
        for option in action.option_strings:
            if option in ("-h", "--help", "--version", "--colour"):
                continue
            assert option in help_text, option
            assert option in section, option


def test_help_has_the_new_examples_and_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = capsys.readouterr().out
    for example in (
        "-f run.ndjson",
        "run.1.ndjson.gz run.ndjson",
        "--type tool_start,tool_end,error",
        "--exclude token --timestamps",
        "-C run.ndjson | less -R",
        "json ignores it",
        "no time column",
        'a JSON object with no "type"',
        "also how --follow ends",
    ):
        assert example in text, example
