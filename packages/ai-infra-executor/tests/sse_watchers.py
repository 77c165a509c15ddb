"""Many SSE watchers of one run, in a process of their own (a script, stdlib only).

    python sse_watchers.py URL WATCHERS [--out FILE]

Opens *WATCHERS* connections to *URL* (``http://host:port/runs/ID/events``) at once,
each a plain HTTP/1.1 ``GET`` with ``Connection: close`` on a bare asyncio protocol,
and reads each response to its end. Prints ``ready`` when every watcher has its
response headers, then ``done READY OPENED CPU`` when the last response has ended
(seconds since ``ready``, seconds since the first connection was opened, and CPU
seconds of this process so far; nothing else is done while the responses are read,
they are only kept). Then each body is parsed into its SSE frames (comments and
``retry:`` dropped) and the watchers are grouped by what they received: one JSON
line on stdout says how many watchers got each distinct sequence and how many frames
it has; with ``--out``, every distinct sequence is written there in full (a list of
``[id, event, data]``), so the caller can compare it with the run log.

Used by the 200-watchers test (test_many_watchers.py) and by the bench rows
(bench/serve_rows.py), so that the watchers never share a process with the server
or with whoever measures them.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

#: A keep-alive comment between two frames.
KEEPALIVE = b"\n\n: keep-alive\n\n"

#: One SSE frame as the watcher saw it: its id, its event name and its data.
Frame = tuple[str | None, str | None, str]


class _Watcher(asyncio.Protocol):
    """One watcher's connection: keeps every byte received until the server closes it
    (a bare protocol, so that reading costs the watchers' process little)."""

    def __init__(self, request: bytes) -> None:
        self._request = request
        self.parts: list[bytes] = []
        self.headers = asyncio.get_running_loop().create_future()
        self.closed = asyncio.get_running_loop().create_future()
        self._head = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        if self.headers.done():
            self.parts.append(data)
            return
        self._head += data
        head, found, rest = self._head.partition(b"\r\n\r\n")
        if found:
            self.headers.set_result(head)
            if rest:
                self.parts.append(rest)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.headers.done():
            self.headers.set_exception(exc or ConnectionError("closed before the headers"))
        if not self.closed.done():
            self.closed.set_result(None)


async def _watch(
    host: str, port: int, target: str, ready: asyncio.Event
) -> tuple[bool, list[bytes]]:
    """One watcher: whether its response is chunked, and its raw body (as received)."""
    request = (
        f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nAccept: text/event-stream\r\n"
        "Connection: close\r\n\r\n"
    ).encode("ascii")
    loop = asyncio.get_running_loop()
    transport, watcher = await loop.create_connection(lambda: _Watcher(request), host, port)
    try:
        head = await watcher.headers
        status = head.split(b" ", 2)[1]
        if status != b"200":
            raise RuntimeError(f"{target}: HTTP {status.decode()}: {head!r}")
        ready.set()
        await watcher.closed
        return b"transfer-encoding: chunked" in head.lower(), watcher.parts
    finally:
        transport.close()


def dechunk(raw: bytes) -> bytes:
    """The body of a ``Transfer-Encoding: chunked`` response."""
    out: list[bytes] = []
    pos = 0
    while True:
        eol = raw.index(b"\r\n", pos)
        size = int(raw[pos:eol].split(b";", 1)[0], 16)
        if size == 0:
            return b"".join(out)
        start = eol + 2
        out.append(raw[start : start + size])
        pos = start + size + 2


def frames(body: bytes) -> list[Frame]:
    """The SSE frames of *body* with an id, an event name or data (comments and
    ``retry:`` alone dropped), in order."""
    found: list[Frame] = []
    for block in body.decode("utf-8").split("\n\n"):
        event_id: str | None = None
        name: str | None = None
        data: list[str] = []
        for line in block.split("\n"):
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "id":
                event_id = value
            elif field == "event":
                name = value
            elif field == "data":
                data.append(value)
        if event_id is not None or name is not None or data:
            found.append((event_id, name, "\n".join(data)))
    return found


async def _main(url: str, watchers: int) -> list[bytes]:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    opened = time.perf_counter()
    readies = [asyncio.Event() for _ in range(watchers)]
    tasks = [asyncio.create_task(_watch(host, port, target, readies[i])) for i in range(watchers)]
    waiting = asyncio.ensure_future(asyncio.gather(*(r.wait() for r in readies)))
    pending: set[asyncio.Future[object]] = {waiting, *tasks}
    while not waiting.done():
        done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()  # a watcher that failed before all were ready: raised
    print("ready", flush=True)
    ready = time.perf_counter()
    bodies = await asyncio.gather(*tasks)
    end = time.perf_counter()
    print(f"done {end - ready:.6f} {end - opened:.6f} {time.process_time():.6f}", flush=True)
    joined = [(chunked, b"".join(parts)) for chunked, parts in bodies]
    return [dechunk(body) if chunked else body for chunked, body in joined]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("url", help="the run's event stream: http://host:port/runs/ID/events")
    parser.add_argument("watchers", type=int, help="how many watchers to open at once")
    parser.add_argument("--out", type=Path, help="write each distinct sequence there (JSON)")
    args = parser.parse_args(argv)
    bodies = asyncio.run(_main(args.url, args.watchers))
    groups: dict[str, list[int]] = {}
    sequences: dict[str, list[Frame]] = {}
    for n, raw in enumerate(bodies):
        body = raw
        while KEEPALIVE in body:  # equal bodies, keep-alive comments aside, are parsed once
            body = body.replace(KEEPALIVE, b"\n\n")
        key = hashlib.sha256(body).hexdigest()
        groups.setdefault(key, []).append(n)
        if key not in sequences:
            sequences[key] = frames(body)
    summary = [{"watchers": len(w), "frames": len(sequences[k])} for k, w in groups.items()]
    print(json.dumps(summary), flush=True)
    if args.out is not None:
        args.out.write_text(
            json.dumps(
                [{"watchers": groups[k], "frames": sequences[k]} for k in groups],
            ),
            "utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
