"""`ai-infra-executor`: the command line (``python -m ai_infra_executor`` too).

Usage::

    ai-infra-executor demo                       # the bundled roadmap, rich live view
    ai-infra-executor demo --format json         # the same run as NDJSON
    ai-infra-executor demo --fail-task 3         # task 3's tests fail
    ai-infra-executor demo --interrupt           # ask before each checkpoint
    ai-infra-executor demo --interrupt --approve # ... and answer yes without asking
    ai-infra-executor demo --markdown            # the agent's answers as Markdown
    ai-infra-executor serve                      # watch runs in a browser (127.0.0.1:8765)
    ai-infra-executor serve --redis URL          # ... the runs `demo --publish URL` sends
    ai-infra-executor watch URL                  # a served run in this terminal

The demo runs a real LangGraph graph (see :mod:`ai_infra_executor.demo.graph`)
whose agent is a scripted LangChain chat model: no network, no API key. When
``--interrupt`` asks for approval and stdin is not a terminal, the demo never
waits: it approves and says so on stderr.

Exit status: 0 when the run ended (also when a task failed: that is part of the
demo, and when the reader of stdout went away early, as with ``| head -1``), 1
when the run raised or stdout cannot be written (a full disk; the reason goes to
stderr once) or, with ``--publish``, when events never reached the Redis run log
(a line says how many), 2 for a usage error, a roadmap that cannot be read or
holds no task, or a ``--publish`` Redis that does not answer before the run, 130
when interrupted (Ctrl-C). None of these prints a traceback. ``serve`` and
``watch`` list their own in ``--help``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import functools
import importlib
import math
import os
import sys
import urllib.parse
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NoReturn

from ai_infra_executor.__about__ import __version__
from ai_infra_executor.builders import create_run_start_event, error_text
from ai_infra_executor.config import ExecutorStreamConfig
from ai_infra_formatters.cli import say
from ai_infra_formatters.formats import OutputFormat
from ai_infra_formatters.writer import silence_stream

if TYPE_CHECKING:
    from ai_infra_executor.live import LiveProgressView
    from ai_infra_executor.publish import Publisher
    from ai_infra_executor.run_log import RunLog

__all__ = [
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "OutputError",
    "build_parser",
    "main",
]

PROG: Final = "ai-infra-executor"
EXIT_OK: Final = 0
EXIT_ERROR: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERRUPTED: Final = 130

_FORMATS: Final = ("plain", "rich", "minimal", "json", "ag-ui", "vercel-ai")
_VISIBILITIES: Final = ("minimal", "standard", "detailed", "debug")

_EXAMPLES: Final = """\
examples:
  ai-infra-executor demo                          the bundled roadmap, live view
  ai-infra-executor demo --format plain           one line an event
  ai-infra-executor demo --format json > run.ndjson   the run as NDJSON
  ai-infra-executor demo --format vercel-ai       the run as an AI SDK UI message stream
  ai-infra-executor demo --fail-task 3 --interrupt    a failing task, approval prompts
  ai-infra-executor demo --visibility detailed    tool arguments and results too
  ai-infra-executor demo --markdown               answers rendered as Markdown
  ai-infra-executor demo --roadmap ROADMAP.md --latency-scale 0
  ai-infra-executor demo --publish redis://localhost:6379/0   also to a Redis run log

exit status:
  0    the run ended (a failed task is part of a run), or the reader of stdout
       went away early (`| head -1`)
  1    the run raised, or stdout cannot be written (a full disk; the reason
       goes to stderr), or with --publish, events that never reached the Redis
       run log (it went away mid-run; a line says how many)
  2    usage error: bad arguments, a roadmap that cannot be read or holds no
       task, LangGraph not installed, a --publish Redis that does not answer
  130  interrupted (Ctrl-C)
"""

_OVERVIEW: Final = """\
examples:
  ai-infra-executor demo                          run the bundled roadmap, live view
  ai-infra-executor serve --redis redis://localhost:6379/0
                                                  serve the runs of a Redis run log
                                                  at http://127.0.0.1:8765/
  ai-infra-executor watch http://127.0.0.1:8765/runs/ID
                                                  show a served run in this terminal

To watch a demo run in a browser: `serve --redis URL` in one terminal,
`demo --publish URL` (the same URL) in another, then open the page.
`ai-infra-executor COMMAND --help` tells more, with each command's exit status.

exit status:
  0    done (the run ended, the server stopped)
  1    the run raised, output could not be written, published events were lost
  2    usage error, or what was named cannot be used (a roadmap, a Redis, a server,
       a run, a token)
  130  interrupted (Ctrl-C)
"""

_SERVE_EPILOG: Final = """\
examples:
  ai-infra-executor serve                         runs published in this process only
  ai-infra-executor serve --redis redis://localhost:6379/0   runs that `demo --publish` sends there
  AI_INFRA_SERVER_TOKEN=secret ai-infra-executor serve --host 0.0.0.0 --redis URL

A startup line on stderr names the log served and the page's URL.

exit status:
  0    stopped (SIGTERM)
  2    usage error: bad arguments, an empty token, a --redis URL that is not
       Redis's or a Redis that does not answer, the server extra not installed
  130  interrupted (Ctrl-C)
"""

_WATCH_EPILOG: Final = """\
examples:
  ai-infra-executor watch http://127.0.0.1:8765/runs/ID
  ai-infra-executor watch --format json http://127.0.0.1:8765/runs/ID > run.ndjson
  AI_INFRA_SERVER_TOKEN=secret ai-infra-executor watch http://HOST:8765/runs/ID

A run that is not there yet is waited for (up to 10 s: its publisher may not have
sent its first event). A server never reached is an error at once; once the
server has answered, a dropped connection is retried until the run ends.

exit status:
  0    the run ended, or the reader of stdout went away early (`| head -1`)
  1    stdout cannot be written (a full disk)
  2    usage error or refused: not a run's URL, a server that cannot be reached,
       a wrong or missing token (401, 403), a run that is not there (404)
  130  interrupted (Ctrl-C)
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ai-infra-executor``."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Run an executor over LangGraph and watch its events: `demo` runs "
        "the bundled roadmap, `serve` serves runs to watch (a web page, SSE), `watch` shows "
        "a served run in the terminal.",
        epilog=_OVERVIEW,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    demo = commands.add_parser(
        "demo",
        help="run a real LangGraph executor over a bundled roadmap (no LLM, no network)",
        description="Run a real LangGraph executor graph over a roadmap; the agent is a "
        "scripted LangChain chat model that streams tokens and calls tools.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument(
        "--format",
        choices=_FORMATS,
        default="rich",
        help="output: rich (live progress view in a terminal), plain, minimal, json (NDJSON), "
        "ag-ui or vercel-ai (the web protocols' SSE frames)",
    )
    demo.add_argument(
        "--visibility",
        choices=_VISIBILITIES,
        help="what the agent's events show: minimal (tokens and errors), standard (plus "
        "thinking and tools, default), detailed (plus tool arguments, results and usage), "
        "debug (everything)",
    )
    demo.add_argument(
        "--markdown",
        action="store_true",
        help="render the agent's answers as Markdown while they stream, on a terminal "
        "(a file or a pipe gets the raw text): each finished block is printed once, only "
        "the one being written is redrawn",
    )
    demo.add_argument(
        "--roadmap",
        metavar="FILE",
        type=Path,
        help="a roadmap of '- [ ] title (file, ...)' lines (default: the bundled one)",
    )
    demo.add_argument(
        "--fail-task", metavar="N", type=int, help="make the tests of task N (1-based) fail"
    )
    demo.add_argument(
        "--interrupt",
        action="store_true",
        help="ask for approval (LangGraph interrupt) before each task is checkpointed",
    )
    demo.add_argument(
        "--approve", action="store_true", help="approve every --interrupt question without asking"
    )
    demo.add_argument(
        "--latency-scale",
        metavar="X",
        type=float,
        default=1.0,
        help="multiply the scripted token, tool and test delays (0: no delays)",
    )
    demo.add_argument(
        "--publish",
        metavar="REDIS_URL",
        help="also publish the run's events to the Redis run log at REDIS_URL "
        "(redis://host:port/db), where `ai-infra-executor serve --redis REDIS_URL` shows "
        "it; the run's id goes to stderr (needs the server extra). The published events "
        "carry tool arguments, results and usage (at least --visibility detailed) "
        "whatever this terminal shows",
    )
    _add_serve(commands)
    _add_watch(commands)
    return parser


def _add_serve(commands: Any) -> None:
    """The ``serve`` subcommand (the ``server`` extra)."""
    serve = commands.add_parser(
        "serve",
        help="serve runs to watch: a web page, their lists and event streams (SSE)",
        description="Serve the runs of a run log over HTTP: GET / (a page that lists the runs "
        "and shows one live), GET /runs, GET /runs/ID/events (SSE, resumable with "
        "Last-Event-ID; ?format=json, ag-ui or vercel-ai). Needs the server extra: "
        'pip install "ai-infra-executor[server]".',
        epilog=_SERVE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "--redis",
        metavar="URL",
        help="keep the runs in Redis Streams at URL (redis://...); default: in this "
        "process's memory (lost when it stops)",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1)"
    )
    serve.add_argument(
        "--port", type=int, default=8765, help="the port to listen on (default: 8765)"
    )
    serve.add_argument(
        "--token",
        help="require this bearer token on every request (default: the environment "
        "variable AI_INFRA_SERVER_TOKEN; prefer it: a command line is visible to other "
        "users); the page takes it as ?token=",
    )


def _add_watch(commands: Any) -> None:
    """The ``watch`` subcommand."""
    watch = commands.add_parser(
        "watch",
        help="show a run that `serve` serves, in this terminal, as it happens",
        description="Show the events of a run served by `ai-infra-executor serve`, from "
        "its start, as they come; when the connection drops (or the server restarts) "
        "connect again and resume right after the last event shown, until the run ends.",
        epilog=_WATCH_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    watch.add_argument("url", metavar="URL", help="the run's URL: http://HOST:PORT/runs/ID")
    watch.add_argument(
        "--format",
        choices=("plain", "rich", "minimal", "json"),
        help="output (default: rich on a terminal, plain otherwise)",
    )
    watch.add_argument(
        "--visibility",
        choices=_VISIBILITIES,
        help="what the agent's events show: minimal (tokens and errors), standard (plus "
        "thinking and tools), detailed (plus tool arguments, results and usage; the "
        "default), debug (everything); --format json shows every field unless given",
    )
    watch.add_argument(
        "--token",
        help="the server's bearer token (default: the environment variable AI_INFRA_SERVER_TOKEN)",
    )
    watch.add_argument("--no-color", action="store_true", help="never emit colour codes")


def run_watch(args: argparse.Namespace) -> int:
    """Run ``ai-infra-executor watch`` as *args* say; return the exit status."""
    from ai_infra_executor.watch import WatchError, events_url, watch_run
    from ai_infra_formatters import end_stream, get_formatter, stream_to_console
    from ai_infra_formatters.cli import default_format

    try:
        events_url(args.url)
    except ValueError as exc:
        _usage_error(str(exc))
    if sys.stdout is None:
        _usage_error("stdout is closed: nothing to write the events to")
    token = args.token if args.token is not None else os.environ.get("AI_INFRA_SERVER_TOKEN")
    fmt = OutputFormat.parse(args.format) if args.format else default_format()
    # Show what the published events carry: a terminal gets tool arguments and results.
    visibility = args.visibility
    if visibility is None and fmt is not OutputFormat.JSON:
        visibility = "detailed"
    formatter = get_formatter(
        fmt, colors_enabled=not args.no_color, visibility=visibility, stream=sys.stdout
    )

    def show(event: Any) -> None:
        _output(functools.partial(stream_to_console, event, formatter=formatter, stream=sys.stdout))

    def dropped(reason: str) -> None:
        say(f"{PROG}: the connection dropped ({reason}); connecting again")

    def waiting(run_id: str) -> None:
        say(f"{PROG}: waiting for run {run_id} to start")

    try:
        watch_run(args.url, show, token=token or None, on_retry=dropped, on_wait=waiting)
        _output(functools.partial(end_stream, formatter, sys.stdout))
    except WatchError as exc:
        _warn(f"error: {exc}")
        if exc.status == 401:
            _warn(
                "hint: give the server's token with --token TOKEN or the environment "
                "variable AI_INFRA_SERVER_TOKEN"
                if not token
                else "hint: the token given (--token or AI_INFRA_SERVER_TOKEN) was refused"
            )
        return EXIT_USAGE
    except OutputError as exc:
        silence_stream(sys.stdout)
        if exc.closed:
            return EXIT_OK
        _warn(f"error: cannot write the output: {exc}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        _warn("interrupted")
        return EXIT_INTERRUPTED
    return EXIT_OK


def run_serve(args: argparse.Namespace) -> int:
    """Run ``ai-infra-executor serve`` as *args* say; return the exit status."""
    token = args.token if args.token is not None else os.environ.get("AI_INFRA_SERVER_TOKEN")
    if token == "":
        _usage_error("--token: give a non-empty token")
    if not 0 <= args.port <= 65535:
        _usage_error(f"--port {args.port}: give a port from 0 to 65535")
    try:
        from ai_infra_executor.server import serve

        # The backends are looked up by name: each imports its own libraries only when used.
        if args.redis is not None:
            backend = importlib.import_module("ai_infra_executor.run_log_redis")
            log: RunLog = backend.RedisRunLog(args.redis)
        else:
            backend = importlib.import_module("ai_infra_executor.run_log_memory")
            log = backend.MemoryRunLog()
    except ImportError as exc:
        _warn(
            f'error: serve needs the server extra: pip install "ai-infra-executor[server]" ({exc})'
        )
        return EXIT_USAGE
    except ValueError as exc:  # a URL redis-py cannot read
        _usage_error(f"--redis {redacted_url(args.redis)}: {exc}")
    if token is None and args.host not in ("127.0.0.1", "localhost", "::1"):
        _warn(
            f"warning: serving on {args.host} without a token: "
            "anyone who can reach it sees the runs"
        )

    async def checked_serve() -> int:
        # One event loop for the check and the serving: the log's connections belong to it.
        if args.redis is not None and not await _redis_reachable(log, args.redis):
            await log.close()
            return EXIT_USAGE
        _warn(_serving_line(args.redis, args.host, args.port))
        await serve(log, host=args.host, port=args.port, token=token)
        return EXIT_OK

    try:
        return asyncio.run(checked_serve())
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED


#: How long checking that Redis answers may take, in seconds.
REDIS_CHECK_TIMEOUT: Final = 5.0


async def _redis_reachable(log: RunLog, url: str) -> bool:
    """True when the Redis run log *log* (at *url*) answers a cheap call (listing the
    runs); otherwise say so on stderr ("cannot reach Redis at URL: reason")."""
    try:
        await asyncio.wait_for(log.runs(), REDIS_CHECK_TIMEOUT)
    except Exception as exc:
        if isinstance(exc, asyncio.TimeoutError):
            reason = f"no answer in {REDIS_CHECK_TIMEOUT:g} s"
        else:
            reason = error_text(exc)
        _warn(f"error: cannot reach Redis at {redacted_url(url)}: {reason}")
        return False
    return True


def redacted_url(url: str) -> str:
    """*url* without the password it may hold (``redis://user:***@host``), to print."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def _serving_line(redis_url: str | None, host: str, port: int) -> str:
    """The startup line of ``serve``: what log it serves, and the page's URL."""
    shown_host = f"[{host}]" if ":" in host else host
    page = f"http://{shown_host}:{port}/"
    if redis_url is not None:
        return f"serving the runs in Redis at {redacted_url(redis_url)} on {page}"
    return (
        f"serving the runs published in this process only (the memory log) on {page}; "
        "for `demo --publish URL` runs, start `serve --redis URL` with the same Redis URL"
    )


def demo_config(
    output_format: OutputFormat, visibility: str | None = None, markdown: bool = False
) -> ExecutorStreamConfig:
    """The streaming settings the demo uses for *output_format*; *visibility*, when
    given, is the agent's ``token_visibility`` instead of the format's own;
    *markdown* renders the answers as Markdown on a terminal (``--markdown``).

    Node transitions are on for ``rich`` (its live view shows the running node);
    :func:`run_demo` turns them off when the view writes lines instead.
    """
    if output_format is OutputFormat.JSON:
        config = ExecutorStreamConfig.json_output()
    elif output_format.is_web:  # what a web page shows: the nodes, tool arguments and results
        config = ExecutorStreamConfig(
            output_format=output_format,
            stream_tokens=True,
            show_node_transitions=True,
            token_visibility="detailed",
        )
    elif output_format is OutputFormat.MINIMAL:
        config = ExecutorStreamConfig.minimal()
    else:
        config = ExecutorStreamConfig(
            output_format=output_format,
            stream_tokens=True,
            # The live view shows the node itself; as lines, nodes would drown the tasks.
            show_node_transitions=output_format is OutputFormat.RICH,
        )
    if visibility is not None:
        config.token_visibility = visibility  # type: ignore[assignment]
    config.markdown = markdown
    return config


class OutputError(Exception):
    """Writing the run's events to stdout failed.

    Keeps the output's errors apart from the run's own: a node may raise an
    ``OSError`` (even a ``BrokenPipeError``) too, and that is a failed run. The
    ``OSError`` is the ``__cause__``.

    Attributes:
        closed: the reader of stdout went away (a broken pipe, as with
            ``| head -1``), rather than the write failing (a full disk).
    """

    def __init__(self, message: str, *, closed: bool) -> None:
        super().__init__(message)
        self.closed = closed


def _output(write: Callable[[], None]) -> None:
    """Call *write* (which writes to stdout); an ``OSError`` becomes :class:`OutputError`."""
    try:
        write()
    except OSError as exc:
        closed = isinstance(exc, BrokenPipeError)
        raise OutputError(exc.strerror or str(exc), closed=closed) from exc


def _warn(message: str) -> None:
    """Print ``ai-infra-executor: message`` on stderr, made safe (see ``say``)."""
    say(f"{PROG}: {message}")


def _decide(value: Any, approve: bool) -> str:
    """The answer to an approval question: asked on the terminal, else ``approve``."""
    from ai_infra_executor.demo.graph import question_of

    question = question_of(value)  # the graph's text: untrusted, made safe by say
    if approve:
        say(f"{question} approved (--approve)")
        return "approve"
    if sys.stdin is None or not sys.stdin.isatty():
        say(f"{question} approved (stdin is not a terminal)")
        return "approve"
    say(f"{question} [Y/n] ", end="")
    try:
        answer = input()
    except EOFError:
        answer = ""
    return "approve" if answer.strip().lower() in ("", "y", "yes") else answer.strip() or "reject"


async def run_demo(args: argparse.Namespace) -> int:
    """Run the demo as *args* (from :func:`build_parser`) say; return the exit status.

    The run's header is on screen before LangGraph is imported (that takes a
    second or two): the roadmap is read, the view started and the header shown
    first. Not on a terminal, the rich format makes plain's choices: no node
    transitions, a ``progress`` line as each task ends.
    """
    from ai_infra_executor.demo import bundled_roadmap
    from ai_infra_executor.demo.roadmap import initial_state
    from ai_infra_executor.live import LiveProgressView

    try:
        state = initial_state(args.roadmap if args.roadmap is not None else bundled_roadmap())
    except OSError as exc:
        _usage_error(f"cannot read the roadmap: {exc}")
    if not state["todos"]:
        _usage_error(f"no '- [ ] task' line in the roadmap {state['roadmap_path']}")
    tasks = len(state["todos"])
    if args.fail_task is not None and args.fail_task > tasks:
        _usage_error(
            f"--fail-task {args.fail_task}: the roadmap has {tasks} task{'s' if tasks > 1 else ''}"
        )

    publisher = await _publisher(args.publish) if args.publish else None
    output_format = OutputFormat.parse(args.format)
    config = demo_config(output_format, args.visibility, args.markdown)
    config.output_stream = sys.stdout
    view = LiveProgressView(
        config=config, live=None if output_format is OutputFormat.RICH else False
    )
    # The live view shows the node itself; as lines, nodes would drown the tasks.
    config.show_node_transitions = view.is_live or output_format.is_web
    try:
        _output(view.start)
        header = create_run_start_event(state["roadmap_path"], tasks)
        _output(functools.partial(view.announce, header))
        if publisher is None:
            return await _run(args, state, config, view, None)
        try:
            async with publisher:  # the run ends in the log however the demo ends
                status = await _run(args, state, config, view, publisher)
        finally:  # only once the publisher has appended all and ended the run
            await publisher.log.close()
        missing = publisher.unpublished
        if missing:  # the lines of the publisher (its logger) said why
            _warn(
                f"error: {missing} of the run's {publisher.put_count} events were not published "
                f"to {redacted_url(args.publish)}: the run log was unreachable"
            )
            return EXIT_ERROR if status == EXIT_OK else status
        return status
    except BaseException:
        # Leaving with an error (often the output's own): stopping may fail on the same
        # stream, and must not replace the error to report.
        with contextlib.suppress(OSError):
            view.stop()
        raise


async def _run(
    args: argparse.Namespace,
    state: Any,
    config: ExecutorStreamConfig,
    view: LiveProgressView,
    publisher: Publisher | None,
) -> int:
    """Run the demo graph on *state*, showing its events on *view* (started) and
    giving them to *publisher*; the view is stopped around each approval prompt and
    at the end."""
    from langgraph.types import Command

    from ai_infra_executor.demo.graph import build_demo_graph
    from ai_infra_executor.graph import StreamingExecutor

    graph = build_demo_graph(
        fail_task=args.fail_task,
        interrupt_before_checkpoint=args.interrupt,
        latency_scale=args.latency_scale,
    )
    if publisher is not None and _VISIBILITIES.index(config.token_visibility) < 2:
        # The log gets what a watcher may want to see (tool arguments, results, usage);
        # this terminal's view still shows only what --visibility asks for.
        config = dataclasses.replace(config, token_visibility="detailed")
    executor = StreamingExecutor(
        graph,
        streaming_config=config,
        subgraphs=True,
        progress_events=not view.is_live,
    )
    run_config: dict[str, Any] = {
        "configurable": {"thread_id": "demo"},
        "recursion_limit": 10 + 8 * len(state["todos"]),
    }
    graph_input: Any = state
    while True:
        question: Any = None
        asked = False
        # aclosing: a failing write stops the graph at once, not when collected.
        events = executor.astream_events(graph_input, run_config)
        async with contextlib.aclosing(events):
            async for event in events:
                _output(functools.partial(view.handle, event))
                if publisher is not None:
                    publisher.put(event)  # never waits: a slow log does not hold the run
                if event.type == "interrupt":
                    asked, question = True, event.data.get("value")
        if not asked:
            break
        # The display leaves no trace: the question comes right under the run's lines.
        _output(view.stop)
        decision = _decide(question, args.approve)
        _output(view.start)
        graph_input = Command(resume=decision)
    _output(view.finish)
    return EXIT_OK


async def _publisher(url: str) -> Publisher:
    """A publisher of the demo run to the Redis run log at *url*, once that answers;
    says the run's id. A Redis that does not answer is a usage error (before the run)."""
    try:
        from ai_infra_executor.publish import Publisher
        from ai_infra_executor.run_log_redis import RedisRunLog

        log = RedisRunLog(url)
    except ImportError as exc:
        _usage_error(
            f'--publish needs the server extra: pip install "ai-infra-executor[server]" ({exc})'
        )
    except ValueError as exc:  # a URL redis-py cannot read
        _usage_error(f"--publish {redacted_url(url)}: {exc}")
    if not await _redis_reachable(log, url):
        await log.close()
        raise SystemExit(EXIT_USAGE)
    publisher = Publisher(log)
    say(f"{PROG}: publishing the run as {publisher.run_id}")
    return publisher


def _usage_error(message: str) -> NoReturn:
    _warn(f"error: {message}")
    raise SystemExit(EXIT_USAGE)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with *argv* (default: ``sys.argv[1:]``); return the exit status."""
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return run_serve(args)
    if args.command == "watch":
        return run_watch(args)
    if args.fail_task is not None and args.fail_task < 1:
        _usage_error(f"--fail-task {args.fail_task}: tasks are numbered from 1")
    if not (math.isfinite(args.latency_scale) and args.latency_scale >= 0):
        _usage_error(f"--latency-scale {args.latency_scale}: give a number 0 or more")
    if sys.stdout is None:  # the process started with file descriptor 1 closed
        _usage_error("stdout is closed: nothing to write the events to")
    try:
        return asyncio.run(run_demo(args))
    except OutputError as exc:
        silence_stream(sys.stdout)
        if exc.closed:
            return EXIT_OK  # the reader of stdout (`| head -1`) has all it wanted
        _warn(f"error: cannot write the output: {exc}")
        return EXIT_ERROR
    except KeyboardInterrupt:
        _warn("interrupted")
        return EXIT_INTERRUPTED
    except ImportError as exc:
        _warn(
            f'error: the demo needs LangGraph: pip install "ai-infra-executor[langgraph]" ({exc})'
        )
        return EXIT_USAGE
    except Exception as exc:
        _warn(f"error: the run failed: {error_text(exc)}")
        return EXIT_ERROR
