"""The API token: with one set, every request (the OpenAPI pages included) must carry
``Authorization: Bearer <token>``; anything else gets 401. The planner's page and its static
files (``PUBLIC``) hold no data and are served without it, since a browser opening a page
sends no bearer header; the page then asks for the token and sends it with every call.

A middleware rather than a route dependency, so that no path, present or added later, is
left open by forgetting it.
"""

from __future__ import annotations

import hmac
import json

from fastapi.security import HTTPBearer

# Declared on the routes so that OpenAPI shows the scheme (and the docs page an Authorize
# button); the check itself is the middleware's.
bearer = HTTPBearer(auto_error=False, description="the server's API token")

PUBLIC_PAGES = ("/",)
PUBLIC_PREFIXES = ("/static/", "/vendor/")  # the page's scripts, styles and plotly.js


class TokenMiddleware:
    """ASGI middleware refusing HTTP requests without the bearer token (401)."""

    def __init__(self, app, token: str):
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or self._allowed(scope):
            await self.app(scope, receive, send)
            return
        body = json.dumps(
            {"detail": "missing or wrong API token: send Authorization: Bearer <token>"}
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"www-authenticate", b"Bearer"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    def _allowed(self, scope) -> bool:
        path = scope.get("path", "")
        if scope.get("method") == "GET" and (
            path in PUBLIC_PAGES or path.startswith(PUBLIC_PREFIXES)
        ):
            return True
        given = dict(scope.get("headers") or []).get(b"authorization", b"")
        # Compared in constant time: the answer's timing must not reveal the token.
        return hmac.compare_digest(given, self.expected)
