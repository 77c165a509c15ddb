"""`TokenGate`: the watch server's bearer token, asked of every HTTP request.

A request carries the token in ``Authorization: Bearer TOKEN`` (programs), in
``?token=TOKEN`` (a browser opening the page: ``EventSource`` cannot send a header),
or in the page's cookie. The page, opened with the right ``?token=``, is answered
with that cookie (``HttpOnly``, ``SameSite=Strict``, a digest of the token, not the
token): the page can then take the token out of its address bar (history,
bookmarks, copied links) and still be reloaded, and its own requests carry it.

Imports Starlette (the ``server`` extra).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["TOKEN_COOKIE", "TokenGate"]

#: The cookie that carries (a digest of) the token for the page.
TOKEN_COOKIE: Final = "ai_infra_token"

_NO_TOKEN: Final = (
    "a token is required: the header 'Authorization: Bearer TOKEN', or ?token=TOKEN "
    "in the URL (a browser opening the page)"
)


class TokenGate:
    """ASGI middleware: a request without the token gets a 401 (JSON, saying whether
    the token was missing or wrong); the page opened with ``?token=`` gets the cookie.

    Args:
        app: the app behind the gate.
        token: the token (non-empty).
    """

    def __init__(self, app: ASGIApp, token: str) -> None:
        self._app = app
        self._token = token.encode("utf-8")
        self._cookie = hashlib.sha256(b"ai-infra-executor page:" + self._token).hexdigest()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        request = Request(scope)
        verdict = self._check(request)
        if verdict is not None:
            response = JSONResponse(
                {"error": verdict}, status_code=401, headers={"WWW-Authenticate": "Bearer"}
            )
            await response(scope, receive, send)
            return
        if request.url.path == "/" and "token" in request.query_params:
            send = self._with_cookie(send)
        await self._app(scope, receive, send)

    def _check(self, request: Request) -> str | None:
        """Why *request* is refused, ``None``: it is let in."""
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        given = value.strip() if scheme.lower() == "bearer" else ""
        given = given or request.query_params.get("token", "")
        if given:
            right = hmac.compare_digest(given.encode("utf-8"), self._token)
            return None if right else "the token is wrong"
        cookie = request.cookies.get(TOKEN_COOKIE, "")
        if cookie:
            right = hmac.compare_digest(cookie.encode("utf-8"), self._cookie.encode("ascii"))
            return None if right else "the token is wrong"
        return _NO_TOKEN

    def _with_cookie(self, send: Send) -> Send:
        header = f"{TOKEN_COOKIE}={self._cookie}; Path=/; HttpOnly; SameSite=Strict"

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", []), (b"set-cookie", header.encode("ascii"))]
                message = {**message, "headers": headers}
            await send(message)

        return send_with_cookie
