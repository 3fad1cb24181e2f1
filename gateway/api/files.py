"""Files through the gateway: the OpenAPI body of an upload, a service's download passed on."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import Response

# what tells the browser how to save and show a file; a service's other headers stay behind
PASSED_ON_HEADERS = (
    "content-disposition",
    "x-content-type-options",
    "cache-control",
    "content-security-policy",
)


def upload_body(description: str) -> dict[str, Any]:
    """The OpenAPI request body (``openapi_extra``) of a route that reads the form's ``file``
    itself."""
    file = {"type": "string", "format": "binary", "description": description}
    schema = {"type": "object", "required": ["file"], "properties": {"file": file}}
    return {
        "requestBody": {
            "required": True,
            "content": {"multipart/form-data": {"schema": schema}},
        }
    }


def passthrough_download(found: httpx.Response, *, cache_control: str | None = None) -> Response:
    """A file as the service answered it: its bytes, its type and how to save and show it;
    ``cache_control`` replaces the service's."""
    headers = {name: found.headers[name] for name in PASSED_ON_HEADERS if name in found.headers}
    if cache_control is not None:
        headers["cache-control"] = cache_control
    return Response(found.content, media_type=found.headers["content-type"], headers=headers)
