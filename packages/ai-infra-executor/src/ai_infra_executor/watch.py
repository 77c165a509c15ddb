"""`watch_run`: follow a run that ``ai-infra-executor serve`` serves, from anywhere.

It reads the run's Server-Sent Events (``GET /runs/{id}/events``, the project's JSON
events) with the standard library's HTTP client and hands each event on. When the
connection drops (a network blip, the server restarted) it connects again, sending
the id of the last event it got as ``Last-Event-ID``: the server resumes right after
it, so nothing is lost or repeated. It returns at the run's end (the server's
``end`` event). Imports no server library: the watching side needs none.

Retrying is for a watch that has worked: until the server has answered once, a
connection that fails (refused, an unknown host, TLS) is an error at once (a wrong
URL, not a blip), and until the run's stream has opened once, a 404 is retried for
a while (the publisher may not have appended the run's first event yet).
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any, NamedTuple

__all__ = ["SseEvent", "WatchError", "events_url", "sse_events", "watch_run"]

#: The longest wait between two attempts to connect again, in seconds.
MAX_RETRY_DELAY = 5.0

#: The wait between two asks for a run that is not there yet, in seconds.
NOT_FOUND_DELAY = 0.25


class WatchError(Exception):
    """The watch cannot go on: the server refused it for good (a wrong token, an
    unknown run) or could not be reached at all.

    Attributes:
        status: the HTTP status the server answered (``None``: it was not reached).
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class SseEvent(NamedTuple):
    """One Server-Sent Event: its ``id``, its ``event`` name and its data."""

    id: str | None
    event: str | None
    data: str


def sse_events(stream: IO[bytes]) -> Iterator[SseEvent]:
    """The events of an SSE *stream*, as each blank line completes one (comments and
    ``retry:`` skipped); ends with the stream. A block with an ``id`` and no data
    moves the position without being an event to show (its ``data`` is ``""``)."""
    event_id: str | None = None
    name: str | None = None
    data: list[str] = []
    seen = False
    while True:
        raw = stream.readline()
        if not raw:
            return
        line = raw.decode("utf-8", "replace").rstrip("\r\n")
        if not line:
            if seen:
                yield SseEvent(event_id, name, "\n".join(data))
            event_id, name, data, seen = None, None, [], False
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "id":
            event_id, seen = value, True
        elif field == "event":
            name, seen = value, True
        elif field == "data":
            data.append(value)
            seen = True


def events_url(url: str) -> str:
    """The events URL of a run given as ``.../runs/ID`` or ``.../runs/ID/events``.

    Raises:
        ValueError: *url* is not an http(s) URL of a run.
    """
    parts = urllib.parse.urlsplit(url)
    path = parts.path.rstrip("/")
    if parts.scheme not in ("http", "https") or not parts.netloc or "/runs/" not in path:
        raise ValueError(f"not the URL of a run (http://HOST:PORT/runs/ID): {url!r}")
    if not path.endswith("/events"):
        path += "/events"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, parts.query, ""))


def watch_run(
    url: str,
    on_event: Callable[[Mapping[str, Any]], None],
    *,
    token: str | None = None,
    last_event_id: str | None = None,
    on_retry: Callable[[str], None] | None = None,
    timeout: float = 60.0,
    wait_for_run: float = 10.0,
    on_wait: Callable[[str], None] | None = None,
) -> None:
    """Hand every event of the run at *url* to *on_event*, in order, until its end;
    reconnect with ``Last-Event-ID`` whenever the connection drops.

    Args:
        url: the run's URL (``http://HOST:PORT/runs/ID``) or its events URL.
        on_event: called with each event (the project's JSON event, a dict).
        token: the server's bearer token, if it asks for one.
        last_event_id: start after this event (``None``: from the run's start).
        on_retry: called with the reason each time the connection drops (a message).
        timeout: seconds without a byte (the server sends keep-alives) before the
            connection counts as dropped.
        wait_for_run: until the run's stream has opened once, a 404 (the run is
            not in the log yet) is asked again for up to this many seconds.
        on_wait: called once, with the run's id, when a 404 is waited out.

    Raises:
        WatchError: the server refused for good (401, 403, 404, 400), or could not
            be reached before it answered once (refused, an unknown host, TLS).
        ValueError: *url* is not a run's URL.
    """
    target = urllib.parse.urlsplit(events_url(url))
    position = _Position(last_event_id)
    delay = 0.2
    waiting_since: float | None = None
    while True:
        since = position.last
        try:
            _follow(target, on_event, position, token=token, timeout=timeout)
            return
        except WatchError as exc:
            if exc.status != 404 or position.opened:
                raise
            now = time.monotonic()
            if waiting_since is None:
                waiting_since = now
                if on_wait is not None:
                    on_wait(_run_id(target))
            if now - waiting_since >= wait_for_run:
                raise
            time.sleep(NOT_FOUND_DELAY)
            continue
        except (OSError, http.client.HTTPException, ValueError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
            if not position.answered:  # never reached: a wrong URL, not a blip
                raise WatchError(f"cannot connect to {target.netloc}: {reason}") from exc
        if position.last != since:  # events came before it dropped: retry soon
            delay = 0.2
        if on_retry is not None:
            on_retry(reason)
        time.sleep(delay)
        delay = min(delay * 2, MAX_RETRY_DELAY)


def _run_id(target: urllib.parse.SplitResult) -> str:
    """The run's id in an events URL (``.../runs/ID/events``)."""
    return urllib.parse.unquote(target.path.rstrip("/").removesuffix("/events").rpartition("/")[2])


class _Position:
    """How far a watch got: the id of the last event (``None``: none yet), whether
    the server has answered once (``answered``) and the run's stream opened once
    (``opened``)."""

    def __init__(self, last: str | None) -> None:
        self.last = last
        self.answered = False
        self.opened = False


def _follow(
    target: urllib.parse.SplitResult,
    on_event: Callable[[Mapping[str, Any]], None],
    position: _Position,
    *,
    token: str | None,
    timeout: float,
) -> None:
    """One connection, resuming after ``position.last``: the events until the run's
    end; raises (``OSError`` and the like) when it drops first."""
    cls = http.client.HTTPSConnection if target.scheme == "https" else http.client.HTTPConnection
    connection = cls(target.netloc, timeout=timeout)
    headers = {"Accept": "text/event-stream"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if position.last is not None:
        headers["Last-Event-ID"] = position.last
    path = target.path + (f"?{target.query}" if target.query else "")
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        position.answered = True
        if response.status in (400, 401, 403, 404):
            body = response.read(2000).decode("utf-8", "replace")
            raise WatchError(
                f"the server answered {response.status}: {body.strip()}", response.status
            )
        if response.status != 200:
            raise http.client.HTTPException(f"the server answered {response.status}")
        position.opened = True
        for event in sse_events(response):
            if event.event == "end":
                return
            if event.data:
                on_event(json.loads(event.data))
            if event.id is not None:
                position.last = event.id
        raise ConnectionError("the connection closed before the run's end")
    finally:
        connection.close()
