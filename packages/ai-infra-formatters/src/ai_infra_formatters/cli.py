"""`ai-infra-format`: render an NDJSON event log in a terminal, or filter it back to NDJSON.

Usage::

    ai-infra-format --demo                  # the bundled sample run, at once
    ai-infra-format run.ndjson              # a saved log (gzip-compressed or not)
    ai-infra-format -f run.ndjson           # a log still being written, like tail -F
    my-agent --json | ai-infra-format       # events as they arrive on stdin

The input is read in binary a block at a time (a big piece of a file, or what
a pipe holds right now) and each line is parsed by orjson on its own, so memory
stays flat whatever the size of the log and a live stream is shown as it
arrives. A line longer than ``--max-line-bytes`` (64 MiB by default) is rejected
as soon as the limit is passed, without reading the rest of it: an endless line
(``< /dev/zero``) cannot exhaust memory. Output goes through
:class:`~ai_infra_formatters.output.EventWriter` (tokens inline, every other
event on a line of its own) into a :class:`~ai_infra_formatters.cli_output.BlockOutput`,
which sends what a block of input gave in one write; NDJSON output goes there
as :meth:`~ai_infra_formatters.json_format.JsonFormatter.format_bytes` made it.

Several FILEs are rendered one after the other, as one stream of events; a
message about a line names its file (``run.ndjson:12: ...``).

Exit status: 0 on success (also when the reader of stdout goes away early, as
``| head`` does), 1 for a malformed or too long input line (also a JSON object
with no ``type``) or output that cannot be written (a full disk), 2 for a usage
error or an input that cannot be opened or read (one line on stderr; an I/O
error mid-file), 130 when interrupted (also how ``--follow`` ends).

Importing this module does not import Rich; only a console format does.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import io
import os
import stat
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import IO, Any, Final, NamedTuple, NoReturn

import orjson

from ai_infra_formatters.__about__ import __version__
from ai_infra_formatters.cli_lines import TOO_LONG, LineBlocks, LineSource
from ai_infra_formatters.cli_output import BlockOutput
from ai_infra_formatters.event_types import KNOWN_EVENT_TYPES
from ai_infra_formatters.events import event_type_of
from ai_infra_formatters.formats import OutputFormat
from ai_infra_formatters.json_format import JsonFormatter
from ai_infra_formatters.log_inputs import FollowedFile, open_log
from ai_infra_formatters.output import get_formatter
from ai_infra_formatters.protocol import StreamFormatter
from ai_infra_formatters.visibility import VISIBILITY_LEVELS, hidden_event_types, hidden_fields
from ai_infra_formatters.writer import EventWriter, StreamWriteError, silence_stream

__all__ = [
    "DEFAULT_MAX_LINE_BYTES",
    "DEMO_LOG",
    "EXIT_INTERRUPTED",
    "EXIT_INVALID_INPUT",
    "EXIT_OK",
    "EXIT_READ_FAILED",
    "EXIT_USAGE",
    "EXIT_WRITE_FAILED",
    "InvalidLineError",
    "TypeFilter",
    "build_parser",
    "default_format",
    "main",
    "parse_event_line",
    "render_log",
    "say",
]

PROG: Final = "ai-infra-format"

EXIT_OK: Final = 0
EXIT_INVALID_INPUT: Final = 1
#: stdout cannot be written (a full disk, an I/O error); the reason goes to stderr.
EXIT_WRITE_FAILED: Final = 1
EXIT_USAGE: Final = 2
#: The input cannot be read (an I/O error mid-file); the lines before it are printed.
EXIT_READ_FAILED: Final = 2
EXIT_INTERRUPTED: Final = 130

#: The bundled sample log ``--demo`` renders, inside the package's ``data`` folder.
DEMO_LOG: Final = "sample_run.ndjson"

#: With ``--skip-invalid``, how many bad lines are reported one by one before
#: the rest are only counted (a log full of garbage must not flood stderr).
MAX_REPORTED_SKIPS: Final = 10

#: The longest input line read, in bytes, not counting its newline (``--max-line-bytes``).
DEFAULT_MAX_LINE_BYTES: Final = 64 * 1024 * 1024

_FORMAT_CHOICES: Final = tuple(f.value for f in OutputFormat)
_COLOR_CHOICES: Final = ("auto", "always", "never")
_UTF8_BOM: Final = b"\xef\xbb\xbf"
#: What is wrong with a JSON object that names no event type.
_NO_TYPE: Final = 'no "type" (nor "event_type"): an event needs one, e.g. "token"'

_JSON_KINDS: Final = {
    list: "an array",
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    type(None): "null",
}

_EPILOG: Final = f"""\
FILE is an NDJSON event log: one JSON object a line, each with a "type"
("token", "tool_start", "task_start", ...; or "event_type"). Blank lines are
ignored; a line that is not such an object is invalid. A log compressed with
gzip is read as it is (told by its content, whatever its name). Several FILEs
are rendered in order, as one stream; a message about a line names its file
and line number (run.ndjson:12: ...), or "line 12" for stdin.

The default --format is "rich" when stdout is a terminal and "plain" when it is
not (a file or a pipe). --color=auto (the default) follows the terminal and the
NO_COLOR and FORCE_COLOR variables; always (-C) colours even into a pipe or a
file (e.g. for `less -R`); never (-M, --no-color) emits no colour or style codes.
The json format has no colours and no time column.

--visibility filters events and fields the way ai-infra's streaming does:
minimal shows tokens and errors (plus the executor's run, node and task events),
standard adds thinking and tool events without tool arguments and results,
detailed keeps arguments and results and adds usage events, debug keeps
everything (the default). --type and --exclude then keep or drop events by
type; both take comma lists and can be given more than once.

--follow reads FILE from its start, then waits for more, like `tail -F`: when
the file is cut it starts over, when it is rotated (renamed or removed and made
again) it reads the rest of the old file, then the new one. Ctrl-C ends it.

examples:
  {PROG} --demo                        see a sample executor run
  {PROG} --demo --format json          the same run as NDJSON
  {PROG} run.ndjson                    render a saved log
  {PROG} run.1.ndjson.gz run.ndjson    two logs, one after the other
  {PROG} -f run.ndjson                 follow a log as it is written
  my-agent --json | {PROG}             render events as they stream in
  {PROG} --type tool_start,tool_end,error run.ndjson
                                       only tool calls and errors
  {PROG} --exclude token --timestamps run.ndjson
                                       everything but tokens, with the time
  {PROG} -C run.ndjson | less -R       colours through a pager
  {PROG} --visibility standard --format json run.ndjson > public.ndjson

exit status:
  0    success (also when stdout is closed early, e.g. by `| head`)
  1    a malformed input line, a JSON object with no "type", or a line longer
       than --max-line-bytes (all lines before it are printed first), or stdout
       cannot be written (a full disk; the reason goes to stderr)
  2    usage error, or an input that cannot be opened (missing, a directory;
       one line on stderr) or read (an I/O error, a cut-short .gz; all lines
       before it are printed first)
  130  interrupted (Ctrl-C; also how --follow ends)
"""


class InvalidLineError(ValueError):
    """An input line that is not one JSON object.

    Args:
        problem: what is wrong with the line, for a reader
            (``"invalid JSON: ..."``, ``"expected a JSON object, got an array"``).
    """

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


def parse_event_line(line: bytes) -> dict[str, Any]:
    """Parse one NDJSON line (bytes, trailing newline allowed) into an event dict.

    orjson does the parsing. A line orjson refuses although it is valid JSON in
    UTF-8 (a ``\\ud800``-style lone surrogate escape) is parsed by the standard
    library instead, so such text still reaches the formatters, which make it safe.

    Raises:
        InvalidLineError: the line is not JSON, or is JSON but not an object. The
            problem names what the line looks like when it is not UTF-8 text
            (UTF-16, binary, invalid UTF-8 with the offset of the first bad
            byte); a line that ends before its JSON does is reported at its end.
    """
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        value = _stdlib_fallback(line)
        if value is None:
            raise InvalidLineError(_encoding_problem(line) or _json_problem(exc)) from None
    if not isinstance(value, dict):
        kind = _JSON_KINDS.get(type(value), type(value).__name__)
        raise InvalidLineError(f"expected a JSON object, got {kind}")
    return value


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")


def _stdlib_fallback(line: bytes) -> Any:
    """*line* parsed by :mod:`json` (UTF-8 only, strict: no NaN / Infinity); ``None`` if it fails.

    The line is decoded here rather than by :func:`json.loads`, which would guess
    UTF-16 or UTF-32 from the bytes: NDJSON is UTF-8.
    """
    try:
        import json  # only for the rare line orjson refuses: not at every start

        return json.loads(line.decode("utf-8"), parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return None


def _encoding_problem(line: bytes) -> str | None:
    """What is wrong with *line* as UTF-8 text (UTF-16, binary, a bad byte); ``None`` if nothing."""
    convert = "not UTF-8: convert it first, e.g. with iconv -f UTF-16 -t UTF-8"
    bom = line[:2]
    if bom in (b"\xff\xfe", b"\xfe\xff"):
        mark = bom.hex(" ").upper()
        return f"looks like UTF-16 (it starts with the byte order mark {mark}), {convert}"
    nul = line.find(0)
    if nul >= 0:
        if _nuls_between_ascii(line):
            return f"looks like UTF-16 (NUL bytes between ASCII characters), {convert}"
        return f"looks binary (a NUL byte at byte offset {nul}), not NDJSON"
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as exc:
        column = len(line[: exc.start].decode("utf-8")) + 1
        return (
            f"not valid UTF-8: byte 0x{line[exc.start]:02X} at byte offset {exc.start}"
            f" (column {column})"
        )
    return None


def _nuls_between_ascii(line: bytes) -> bool:
    """True when *line* reads as ASCII text in UTF-16: a NUL in (nearly) every other byte."""
    sample = line[:512]
    pairs = len(sample) // 2
    if pairs < 2:
        return False
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    return max(even, odd) * 4 >= pairs * 3 and min(even, odd) * 8 <= pairs


def _json_problem(exc: orjson.JSONDecodeError) -> str:
    """orjson's complaint about a line, with the column it is about.

    An error at or past the line's end (orjson counts the newline as the start
    of a second line, column 1) means the line ends before its JSON does.
    """
    doc = exc.doc
    if isinstance(doc, str):
        text = doc.rstrip("\r\n")
        if exc.pos >= len(text):
            return f"invalid JSON: the line ends before the JSON does (column {len(text) + 1})"
    return f"invalid JSON: {exc.msg} (column {exc.colno})"


def say(text: str, *, end: str = "\n") -> None:
    """Write *text* and *end* to stderr, *text* made safe for a terminal (a command's
    messages and prompts; ``ai-infra-executor`` uses it too).

    Nothing happens when stderr is missing or cannot be written: a failing stderr
    must not change what the command does with its input and output.
    """
    from ai_infra_formatters.text_safety import safe_line  # only when there is a message

    stderr = sys.stderr
    if stderr is None:
        return
    with contextlib.suppress(OSError, ValueError):
        stderr.write(safe_line(text) + end)
        stderr.flush()


def _warn(message: str) -> None:
    """Write ``ai-infra-format: MESSAGE`` to stderr (see :func:`say`)."""
    say(f"{PROG}: {message}")


def _same_terminal() -> bool:
    """True when stdout and stderr both go to a terminal (messages interleave with output)."""
    try:
        return sys.stdout.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class TypeFilter(NamedTuple):
    """Which event types ``--type`` / ``--exclude`` let through.

    Args:
        names: the type names listed.
        shown: True when an event is shown exactly if its type is in *names*
            (``--type``, less what ``--exclude`` names); False when it is shown
            exactly if its type is not (``--exclude`` alone).
    """

    names: frozenset[str]
    shown: bool

    @classmethod
    def of(cls, types: Sequence[str], excluded: Sequence[str]) -> TypeFilter | None:
        """The filter for the *types* to keep (none: all) and the *excluded* ones;
        ``None`` when it lets every event through."""
        if types:
            return cls(frozenset(types).difference(excluded), shown=True)
        if excluded:
            return cls(frozenset(excluded), shown=False)
        return None

    def passes(self, event: dict[str, Any]) -> bool:
        """Whether *event* (a dict with a ``type`` or ``event_type``) is shown."""
        return (event_type_of(event) in self.names) is self.shown


def render_log(
    source: IO[bytes],
    writer: EventWriter,
    formatter: StreamFormatter,
    *,
    skip_invalid: bool = False,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    name: str | None = None,
    type_filter: TypeFilter | None = None,
) -> int:
    """Render every event of the NDJSON stream *source*; return the exit status.

    Args:
        source: a binary stream, read a block at a time (never all at once): a
            big piece of a file, or what a pipe holds (see :class:`LineBlocks`).
        writer: where the formatted events go. When its stream is a
            :class:`BlockOutput` (as the command makes it), what a block of
            input gives is sent to the real stream in one write, and NDJSON
            output from a :class:`JsonFormatter` goes there as bytes, past the
            writer; with any other stream every event is written on its own.
        formatter: turns each event into text.
        skip_invalid: report a malformed line as a warning and go on (status 0)
            instead of stopping at it (status 1).
        max_line_bytes: the most bytes a line may hold before its newline; a
            longer line is malformed, and no more than this much of it is held.
        name: the file *source* reads, for messages (``run.ndjson:12: ...``);
            ``None`` (stdin) says ``line 12: ...``.
        type_filter: which event types are shown (``None``: all of them).

    A malformed line (also a JSON object with neither ``type`` nor ``event_type``)
    stops the rendering after every good line before it has been written; a
    message naming the line number goes to stderr. A read error stops it the
    same way, with status :data:`EXIT_READ_FAILED`. An open token line is closed
    at the end.
    """
    rendering = _Rendering(writer, formatter, skip_invalid, max_line_bytes, type_filter)
    status = rendering.render(source, name)
    return rendering.finish() if status is None else status


class _Rendering:
    """One run of :func:`render_log` over one input or several, one after the other
    (its arguments are documented there): :meth:`render` each, then :meth:`finish`.
    The skipped lines are counted over all of them."""

    def __init__(
        self,
        writer: EventWriter,
        formatter: StreamFormatter,
        skip_invalid: bool,
        max_line_bytes: int,
        type_filter: TypeFilter | None,
    ) -> None:
        self.writer = writer
        self.formatter = formatter
        self.skip_invalid = skip_invalid
        self.max_line_bytes = max_line_bytes
        self.type_filter = type_filter
        self.output = output = _block_output(writer)
        # NDJSON lines go past the writer, as format_bytes made them, when nothing
        # the writer does applies to them (no token is inline in NDJSON).
        self.ndjson: JsonFormatter | None = None
        if (
            output is not None
            and type(formatter) is JsonFormatter
            and not writer.closed
            and writer.error is None
        ):
            self.ndjson = formatter
            writer.end_line()  # NDJSON lines start on a line of their own
        # The NDJSON lines of the block not sent yet. Each line is copied in at
        # once, so orjson's output is freed as soon as it is made: holding a
        # block's thousands of small buffers and freeing them together made the C
        # heap shrink and grow again every block (a page fault every few lines).
        self.batch = bytearray()
        self.name: str | None = None
        self.read_name: str | None = None
        self.lineno = 0
        self.skipped = 0

    def render(self, source: LineSource, name: str | None) -> int | None:
        """Render every line of *source*, the file *name* (``None``: stdin); an exit
        status when it stops at an invalid line or a read error, else ``None``."""
        self.name = name
        self.lineno = 0
        if name is None:  # a stream that names its file still names it in a read error
            named = getattr(source, "name", None)
            if isinstance(named, str) and not named.startswith("<"):
                name = named
        self.read_name = name
        blocks = LineBlocks(source, self.max_line_bytes)
        reader = iter(blocks)
        while True:
            try:
                block = next(reader, None)
            except OSError as exc:
                return self._read_failed(exc)
            if block is None:
                return None
            if self.lineno == 0:
                _drop_bom(block)
            try:
                status = self._render(block, blocks.unterminated)
            except KeyboardInterrupt:
                if self.batch:  # what was formatted before the interrupt still goes out
                    with contextlib.suppress(OSError):
                        self._send_ndjson()
                raise
            if status is not None:
                return status
            self._send()

    def finish(self) -> int:
        """End the output after the last input (an open token line is closed, a web
        protocol's stream ended, the skipped lines counted); :data:`EXIT_OK`."""
        self.close_stream()
        if self.skipped:
            noun = "line" if self.skipped == 1 else "lines"
            _warn(f"skipped {self.skipped} invalid {noun}")
        return EXIT_OK

    def close_stream(self, error: str | None = None) -> None:
        """End the output's stream and send it: a web protocol's closing frames (the
        run's end; its error, with *error*), else the close of an open token line."""
        self.writer.end_stream(self.formatter, error)
        self._send()

    def end(self) -> None:
        """Close an open token line and send what the output holds (before a message)."""
        self.writer.end_line()
        self._send()

    def _render(self, block: list[bytes | None], unterminated: bool) -> int | None:
        """Render the lines of *block*; an exit status when an invalid line stops it.

        The hot loop: a line costs one orjson call to learn it is an object, a
        look at its type, then the writer's ``write``, or ``format_bytes`` and a
        copy into the batch. *unterminated*: the input's last line has no newline.
        """
        loads = orjson.loads
        decode_error = orjson.JSONDecodeError
        write_event = self.writer.write
        formatter = self.formatter
        format_bytes = self.ndjson.format_bytes if self.ndjson is not None else None
        passes = self.type_filter.passes if self.type_filter is not None else None
        batch = self.batch
        lineno = self.lineno
        for line in block:
            lineno += 1
            if line is not TOO_LONG:
                try:
                    event = loads(line)
                except decode_error:
                    event = None
                if type(event) is not dict:
                    # Not an object to orjson: parse it again for the full diagnosis
                    # (with its newline, as it was read).
                    event = _parse_line(line if unterminated else line + b"\n")
                    if event is None:
                        continue  # a blank line
                if type(event) is dict:
                    if event.get("type") is not None or event.get("event_type") is not None:
                        if passes is not None and not passes(event):
                            continue
                        if format_bytes is None:
                            write_event(event, formatter)
                        elif data := format_bytes(event):
                            batch += data
                            batch += b"\n"
                        continue
                    problem = _NO_TYPE
                else:
                    problem = event
            else:
                problem = f"longer than {self.max_line_bytes:,} bytes (--max-line-bytes)"
            self.lineno = lineno
            status = self._invalid(problem)
            if status is not None:
                return status
        self.lineno = lineno
        if batch:
            self._send_ndjson()
        return None

    def _invalid(self, problem: str) -> int | None:
        """Report the invalid line :attr:`lineno`; an exit status unless it is skipped."""
        if self.batch:
            self._send_ndjson()  # every good line before it is written first
        where = self._where()
        if not self.skip_invalid:
            self.end()
            _warn(f"{where}: {problem}")
            return EXIT_INVALID_INPUT
        self.skipped += 1
        if self.skipped <= MAX_REPORTED_SKIPS:
            if _same_terminal():
                self.writer.end_line()
            self._send()
            more = " (further invalid lines are only counted)"
            tail = more if self.skipped == MAX_REPORTED_SKIPS else ""
            _warn(f"{where}: {problem}; skipped{tail}")
        return None

    def _where(self) -> str:
        """Where line :attr:`lineno` is: ``run.ndjson:12``, or ``line 12`` in stdin."""
        if self.name is None:
            return f"line {self.lineno}"
        return f"{self.name}:{self.lineno}"

    def _send(self) -> None:
        """Send what the output holds to its stream (nothing to do without one)."""
        if self.output is not None:
            self.output.send()

    def _send_ndjson(self) -> None:
        """Add the batch of NDJSON lines to the output and empty it."""
        assert self.output is not None  # NDJSON is batched only into a BlockOutput
        self.output.write_utf8(self.batch)
        self.batch.clear()

    def _read_failed(self, error: OSError) -> int:
        """Report that reading failed after line :attr:`lineno`; :data:`EXIT_READ_FAILED`."""
        self.end()
        what = repr(self.read_name) if self.read_name is not None else "the input"
        _warn(f"cannot read {what} after line {self.lineno}: {error.strerror or error}")
        return EXIT_READ_FAILED


def _parse_line(line: bytes) -> dict[str, Any] | str | None:
    """:func:`parse_event_line` of *line*: the event, what is wrong with the line
    (a str), or ``None`` for a blank line. For lines orjson alone did not make an
    object of, so it parses them again, giving the full diagnosis."""
    if not line or line.isspace():
        return None
    try:
        return parse_event_line(line)
    except InvalidLineError as exc:
        return exc.problem


def _drop_bom(block: list[bytes | None]) -> None:
    """Remove a UTF-8 byte order mark from the first line of *block*, the input's first."""
    first = block[0]
    if first is not None and first.startswith(_UTF8_BOM):
        block[0] = first[3:]


def _block_output(writer: EventWriter) -> BlockOutput | None:
    """The writer's stream when it is a :class:`BlockOutput`, else ``None``."""
    try:
        stream = writer.stream
    except ReferenceError:
        return None
    return stream if isinstance(stream, BlockOutput) else None


def default_format(stream: IO[str] | None = None) -> OutputFormat:
    """``rich`` when *stream* (default ``sys.stdout``) is a terminal, else ``plain``."""
    target = stream if stream is not None else sys.stdout
    try:
        is_tty = target is not None and target.isatty()
    except (AttributeError, ValueError):
        is_tty = False
    return OutputFormat.RICH if is_tty else OutputFormat.PLAIN


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``ai-infra-format`` (also ``python -m ai_infra_formatters``)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Render an NDJSON log of AI stream events (agent tokens, tool calls,\n"
        "executor runs) for a terminal, or filter it back to NDJSON.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "files",
        nargs="*",
        metavar="FILE",
        help='the event logs to read, in order (gzip-compressed or not); "-" or none reads stdin',
    )
    parser.add_argument(
        "-f",
        "--follow",
        action="store_true",
        help="keep reading FILE as it grows, like tail -F (one FILE; Ctrl-C ends it)",
    )
    parser.add_argument(
        "--format",
        type=str.lower,
        choices=_FORMAT_CHOICES,
        help="output: plain, rich, minimal, json (NDJSON), or a web protocol's SSE frames: "
        "ag-ui, vercel-ai (default: rich on a terminal, plain otherwise)",
    )
    parser.add_argument(
        "--visibility",
        type=str.lower,
        choices=list(VISIBILITY_LEVELS),
        default="debug",
        help="which events and fields to show (default: debug, i.e. everything in the log)",
    )
    parser.add_argument(
        "--type",
        action="append",
        type=_type_names,
        default=[],
        metavar="TYPES",
        help="show only events of these types (a comma list; repeatable)",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        type=_type_names,
        default=[],
        metavar="TYPES",
        help="hide events of these types (a comma list; repeatable)",
    )
    parser.add_argument(
        "--color",
        "--colour",
        type=str.lower,
        choices=_COLOR_CHOICES,
        default="auto",
        metavar="WHEN",
        help="colour and style codes: auto (on a terminal, the default), always or never",
    )
    parser.add_argument(
        "-C",
        dest="color",
        action="store_const",
        const="always",
        help="same as --color=always (as in jq)",
    )
    parser.add_argument(
        "-M",
        "--no-color",
        dest="color",
        action="store_const",
        const="never",
        help="same as --color=never",
    )
    parser.add_argument(
        "--timestamps",
        action="store_true",
        help="start each line with the event's time of day (console formats; json ignores it)",
    )
    parser.add_argument(
        "--markdown",
        action="store_true",
        help="render the model's answer (token text) as Markdown when stdout is a terminal "
        "(plain and rich layouts): finished blocks are printed once, the one being written "
        "is redrawn; a file or a pipe gets the raw text",
    )
    parser.add_argument(
        "--skip-invalid",
        action="store_true",
        help="warn about malformed lines and carry on instead of stopping (exit status 0)",
    )
    parser.add_argument(
        "--max-line-bytes",
        type=_line_limit,
        default=DEFAULT_MAX_LINE_BYTES,
        metavar="N",
        help="reject a line longer than N bytes without reading it whole: it is malformed"
        f" (default: {DEFAULT_MAX_LINE_BYTES} = 64 MiB)",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="render a bundled sample executor run instead of FILE",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def _line_limit(text: str) -> int:
    """The value of ``--max-line-bytes``: a whole number of bytes, at least 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of bytes: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _type_names(text: str) -> list[str]:
    """A value of ``--type`` / ``--exclude``: event type names, comma-separated."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"no event type named in {text!r}")
    return names


def _type_filter(args: argparse.Namespace) -> TypeFilter | None:
    """The ``--type`` / ``--exclude`` filter; a warning for a name no known event has."""
    types = [name for names in args.type for name in names]
    excluded = [name for names in args.exclude for name in names]
    unknown = sorted({*types, *excluded} - KNOWN_EVENT_TYPES)
    if unknown:
        listed = ", ".join(repr(name) for name in unknown)
        noun = "is not a known event type" if len(unknown) == 1 else "are not known event types"
        known = ", ".join(sorted(KNOWN_EVENT_TYPES))
        _warn(f"warning: {listed} {noun} (known: {known})")
    type_filter = TypeFilter.of(types, excluded)
    if type_filter is not None and type_filter.shown and not type_filter.names:
        _warn("warning: --exclude hides every type --type shows: nothing will be shown")
    return type_filter


class _Input(NamedTuple):
    """One input of the command: the demo log, stdin, or a file (followed or not)."""

    #: The file's path; ``None`` for stdin and the demo.
    path: str | None
    demo: bool = False
    follow: bool = False

    def open(self) -> AbstractContextManager[LineSource]:
        """The input opened, as a context manager that closes it (never stdin).

        Raises:
            OSError: the file cannot be opened, or it is compressed and followed.
        """
        if self.demo:
            from importlib import resources  # ~8 ms to import: only for the demo

            resource = resources.files("ai_infra_formatters") / "data" / DEMO_LOG
            return resource.open("rb")
        if self.path is None:
            stdin = sys.stdin
            if stdin.isatty():
                _warn("reading events from the terminal; end with Ctrl-D (or try --demo)")
            return contextlib.nullcontext(stdin.buffer)
        if not self.follow:
            return open_log(self.path)
        followed = FollowedFile(self.path)
        try:
            compressed = followed.is_gzip()
        except OSError:
            compressed = False  # a read error: reading says so
        if compressed:
            followed.close()
            raise OSError(errno.EINVAL, "it is gzip-compressed (follow the log it was made from)")
        return followed


def _inputs(args: argparse.Namespace, parser: argparse.ArgumentParser) -> list[_Input]:
    """What the command reads, in order (exits with status 2 on a usage error)."""
    files: list[str] = args.files
    if args.demo:
        if files:
            parser.error("--demo renders the bundled sample log; give no FILE with it")
        if args.follow:
            parser.error("--follow reads a FILE that grows, not --demo")
        return [_Input(None, demo=True)]
    if args.follow:
        if len(files) != 1 or files[0] == "-":
            parser.error("--follow follows one FILE (stdin streams without it)")
        return [_Input(files[0], follow=True)]
    if files.count("-") > 1:
        parser.error('stdin ("-") can be read only once')
    if (not files or "-" in files) and sys.stdin is None:
        parser.error("no stdin to read (give a FILE or --demo)")
    return [_Input(None if path == "-" else path) for path in files or ["-"]]


def _cannot_open(path: str) -> str | None:
    """Why *path* cannot be read as a log (missing, a directory), else ``None``.

    Looked at before any input is read, so a mistyped name costs no output; the
    file is not opened here (a named pipe would lose its writer)."""
    try:
        info = os.stat(path)
    except OSError as exc:
        return exc.strerror or str(exc)
    if stat.S_ISDIR(info.st_mode):
        return os.strerror(errno.EISDIR)
    return None


def _cannot_open_message(item: _Input, reason: str) -> str:
    verb = "follow" if item.follow else "open"
    return f"cannot {verb} {item.path!r}: {reason}"


def _make_formatter(
    fmt: OutputFormat, color: str, timestamps: bool, visibility: str | None, markdown: bool
) -> StreamFormatter:
    """The formatter for the command's options; the console ones look at ``sys.stdout``.

    Args:
        fmt: the output layout.
        color: ``auto`` (what the terminal and ``NO_COLOR`` / ``FORCE_COLOR`` say),
            ``always`` (colours whatever stdout is and the environment says) or ``never``.
        timestamps: a time-of-day column (console layouts only).
        visibility: the visibility level, ``None`` for no filtering.
        markdown: render the answer as Markdown when stdout is a terminal.
    """
    if not fmt.is_console or (color != "always" and not timestamps):
        return get_formatter(
            fmt,
            colors_enabled=color != "never",
            visibility=visibility,
            stream=sys.stdout,
            markdown=markdown,
        )
    from ai_infra_formatters.console import ConsoleFormatter

    console = None
    if color == "always":
        from rich.console import Console

        console = Console(file=sys.stdout, force_terminal=True, no_color=False)
        if console.color_system is None:  # TERM=dumb: still colours, the 16 of every terminal
            console = Console(
                file=sys.stdout, force_terminal=True, no_color=False, color_system="standard"
            )
    return ConsoleFormatter(
        fmt,
        colors_enabled=color != "never",
        visibility=visibility,
        console=console,
        file=sys.stdout,
        show_timestamps=timestamps,
        markdown=markdown,
    )


def _prepare_stdout(fmt: OutputFormat) -> None:
    """Make sys.stdout able to write what *fmt* produces, whatever the locale.

    NDJSON is UTF-8 by definition; console layouts replace what the terminal's
    encoding cannot show instead of failing on it.
    """
    stdout = sys.stdout
    if not isinstance(stdout, io.TextIOWrapper):
        return
    with contextlib.suppress(ValueError, LookupError):
        if not fmt.is_console:  # NDJSON, SSE frames
            stdout.reconfigure(encoding="utf-8")
        else:
            stdout.reconfigure(errors="replace")


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    inputs = _inputs(args, parser)
    if sys.stdout is None:
        parser.error("stdout is closed: nothing to write the events to")
    for item in inputs:
        reason = _cannot_open(item.path) if item.path is not None else None
        if reason is not None:
            _warn(_cannot_open_message(item, reason))
            return EXIT_USAGE
    type_filter = _type_filter(args)
    fmt = OutputFormat.parse(args.format) if args.format else default_format()
    _prepare_stdout(fmt)
    visibility: str | None = args.visibility
    if fmt is OutputFormat.JSON and _hides_nothing(args.visibility):
        visibility = None  # the same output, by JsonFormatter's unfiltered fast path
    formatter = _make_formatter(fmt, args.color, args.timestamps, visibility, args.markdown)
    output = BlockOutput(sys.stdout)
    writer = EventWriter(output)  # type: ignore[arg-type]
    rendering = _Rendering(writer, formatter, args.skip_invalid, args.max_line_bytes, type_filter)
    try:
        status = _render_inputs(inputs, rendering)
    except KeyboardInterrupt:
        # Leave the terminal on a fresh line; the caller reports the interrupt.
        with contextlib.suppress(OSError):
            rendering.end()
        raise
    sys.stdout.flush()
    return status


def _render_inputs(inputs: Sequence[_Input], rendering: _Rendering) -> int:
    """Render *inputs* one after the other; the exit status (the first that stops)."""
    for item in inputs:
        try:
            opened = item.open()
        except OSError as exc:
            rendering.end()  # what the inputs before it gave stays whole
            _warn(_cannot_open_message(item, exc.strerror or str(exc)))
            return EXIT_USAGE
        with opened as source:
            status = rendering.render(source, item.path)
        if status is not None:
            rendering.close_stream("the event log could not be read to its end")
            return status
    return rendering.finish()


def _hides_nothing(visibility: str) -> bool:
    """True when the level *visibility* hides no event type and no field (``debug``)."""
    return not hidden_event_types(visibility) and not hidden_fields(visibility)


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ai-infra-format`` with *argv* (default ``sys.argv[1:]``); return the exit status.

    Usage errors leave through ``SystemExit(2)`` as argparse does.
    """
    try:
        return _run(argv)
    except BrokenPipeError:
        # The reader of stdout went away (`| head`): nothing left to do.
        silence_stream(sys.stdout)
        return EXIT_OK
    except StreamWriteError as exc:
        # A full disk or an I/O error: say so once and stop. What stdout still
        # buffers cannot be written either; discard it rather than fail at exit.
        silence_stream(sys.stdout)
        with contextlib.suppress(OSError, ValueError):
            _warn(exc.strerror or str(exc))
        return EXIT_WRITE_FAILED
    except KeyboardInterrupt:
        try:
            sys.stdout.flush()
        except OSError:
            silence_stream(sys.stdout)
        return EXIT_INTERRUPTED
