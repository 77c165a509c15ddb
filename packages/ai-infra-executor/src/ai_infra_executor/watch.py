"""`watch_run`: follow a run that ``ai-infra-executor serve`` serves, from anywhere.

It reads the run's Server-Sent Events (``GET /runs/{id}/events``, the project's JSON
events) with the standard library's HTTP client and hands each event on. When the
connection drops (a network blip, the server restarted) it connects again, sending
the id of the last event it got as ``Last-Event-ID``: the server resumes right after
it, so nothing is lost or repeated. It returns at the run's end (the server's
``end`` event). Imports no server library: the watching side needs none.
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


class WatchError(Exception):
    """The server refused the watch for good (a wrong token, an unknown run)."""


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

    Raises:
        WatchError: the server refused for good (401, 403, 404, 400).
        ValueError: *url* is not a run's URL.
    """
    target = urllib.parse.urlsplit(events_url(url))
    position = _Position(last_event_id)
    delay = 0.2
    while True:
        since = position.last
        try:
            _follow(target, on_event, position, token=token, timeout=timeout)
            return
        except (OSError, http.client.HTTPException, ValueError) as exc:
            reason = f"{type(exc).__name__}: {exc}"
        if position.last != since:  # events came before it dropped: retry soon
            delay = 0.2
        if on_retry is not None:
            on_retry(reason)
        time.sleep(delay)
        delay = min(delay * 2, MAX_RETRY_DELAY)


class _Position:
    """The id of the last event a watch got (``None``: none yet)."""

    def __init__(self, last: str | None) -> None:
        self.last = last


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
        if response.status in (400, 401, 403, 404):
            body = response.read(2000).decode("utf-8", "replace")
            raise WatchError(f"the server answered {response.status}: {body.strip()}")
        if response.status != 200:
            raise http.client.HTTPException(f"the server answered {response.status}")
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
