"""Guards every request passes before a route sees it, installed once in each service (by
``create_service``) and in the gateway (``install_request_guards``).

- ``BodyLimit``: a body larger than its kind allows is refused with 413: by its Content-Length
  before a byte is read, else as soon as the bytes streamed in pass the limit. Uploads
  (multipart/form-data) may be as large as the largest document; anything else 1 MiB.
- ``StorableText``: text PostgreSQL cannot store (a NUL character) or that is not text at all
  (a lone UTF-16 surrogate, which JSON can spell as ``"\\ud800"``) is refused with 422, each
  problem located at its field as FastAPI locates a validation error: in the path, the query
  string, a JSON body or a urlencoded form. An upload's file is binary and is left alone.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, status
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contracts.api.limits import MAX_JSON_BODY_BYTES
from contracts.api.records import MAX_DOCUMENT_BYTES
from contracts.api.transfers import LARGEST_UPLOAD_REQUEST, MULTIPART_ALLOWANCE, size_text
from services.runtime.http_errors import SafeJSONResponse, listed_errors

Location = tuple[str | int, ...]

MAX_MULTIPART_BODY_BYTES = max(MAX_DOCUMENT_BYTES + MULTIPART_ALLOWANCE, LARGEST_UPLOAD_REQUEST)
"""The largest upload request (multipart/form-data): the largest document with its framing;
each upload route then holds its file to the limit of its kind."""

NUL_MESSAGE = "contains a NUL character (\\u0000), which cannot be stored"
SURROGATE_MESSAGE = "contains a lone UTF-16 surrogate, which is not valid text"

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_JSON_SUSPECT = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
"""A JSON escape of NUL or of a surrogate: only such a body is parsed here (a surrogate pair,
which is valid, is let through after that)."""


def _media_type(headers: Headers) -> str:
    return headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


class BodyTooLarge(HTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"the request body is too large: at most {size_text(limit)} are accepted here",
        )


class BodyLimit:
    """413 for a body over its limit (multipart: ``multipart_limit``, anything else: ``limit``),
    whether its Content-Length says so or its bytes, as they stream in, do."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int = MAX_JSON_BODY_BYTES,
        multipart_limit: int = MAX_MULTIPART_BODY_BYTES,
    ) -> None:
        self.app = app
        self.limit = limit
        self.multipart_limit = multipart_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        multipart = _media_type(headers) == "multipart/form-data"
        limit = self.multipart_limit if multipart else self.limit
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _answer(BodyTooLarge(limit), scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge as error:  # raised outside a route (a route answers it itself)
            if started:
                raise
            await _answer(error, scope, receive, send)


class StorableText:
    """422 for a NUL character or a lone surrogate anywhere in the path, the query string, a
    JSON body or a urlencoded form; the body is read here only when it may hold one."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problems = [*_path_problems(scope["path"]), *_query_problems(scope["query_string"])]
        media_type = _media_type(Headers(scope=scope))
        if not problems and (_is_json(media_type) or media_type == _FORM):
            body = await _read_body(receive)
            problems = _json_problems(body) if _is_json(media_type) else _form_problems(body)
            receive = _replay(body, receive)
        if problems:
            await _refuse(problems, scope, receive, send)
            return
        await self.app(scope, receive, send)


_FORM = "application/x-www-form-urlencoded"


def unstorable(text: str) -> str | None:
    """Why PostgreSQL cannot store ``text``, or None when it can."""
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    return NUL_MESSAGE if found.group() == "\x00" else SURROGATE_MESSAGE


def _path_problems(path: str) -> list[tuple[Location, str]]:
    problem = unstorable(path)
    return [(("path",), problem)] if problem else []


def _query_problems(query_string: bytes) -> list[tuple[Location, str]]:
    if b"%00" not in query_string and b"\x00" not in query_string:
        return []  # percent-decoding makes U+FFFD of an encoded surrogate, never the surrogate
    return _pairs_problems("query", query_string)


def _form_problems(body: bytes) -> list[tuple[Location, str]]:
    if b"%00" not in body and b"\x00" not in body:
        return []
    return _pairs_problems("body", body)


def _pairs_problems(part: str, encoded: bytes) -> list[tuple[Location, str]]:
    problems: list[tuple[Location, str]] = []
    for key, value in parse_qsl(encoded.decode("latin-1"), keep_blank_values=True):
        problem = unstorable(key) or unstorable(value)
        if problem:
            problems.append(((part, key), problem))
    return problems


def _json_problems(body: bytes) -> list[tuple[Location, str]]:
    if not _JSON_SUSPECT.search(body):
        return []
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return []  # not JSON: the route refuses it as such
    problems: list[tuple[Location, str]] = []
    for location, text in _strings(document):
        problem = unstorable(text)
        if problem:
            problems.append((("body", *location), problem))
    return problems


def _strings(document: Any) -> Iterator[tuple[Location, str]]:
    """Every string of a JSON document (keys too) with its location; iterative, so a deeply
    nested document cannot exhaust the stack."""
    stack: list[tuple[Location, Any]] = [((), document)]
    while stack:
        location, value = stack.pop()
        if isinstance(value, str):
            yield location, value
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                yield (*location, key), key
                stack.append(((*location, key), item))
        elif isinstance(value, list):
            stack.extend(
                ((*location, index), item) for index, item in reversed(list(enumerate(value)))
            )


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the app the body already read, then the connection's own."""
    pending = True

    async def replayed() -> Message:
        nonlocal pending
        if pending:
            pending = False
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


async def _refuse(
    problems: list[tuple[Location, str]], scope: Scope, receive: Receive, send: Send
) -> None:
    detail = [{"type": "value_error", "loc": list(loc), "msg": msg} for loc, msg in problems]
    response = SafeJSONResponse(
        {"detail": listed_errors(detail)}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
    )
    await response(scope, receive, send)


async def _answer(error: HTTPException, scope: Scope, receive: Receive, send: Send) -> None:
    response = SafeJSONResponse({"detail": error.detail}, status_code=error.status_code)
    await response(scope, receive, send)


def install_request_guards(app: FastAPI) -> None:
    """Both guards, the size limit outermost (so no body is read past it)."""
    app.add_middleware(StorableText)
    app.add_middleware(BodyLimit)
