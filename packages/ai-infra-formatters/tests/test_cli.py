"""The ``ai-infra-format`` command, run for real in subprocesses.

Both ways of starting it are exercised: ``python -m ai_infra_formatters`` and the
console script the wheel installs next to the interpreter.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import orjson
import pytest

from ai_infra_formatters import __version__
from ai_infra_formatters.cli import InvalidLineError, parse_event_line
from ai_infra_formatters.output import get_formatter
from ai_infra_formatters.writer import EventWriter

MODULE_CMD = (sys.executable, "-m", "ai_infra_formatters")
ESC = b"\x1b"
TIMEOUT = 30
# Environment variables that change how Rich sees the terminal.
_TERMINAL_VARS = (
    "NO_COLOR",
    "FORCE_COLOR",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "COLUMNS",
    "LINES",
    "TERM",
    "COLORTERM",
    "JUPYTER_COLUMNS",
    "JUPYTER_LINES",
)


def _script_cmd() -> tuple[str, ...]:
    name = "ai-infra-format.exe" if os.name == "nt" else "ai-infra-format"
    beside = Path(sysconfig.get_path("scripts")) / name
    if beside.is_file():
        return (str(beside),)
    found = shutil.which("ai-infra-format", path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(f"the ai-infra-format console script is not installed next to {sys.executable}")
    return (found,)


@pytest.fixture(params=["module", "script"])
def cli(request: pytest.FixtureRequest) -> tuple[str, ...]:
    """The command that starts the CLI, both ways."""
    return MODULE_CMD if request.param == "module" else _script_cmd()


def _env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _TERMINAL_VARS}
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(overrides)
    return env


def run(
    *args: str,
    cmd: Sequence[str] = MODULE_CMD,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [*cmd, *args],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        env=env if env is not None else _env(),
        cwd=tempfile.gettempdir(),
        timeout=TIMEOUT,
        check=False,
    )


def ndjson(*events: dict[str, Any]) -> bytes:
    return b"".join(orjson.dumps(e) + b"\n" for e in events)


def sample_events() -> list[dict[str, Any]]:
    """The bundled demo log, read from the installed package."""
    data = (resources.files("ai_infra_formatters") / "data" / "sample_run.ndjson").read_bytes()
    return [orjson.loads(line) for line in data.splitlines() if line.strip()]


def render_in_process(events: Sequence[dict[str, Any]], fmt: str, visibility: str = "debug") -> str:
    """What the library itself writes for *events* (colours off)."""
    out = io.StringIO()
    writer = EventWriter(out)
    formatter = get_formatter(fmt, colors_enabled=False, visibility=visibility, stream=out)
    for event in events:
        writer.write(event, formatter)
    writer.end_line()
    return out.getvalue()


def sgr_params(output: bytes) -> set[int]:
    """Every SGR parameter (``ESC [ a;b;c m``) found in *output*."""
    params: set[int] = set()
    for match in re.finditer(rb"\x1b\[([0-9;]*)m", output):
        params.update(int(p) for p in match.group(1).split(b";") if p)
    return params


def _is_foreground_colour(param: int) -> bool:
    return 30 <= param <= 38 or 90 <= param <= 97


SMALL_LOG = [
    {"type": "run_start", "message": "Starting run: ROADMAP.md (1 task)"},
    {
        "type": "task_start",
        "task": {"id": "1", "title": "Fix it"},
        "message": "Starting task [1/1]",
    },
    {"type": "token", "content": "Hello"},
    {"type": "token", "content": ", world"},
    {"type": "tool_start", "tool": "read_file", "arguments": {"path": "a.py"}},
    {"type": "tool_end", "tool": "read_file", "result": "print(1)", "latency_ms": 12},
    {"type": "task_complete", "task": {"id": "1", "title": "Fix it"}, "duration_ms": 1500},
    {"type": "run_end", "message": "Run finished: 1 completed", "duration_ms": 1600},
]


# -- the demo ---------------------------------------------------------------


def test_demo_json_is_the_bundled_log_event_for_event() -> None:
    result = run("--demo", "--format", "json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    lines = result.stdout.splitlines()
    parsed = [orjson.loads(line) for line in lines]
    assert all(isinstance(e, dict) and isinstance(e.get("type"), str) for e in parsed)
    assert parsed == sample_events()
    assert 40 <= len(parsed) <= 60


def test_demo_log_covers_an_executor_run() -> None:
    types = [e["type"] for e in sample_events()]
    for needed in (
        "run_start",
        "node_start",
        "node_end",
        "task_start",
        "thinking",
        "token",
        "tool_start",
        "tool_end",
        "usage",
        "task_failed",
        "interrupt",
        "resume",
        "task_complete",
    ):
        assert needed in types, needed
    assert types[0] == "run_start"
    assert types[-1] == "run_end"
    nodes = {e.get("node_name") for e in sample_events() if e["type"] == "node_start"}
    assert {"pick_task", "execute_task", "verify", "checkpoint"} <= nodes


def test_demo_plain_without_colour_has_no_escape_byte() -> None:
    result = run("--demo", "--format", "plain", "--no-color", env=_env(FORCE_COLOR="1"))
    assert result.returncode == 0, result.stderr
    assert result.stderr == b""
    assert ESC not in result.stdout
    text = result.stdout.decode("utf-8")
    assert text == render_in_process(sample_events(), "plain")
    assert "Starting task [1/3]: Add retries to the HTTP client" in text
    assert "I'll start by reading the client to see how requests are sent.\n" in text
    assert "read_file" in text


def test_demo_rich_shows_details_and_the_failure_panel() -> None:
    result = run("--demo", "--format", "rich", "--no-color")
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode("utf-8")
    assert ESC not in result.stdout
    assert 'arguments: {"path":"src/acme/http/client.py"}' in text
    assert "result: 14 passed in 1.02s" in text
    assert "╭─ task_failed" in text
    assert "No module named 'pydantic_settings'" in text


def test_demo_minimal_shows_tasks_and_summary_only() -> None:
    result = run("--demo", "--format", "minimal", "--no-color")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.decode("utf-8").splitlines()
    assert lines[0] == "● Starting task [1/3]: Add retries to the HTTP client"
    assert lines[-1].startswith("■ Run finished: 2 completed, 1 failed, 0 skipped")
    assert not any("read_file" in line or "Node" in line for line in lines)
    assert any(line.startswith("✗ Failed task [2/3]") for line in lines)
    assert len(lines) == 8


def test_default_format_is_plain_when_stdout_is_not_a_terminal() -> None:
    default = run("--demo", "--no-color")
    plain = run("--demo", "--no-color", "--format", "plain")
    rich = run("--demo", "--no-color", "--format", "rich")
    assert default.returncode == plain.returncode == rich.returncode == 0
    assert default.stdout == plain.stdout
    assert default.stdout != rich.stdout


def test_colours_follow_rich_environment_handling() -> None:
    piped = run("--demo", "--format", "plain")
    assert ESC not in piped.stdout  # a pipe is not a terminal: Rich emits no codes
    forced = run("--demo", "--format", "plain", env=_env(FORCE_COLOR="1"))
    assert any(_is_foreground_colour(p) for p in sgr_params(forced.stdout))
    no_color = run("--demo", "--format", "plain", env=_env(FORCE_COLOR="1", NO_COLOR="1"))
    params = sgr_params(no_color.stdout)
    assert params  # bold / dim survive NO_COLOR ...
    assert not any(_is_foreground_colour(p) for p in params)  # ... colours do not
    # Colours change nothing but the escape codes.
    stripped = re.sub(rb"\x1b\[[0-9;]*m", b"", forced.stdout)
    assert stripped == piped.stdout


def test_script_and_module_give_the_same_output() -> None:
    module = run("--demo", "--format", "rich", "--no-color")
    script = run("--demo", "--format", "rich", "--no-color", cmd=_script_cmd())
    assert script.returncode == 0, script.stderr
    assert script.stdout == module.stdout


def test_version(cli: tuple[str, ...]) -> None:
    result = run("--version", cmd=cli)
    assert result.returncode == 0
    assert result.stdout.decode().strip() == f"ai-infra-format {__version__}"


def test_help_documents_the_default_format_and_exit_statuses() -> None:
    result = run("--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.decode("utf-8").split())
    assert "usage: ai-infra-format" in text
    assert "default: rich on a terminal, plain otherwise" in text
    for status in ("0 success", "1 a malformed input line", "2 usage error", "130 interrupted"):
        assert status in text, status


def test_json_output_does_not_import_rich() -> None:
    code = (
        "import sys\n"
        "from ai_infra_formatters.cli import main\n"
        "status = main(['--demo', '--format', 'json'])\n"
        "sys.stdout.flush()\n"
        "sys.stderr.write('rich loaded' if 'rich' in sys.modules else 'no rich')\n"
        "raise SystemExit(status)\n"
    )
    result = run("-c", code, cmd=(sys.executable,))
    assert result.returncode == 0
    assert result.stderr == b"no rich"


# -- input ------------------------------------------------------------------


def test_reads_a_file_stdin_and_dash_alike(cli: tuple[str, ...], tmp_path: Path) -> None:
    data = ndjson(*SMALL_LOG)
    log = tmp_path / "run.ndjson"
    log.write_bytes(data)
    expected = render_in_process(SMALL_LOG, "plain").encode("utf-8")
    for args, stdin in (((str(log),), b""), (("-",), data), ((), data)):
        result = run("--format", "plain", "--no-color", *args, cmd=cli, stdin=stdin)
        assert result.returncode == 0, (args, result.stderr)
        assert result.stderr == b""
        assert result.stdout == expected, args
    assert b"Hello, world\n" in expected
    assert b"read_file (12ms)" in expected


def test_blank_lines_bom_crlf_and_missing_final_newline(tmp_path: Path) -> None:
    lines = [orjson.dumps(e) for e in SMALL_LOG]
    data = b"\xef\xbb\xbf" + b"\r\n\r\n".join(lines) + b"\n   \n\t\n"
    log = tmp_path / "windows.ndjson"
    log.write_bytes(data.rstrip())  # no newline after the last event
    result = run("--format", "json", str(log))
    assert result.returncode == 0, result.stderr
    assert [orjson.loads(line) for line in result.stdout.splitlines()] == SMALL_LOG


def test_visibility_minimal_hides_tool_events() -> None:
    result = run("--demo", "--format", "plain", "--no-color", "--visibility", "minimal")
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode("utf-8")
    for hidden in ("read_file", "edit_file", "run_tests", "⚙", "Thinking", "Usage"):
        assert hidden not in text, hidden
    assert "I'll start by reading the client to see how requests are sent.\n" in text
    assert "● Starting task [1/3]" in text

    as_json = run("--demo", "--format", "json", "--visibility", "minimal")
    types = {orjson.loads(line)["type"] for line in as_json.stdout.splitlines()}
    assert types.isdisjoint({"tool_start", "tool_end", "thinking", "usage"})
    assert {"token", "task_start", "run_end"} <= types


def test_visibility_standard_strips_tool_arguments_and_results() -> None:
    result = run("--demo", "--format", "json", "--visibility", "STANDARD")
    assert result.returncode == 0, result.stderr
    tools = [
        e for e in map(orjson.loads, result.stdout.splitlines()) if e["type"].startswith("tool_")
    ]
    assert tools
    assert all("arguments" not in e and "result" not in e for e in tools)


def test_streamed_token_paragraph_prints_back_exactly(tmp_path: Path) -> None:
    paragraph = (
        "Streaming keeps    every space, tab\tand newline.\n\n"
        "A long line that is much wider than any terminal this test pretends to have, "
        "so a formatter that wraps at the console width would break it somewhere in the "
        "middle — which must not happen. Unicode: naïve café, 東京, emoji 🚀. "
        "Markup stays literal: [bold red]not red[/bold red]."
    )
    sizes = [1, 3, 7, 2, 11, 5]
    tokens, pos, i = [], 0, 0
    while pos < len(paragraph):
        tokens.append(paragraph[pos : pos + sizes[i % len(sizes)]])
        pos += sizes[i % len(sizes)]
        i += 1
    log = tmp_path / "tokens.ndjson"
    log.write_bytes(ndjson(*({"type": "token", "content": t} for t in tokens)))
    for fmt in ("plain", "rich"):
        result = run("--format", fmt, "--no-color", str(log), env=_env(COLUMNS="20"))
        assert result.returncode == 0, result.stderr
        assert result.stdout.decode("utf-8") == paragraph + "\n", fmt


def test_output_survives_a_non_utf8_locale() -> None:
    event = ndjson(
        {"type": "token", "content": "café 東京"}, {"type": "run_end", "message": "▶ ok"}
    )
    env = _env(PYTHONIOENCODING="ascii")
    console = run("--format", "plain", "--no-color", stdin=event, env=env)
    assert console.returncode == 0, console.stderr
    assert console.stderr == b""
    assert console.stdout.startswith(b"caf? ??\n")  # what ASCII cannot show is replaced
    as_json = run("--format", "json", stdin=event, env=env)
    assert as_json.returncode == 0, as_json.stderr
    # NDJSON is UTF-8 whatever the locale says.
    first = orjson.loads(as_json.stdout.splitlines()[0])
    assert first == {"type": "token", "content": "café 東京"}


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_reading_from_a_terminal_hints_how_to_finish() -> None:
    primary, secondary = os.openpty()
    try:
        proc = subprocess.Popen(
            [*MODULE_CMD, "--format", "plain", "--no-color"],
            stdin=secondary,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(),
            cwd=tempfile.gettempdir(),
        )
        os.write(primary, ndjson({"type": "run_start", "message": "typed"}) + b"\x04")
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        os.close(secondary)
        os.close(primary)
    assert proc.returncode == 0, err
    assert out == "▶ typed\n".encode()
    assert err.decode() == (
        "ai-infra-format: reading events from the terminal; end with Ctrl-D (or try --demo)\n"
    )


# -- malformed input --------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_line", "problem"),
    [
        (b"this is not json", "invalid JSON: "),
        (b'{"type": "token", "content": "cut off', "invalid JSON: "),
        (b"\xff\xfe garbage", "looks like UTF-16 "),
        (b"caf\xe9", "not valid UTF-8: "),
        (b"[1, 2, 3]", "expected a JSON object, got an array"),
        (b'"just a string"', "expected a JSON object, got a string"),
        (b"42", "expected a JSON object, got a number"),
        (b"null", "expected a JSON object, got null"),
    ],
)
def test_malformed_line_stops_after_printing_every_good_line(bad_line: bytes, problem: str) -> None:
    good = ndjson(
        {"type": "run_start", "message": "go"},
        {"type": "token", "content": "Hello"},
        {"type": "token", "content": " world"},
    )
    after = ndjson({"type": "run_end", "message": "never shown"})
    result = run("--format", "plain", "--no-color", stdin=good + b"\n" + bad_line + b"\n" + after)
    assert result.returncode == 1
    assert result.stdout.decode("utf-8") == "▶ go\nHello world\n"
    message = result.stderr.decode("utf-8")
    assert message.startswith(f"ai-infra-format: line 5: {problem}"), message
    assert message.endswith("\n")
    assert message.count("\n") == 1
    assert "Traceback" not in message


def test_malformed_line_from_the_script(tmp_path: Path) -> None:
    log = tmp_path / "bad.ndjson"
    log.write_bytes(ndjson({"type": "run_start"}) + b"{oops}\n" + ndjson({"type": "run_end"}))
    result = run("--format", "json", str(log), cmd=_script_cmd())
    assert result.returncode == 1
    assert [orjson.loads(line) for line in result.stdout.splitlines()] == [{"type": "run_start"}]
    assert result.stderr.decode().startswith(f"ai-infra-format: {log}:2: invalid JSON: ")


def test_skip_invalid_warns_and_carries_on() -> None:
    data = (
        ndjson({"type": "run_start", "message": "go"})
        + b"not json\n"
        + ndjson({"type": "token", "content": "still here"})
        + b"[]\n"
        + ndjson({"type": "run_end", "message": "done"})
    )
    result = run("--format", "plain", "--no-color", "--skip-invalid", stdin=data)
    assert result.returncode == 0
    assert result.stdout.decode("utf-8") == "▶ go\nstill here\n■ done\n"
    lines = result.stderr.decode("utf-8").splitlines()
    assert lines[0].startswith("ai-infra-format: line 2: invalid JSON: ")
    assert lines[1] == "ai-infra-format: line 4: expected a JSON object, got an array; skipped"
    assert lines[2] == "ai-infra-format: skipped 2 invalid lines"
    assert len(lines) == 3


def test_skip_invalid_reports_a_flood_of_bad_lines_once_counted() -> None:
    data = b"bad\n" * 25 + ndjson({"type": "run_end", "message": "done"})
    result = run("--format", "plain", "--no-color", "--skip-invalid", stdin=data)
    assert result.returncode == 0
    assert result.stdout == "■ done\n".encode()
    lines = result.stderr.decode("utf-8").splitlines()
    assert len(lines) == 11
    assert "further invalid lines are only counted" in lines[9]
    assert lines[-1] == "ai-infra-format: skipped 25 invalid lines"


def test_missing_file_is_one_line_and_exit_2(cli: tuple[str, ...], tmp_path: Path) -> None:
    missing = tmp_path / "no-such-log.ndjson"
    result = run(str(missing), cmd=cli)
    assert result.returncode == 2
    assert result.stdout == b""
    err = result.stderr.decode("utf-8")
    assert err == f"ai-infra-format: cannot open '{missing}': No such file or directory\n"


def test_a_directory_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run(str(tmp_path))
    assert result.returncode == 2
    assert result.stdout == b""
    assert result.stderr.decode() == f"ai-infra-format: cannot open '{tmp_path}': Is a directory\n"


def test_bad_arguments_are_usage_errors() -> None:
    for args in (("--demo", "some.ndjson"), ("--format", "xml", "--demo")):
        result = run(*args)
        assert result.returncode == 2, args
        assert b"Traceback" not in result.stderr
        assert b"ai-infra-format: error: " in result.stderr


@pytest.mark.skipif(os.name != "posix", reason="closes a file descriptor in the child")
def test_no_stdout_at_all_is_a_usage_error() -> None:
    result = subprocess.run(
        [*MODULE_CMD, "--demo"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=_env(),
        timeout=TIMEOUT,
        check=False,
        preexec_fn=lambda: os.close(1),  # like `ai-infra-format --demo >&-`
    )
    assert result.returncode == 2
    assert b"ai-infra-format: error: stdout is closed" in result.stderr
    assert b"Traceback" not in result.stderr


# -- stdout closed early, Ctrl-C -----------------------------------------------


def test_reader_closing_the_pipe_early_exits_quietly(cli: tuple[str, ...]) -> None:
    line = orjson.dumps({"type": "run_start", "message": "x" * 40}) + b"\n"
    proc = subprocess.Popen(
        [*cli, "--format", "plain", "--no-color"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
        env=_env(),
        cwd=tempfile.gettempdir(),
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdin.write(line)
    assert proc.stdout.readline() == b"\xe2\x96\xb6 " + b"x" * 40 + b"\n"  # streamed at once
    proc.stdout.close()  # like `| head -1`
    chunk = line * 20_000
    stopped_reading = False
    try:
        for _ in range(200):  # far more than the CLI may read once its reader is gone
            proc.stdin.write(chunk)
    except BrokenPipeError:
        stopped_reading = True
    finally:
        with contextlib.suppress(BrokenPipeError):
            proc.stdin.close()
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=TIMEOUT) == 0
    assert err == b""
    assert stopped_reading, "the CLI went on reading after its stdout was closed"


@pytest.mark.parametrize("fmt", ["plain", "json"])
def test_stdout_closed_before_the_first_write(fmt: str) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(
            [*_script_cmd(), "--demo", "--format", fmt],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=_env(),
            timeout=TIMEOUT,
            check=False,
        )
    finally:
        os.close(write_end)
    assert result.returncode == 0
    assert result.stderr == b""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigint_while_waiting_for_stdin_exits_130() -> None:
    # Buffered stdout (PYTHONUNBUFFERED removed): unbuffered, the line reaches the
    # pipe inside write(), and a SIGINT sent as soon as it is read can still
    # interrupt that write; the writer then cannot know the line was whole and
    # closes it with a newline (see ai_infra_formatters.writer).
    env = {k: v for k, v in _env().items() if k != "PYTHONUNBUFFERED"}
    proc = subprocess.Popen(
        [*MODULE_CMD, "--format", "plain", "--no-color"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        bufsize=0,
        env=env,
        cwd=tempfile.gettempdir(),
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    proc.stdin.write(ndjson({"type": "run_start", "message": "waiting"}))
    assert proc.stdout.readline() == "▶ waiting\n".encode()  # it is in its read loop now
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == 130
    assert b"Traceback" not in err
    assert b"KeyboardInterrupt" not in err
    assert out == b""


# -- parse_event_line, in process ----------------------------------------------


def test_parse_event_line_accepts_what_json_allows() -> None:
    assert parse_event_line(b'{"type": "token", "content": "hi"}\n') == {
        "type": "token",
        "content": "hi",
    }
    # orjson refuses a lone surrogate escape; the standard library reads it.
    assert parse_event_line(b'{"type": "token", "content": "\\ud800"}') == {
        "type": "token",
        "content": "\ud800",
    }


@pytest.mark.parametrize(
    "line", [b"NaN", b'{"cost": NaN}', b'{"a": Infinity}', b"{", b"", b'{"a": 1} {"b": 2}']
)
def test_parse_event_line_rejects_what_json_forbids(line: bytes) -> None:
    with pytest.raises(InvalidLineError, match="invalid JSON"):
        parse_event_line(line)
