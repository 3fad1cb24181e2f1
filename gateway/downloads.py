"""A service's file passed on to the browser: its bytes, its type and how to save and show it."""

from __future__ import annotations

from fastapi import Response

from gateway.clients.http import Download

# what tells the browser how to save and show a file; a service's other headers stay behind
PASSED_ON_HEADERS = (
    "content-disposition",
    "x-content-type-options",
    "cache-control",
    "content-security-policy",
)


def passthrough_download(found: Download, *, cache_control: str | None = None) -> Response:
    """A file as the service answered it; ``cache_control`` replaces the service's."""
    headers = {name: found.headers[name] for name in PASSED_ON_HEADERS if name in found.headers}
    if cache_control is not None:
        headers["cache-control"] = cache_control
    return Response(found.content, media_type=found.headers["content-type"], headers=headers)
