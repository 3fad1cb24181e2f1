"""Security headers on every response of the gateway (an ASGI middleware).

The portal's pages load scripts and styles only from /static (no inline script, no ``style=``
attribute, no event-handler attribute): their Content-Security-Policy allows nothing else. The
Swagger UI at /api/v1/docs loads its script and styles from a CDN and starts with an inline
script: its pages alone get a policy that allows that CDN and exactly that inline script (by
its hash, computed from the page as served), and inline styles.

A header a route set itself is kept (a document shown inline sets its own sandboxing policy).
Authenticated API answers are never cached (``Cache-Control: no-store`` unless the route chose).
"""

from __future__ import annotations

import base64
import hashlib
import re

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.auth.deps import SESSION_COOKIE

PORTAL_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SWAGGER_CDN = "https://cdn.jsdelivr.net"
SWAGGER_FAVICON = "https://fastapi.tiangolo.com"
HSTS = "max-age=31536000; includeSubDomains"

_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def docs_policy(page: bytes) -> str:
    """The policy of a Swagger UI page: its CDN, and its own inline scripts by their hashes."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in _INLINE_SCRIPT.findall(page)
    )
    return (
        f"default-src 'self'; script-src 'self' {SWAGGER_CDN} {hashes}; "
        f"style-src 'self' 'unsafe-inline' {SWAGGER_CDN}; img-src 'self' data: {SWAGGER_FAVICON}; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


class SecurityHeaders:
    def __init__(self, app: ASGIApp, *, docs_path: str, api_prefix: str, hsts: bool) -> None:
        self.app = app
        self.docs_path = docs_path
        self.api_prefix = api_prefix
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path == self.docs_path or path.startswith(self.docs_path + "/"):
            await self._docs(scope, receive, send)
            return
        request_headers = Headers(scope=scope)
        authenticated = path.startswith(self.api_prefix) and (
            "authorization" in request_headers
            or f"{SESSION_COOKIE}=" in request_headers.get("cookie", "")
        )

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                self._common(headers)
                headers.setdefault("content-security-policy", PORTAL_POLICY)
                if authenticated:
                    headers.setdefault("cache-control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _common(self, headers: MutableHeaders) -> None:
        headers.setdefault("x-content-type-options", "nosniff")
        headers.setdefault("referrer-policy", "same-origin")
        headers.setdefault("x-frame-options", "DENY")
        if self.hsts:
            headers.setdefault("strict-transport-security", HSTS)

    async def _docs(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Hold the (small) Swagger UI page until its inline scripts are hashed."""
        start: Message | None = None
        body = bytearray()

        async def buffered(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] == "http.response.body":
                body.extend(message.get("body", b""))
                if message.get("more_body", False):
                    return
                assert start is not None
                headers = MutableHeaders(scope=start)
                self._common(headers)
                headers["content-security-policy"] = docs_policy(bytes(body))
                await send(start)
                await send({"type": "http.response.body", "body": bytes(body)})
                return
            await send(message)

        await self.app(scope, receive, buffered)
