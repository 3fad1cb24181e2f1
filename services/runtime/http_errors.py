"""The one place a use case's error becomes an HTTP answer (installed by ``create_service``)."""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse

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


def status_of(error: DomainError) -> int:
    for kind, code in STATUS_OF:
        if isinstance(error, kind):
            return code
    return status.HTTP_400_BAD_REQUEST


async def domain_error_response(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    detail = error.detail() if isinstance(error, Invalid) else error.message
    return JSONResponse({"detail": detail}, status_code=status_of(error))


def install_error_handler(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, domain_error_response)
