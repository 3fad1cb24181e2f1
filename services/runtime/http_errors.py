"""The one place an error becomes an HTTP answer, installed by ``create_service`` and by the
gateway: a use case's domain error, a request FastAPI refused (422) and an ``HTTPException``.

Every answer is JSON that any client can read, whatever input it echoes: a lone UTF-16
surrogate (``"\\ud800"`` in a JSON body) or a non-finite number (``NaN``, ``1e999``) would make
the stock answer fail to serialise and turn a 422 into a 500. A refusal lists at most
``MAX_LISTED_PROBLEMS`` problems, then one that counts the rest.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.utils import is_body_allowed_for_status_code
from starlette.exceptions import HTTPException

from contracts.api.limits import MAX_LISTED_PROBLEMS, more_problems_message
from services.runtime.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    Invalid,
    NotFound,
    TooLarge,
    Unavailable,
    UnsupportedContent,
)

# most specific first: TooLarge and UnsupportedContent are kinds of Invalid
STATUS_OF: tuple[tuple[type[DomainError], int], ...] = (
    (NotFound, status.HTTP_404_NOT_FOUND),
    (Conflict, status.HTTP_409_CONFLICT),
    (Forbidden, status.HTTP_403_FORBIDDEN),
    (Gone, status.HTTP_410_GONE),
    (TooLarge, status.HTTP_413_CONTENT_TOO_LARGE),
    (UnsupportedContent, status.HTTP_415_UNSUPPORTED_MEDIA_TYPE),
    (Invalid, status.HTTP_422_UNPROCESSABLE_CONTENT),
    (Unavailable, status.HTTP_503_SERVICE_UNAVAILABLE),
)

_SURROGATE = re.compile("[\ud800-\udfff]")
_BYTES_AS_TEXT: dict[Any, Any] = {bytes: lambda raw: raw.decode("utf-8", errors="replace")}
"""A body that is not JSON is echoed as text, whatever its bytes (the stock encoder fails on
bytes that are not UTF-8)."""


class SafeJSONResponse(JSONResponse):
    """JSON that always serialises: a lone surrogate becomes U+FFFD and a non-finite number
    its name (``"nan"``, ``"inf"``). The usual content takes the stock path, at its cost."""

    def render(self, content: Any) -> bytes:
        try:
            return super().render(content)
        except (UnicodeEncodeError, ValueError):
            return super().render(printable(content))


def printable(value: Any) -> Any:
    """``value`` (JSON-ready) with every string valid Unicode and every number finite."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, Mapping):
        return {printable(key): printable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [printable(item) for item in value]
    return value


def listed_errors(errors: Sequence[Any]) -> list[Any]:
    """The first ``MAX_LISTED_PROBLEMS`` errors of a 422, then one that counts the rest."""
    if len(errors) <= MAX_LISTED_PROBLEMS:
        return list(errors)
    unlisted = len(errors) - MAX_LISTED_PROBLEMS
    more = {"type": "too_many_errors", "loc": [], "msg": more_problems_message(unlisted)}
    return [*errors[:MAX_LISTED_PROBLEMS], more]


def status_of(error: DomainError) -> int:
    for kind, code in STATUS_OF:
        if isinstance(error, kind):
            return code
    return status.HTTP_400_BAD_REQUEST


async def domain_error_response(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    detail = error.detail() if isinstance(error, Invalid) else error.message
    if isinstance(detail, list):
        detail = listed_errors(detail)
    return SafeJSONResponse({"detail": detail}, status_code=status_of(error))


async def validation_error_response(_: Request, error: Exception) -> JSONResponse:
    """FastAPI's 422 (each problem with its location), at most ``MAX_LISTED_PROBLEMS`` of them."""
    assert isinstance(error, RequestValidationError)
    problems = listed_errors(error.errors())
    return SafeJSONResponse(
        {"detail": jsonable_encoder(problems, custom_encoder=_BYTES_AS_TEXT)},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


async def http_error_response(_: Request, error: Exception) -> Response:
    """As FastAPI answers an ``HTTPException`` (a service's 4xx passed on by the gateway too)."""
    assert isinstance(error, HTTPException)
    headers = getattr(error, "headers", None)
    if not is_body_allowed_for_status_code(error.status_code):
        return Response(status_code=error.status_code, headers=headers)
    return SafeJSONResponse(
        {"detail": error.detail}, status_code=error.status_code, headers=headers
    )


def install_error_handler(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error_response)
    app.add_exception_handler(RequestValidationError, validation_error_response)
    app.add_exception_handler(HTTPException, http_error_response)
