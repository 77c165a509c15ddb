"""`create_app`: watch the runs of a :class:`RunLog` over HTTP (an ASGI app, Starlette).

Routes:

- ``GET /``: the watching page (one static HTML file, ``ai_infra_executor/web/index.html``,
  its script and style inline): lists the runs, renders one live.
- ``GET /runs``: the runs as JSON, the newest first: ``id``, ``status``
  (``running`` / ``ended``), ``started`` (Unix seconds), ``events`` (how many).
- ``GET /runs/{id}/events``: the run's events as Server-Sent Events (see
  :mod:`ai_infra_executor.server_sse`), from the start or right after
  ``Last-Event-ID`` (the header wins over ``?after=``, for clients that cannot set
  headers: a browser's ``EventSource`` keeps the URL it was given and sends the
  header when it reconnects); ``?format=json`` (default), ``ag-ui`` or ``vercel-ai``.

Errors: an unknown run is 404, a malformed ``Last-Event-ID`` / ``after`` or an
unknown format 400; with a token, a request without it (``Authorization: Bearer``,
or ``?token=`` for ``EventSource``, or the cookie the page gets: see
:mod:`ai_infra_executor.server_token`) is 401, on every route. No CORS unless
*cors_origins* are given. :func:`serve` runs the app with uvicorn, on 127.0.0.1 by default.

A watcher the server drops on purpose (it stopped reading) is logged at info by
:mod:`ai_infra_executor.server_sse`; uvicorn's error line for that response
("ASGI callable returned without completing response.") is filtered out, for event
streams only. When the run log fails (its Redis is down), a request gets a 503 with a
JSON error and ``Retry-After``, and the server logs one line.

Imports Starlette (the ``server`` extra); :func:`serve` imports uvicorn.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.resources
import logging
import re
import socket
from collections.abc import Sequence
from typing import Final

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ai_infra_executor import server_logs
from ai_infra_executor.run_log import RunLog, UnknownRunError
from ai_infra_executor.server_sse import FORMATS, EventStream, FrameCache, parse_event_id
from ai_infra_executor.server_token import TokenGate

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "TOKEN_ENV", "create_app", "serve"]

DEFAULT_HOST: Final = "127.0.0.1"
DEFAULT_PORT: Final = 8765
#: The environment variable ``ai-infra-executor serve`` reads the token from.
TOKEN_ENV: Final = "AI_INFRA_SERVER_TOKEN"

_log = logging.getLogger(__name__)

#: The watching page: one package data file, its script and style inline.
_PAGE: Final = "index.html"


def _page() -> tuple[bytes, dict[str, str]]:
    """The page and its response headers: a Content-Security-Policy that lets run only
    the page's own inline script and style (by their hashes), and fetch only from here."""
    body = (
        importlib.resources.files("ai_infra_executor").joinpath("web").joinpath(_PAGE).read_bytes()
    )
    text = body.decode("utf-8")
    scripts = " ".join(_hashes(text, "script"))
    styles = " ".join(_hashes(text, "style"))
    headers = {
        "Content-Security-Policy": f"default-src 'none'; script-src {scripts}; "
        f"style-src {styles}; connect-src 'self'; img-src data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",  # the page's URL may hold ?token=
        "Cache-Control": "no-cache",
    }
    return body, headers


def _hashes(html: str, tag: str) -> list[str]:
    """The CSP sources (``'sha256-...'``) of the inline *tag* elements of *html*."""
    found = re.findall(rf"<{tag}>(.*?)</{tag}>", html, flags=re.DOTALL)
    return [
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode('utf-8')).digest()).decode()}'"
        for s in found
    ] or ["'none'"]


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers)


def _unreachable(exc: Exception) -> JSONResponse:
    """503 when the run log fails (its Redis is down): one log line, no traceback; the
    client may retry (``Retry-After``)."""
    _log.warning("the run log cannot be read: %s", _one_line(exc))
    return _error(503, "the run log cannot be reached; try again", {"Retry-After": "2"})


def _one_line(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}".splitlines()[0][:300]


def create_app(
    log: RunLog,
    *,
    token: str | None = None,
    cors_origins: Sequence[str] = (),
    keepalive: float = 15.0,
    watcher_buffer: int = 1000,
    stall_timeout: float = 15.0,
) -> Starlette:
    """The ASGI app that serves the runs of *log*.

    Args:
        log: the run log to serve (the caller owns it, and closes it).
        token: when given, every request must carry it (``Authorization: Bearer``,
            ``?token=``, or the page's cookie); else 401. Never ``""``.
        cors_origins: origins allowed to read the API from another site (none: no CORS).
        keepalive: seconds without a frame before an event stream sends a comment.
        watcher_buffer: how many events may wait for one watcher.
        stall_timeout: seconds a watcher may fail to read (its buffer full) before
            it is dropped; it may then resume by id.

    Raises:
        ValueError: *token* is ``""``.
    """

    page_body, page_headers = _page()
    frames = FrameCache()  # the json frames of recent events, shared by the watchers

    async def page(request: Request) -> Response:
        return Response(page_body, media_type="text/html; charset=utf-8", headers=page_headers)

    async def runs(request: Request) -> Response:
        try:
            listed = await log.runs()
        except Exception as exc:  # the log's store (Redis) cannot be reached
            return _unreachable(exc)
        return JSONResponse(
            [
                {"id": r.id, "status": r.status, "started": r.started, "events": r.events}
                for r in listed
            ]
        )

    async def events(request: Request) -> Response | EventStream:
        run_id = request.path_params["run_id"]
        framer = FORMATS.get(request.query_params.get("format", "json"))
        if framer is None:
            return _error(400, f"format: one of {', '.join(FORMATS)}")
        header = request.headers.get("last-event-id")
        try:
            after = parse_event_id(header if header else request.query_params.get("after"))
        except ValueError as exc:
            return _error(400, f"Last-Event-ID: {exc}")
        try:
            await log.info(run_id)
        except UnknownRunError:
            return _error(404, "no such run")
        except Exception as exc:
            return _unreachable(exc)
        server_logs.EVENT_STREAM.set(True)
        return EventStream(
            log,
            run_id,
            after,
            framer(run_id),
            keepalive=keepalive,
            buffer=watcher_buffer,
            stall=stall_timeout,
            cache=frames,
        )

    if token == "":
        raise ValueError("token: give a non-empty token, or None for none")
    server_logs.install()
    middleware: list[Middleware] = []
    if cors_origins:
        middleware.append(
            Middleware(
                CORSMiddleware,
                allow_origins=list(cors_origins),
                allow_methods=["GET"],
                allow_headers=["Authorization", "Last-Event-ID"],
            )
        )
    if token is not None:
        middleware.append(Middleware(TokenGate, token=token))
    routes = [
        Route("/", page, methods=["GET"]),
        Route("/runs", runs, methods=["GET"]),
        Route("/runs/{run_id}/events", events, methods=["GET"]),
    ]
    return Starlette(routes=routes, middleware=middleware)


async def serve(
    log: RunLog,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    token: str | None = None,
) -> None:
    """Serve *log* with uvicorn on *host*:*port* until stopped (Ctrl-C, SIGTERM).

    When stopping, the log is closed first: its tails end, so the open event streams
    end at once (without the ``end`` event: their clients reconnect and resume when a
    server is back) instead of holding the shutdown up.
    """
    import uvicorn

    closed = False

    async def close_log() -> None:
        nonlocal closed
        if not closed:
            closed = True
            await log.close()

    class Server(uvicorn.Server):
        async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
            await close_log()
            await super().shutdown(sockets)

    app = create_app(log, token=token)
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        timeout_graceful_shutdown=3,
        server_header=False,
        proxy_headers=False,
    )
    server_logs.install()  # again: after uvicorn's own logging setup (made by the Config)
    try:
        await Server(config).serve()
    finally:
        await close_log()
