"""The answers the public API documents beside each route's success (OpenAPI ``responses=``):
every refusal has one of two shapes, and each status is described once here and attached to
the routers and routes where it happens.

- every route: 401 (no valid session or bearer token), 413 (a body over its limit) and 422 (input
  refused, each problem at its field: FastAPI's validation, text no column can store, a number
  or a time out of range);
- routes that call a service: 502 when it does not answer;
- where they happen: 403, 404, 409, 411, 415 and 429.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from contracts.api.transfers import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE


class Refusal(BaseModel):
    """Why the request was refused."""

    detail: str


class FieldProblem(BaseModel):
    type: str = Field(description='what kind of problem ("missing", "value_error", ...)')
    loc: list[str | int] = Field(
        description='where: "body", "query", "path" or "header", then the field\'s path'
    )
    msg: str


class InvalidInput(BaseModel):
    """Every problem found, each at its field (at most 100, then one that counts the rest)."""

    detail: list[FieldProblem]


Responses = dict[int | str, dict[str, Any]]


def _refusal(description: str, model: type[BaseModel] = Refusal) -> dict[str, Any]:
    return {"model": model, "description": description}


EVERY_ROUTE: Responses = {
    401: _refusal("not signed in: no valid session cookie or bearer token"),
    413: _refusal("the body is larger than 1 MB (an upload: larger than its kind allows)"),
    422: _refusal(
        "input refused: a missing or malformed field, text with a NUL character or a lone "
        "surrogate (no column can store it), a number or time outside what its column holds",
        InvalidInput,
    ),
}
SERVICE_CALL: Responses = {
    502: _refusal("the service that holds the data did not answer; try again"),
}
NOT_FOUND: Responses = {
    404: _refusal("no such record in the caller's book (another master's records included)"),
}
CONFLICT: Responses = {
    409: _refusal(
        "the record changed since the version sent, or its state does not allow the change"
    ),
}
RECORD_CHANGE: Responses = {**NOT_FOUND, **CONFLICT}
"""A change of a record found by its id."""
WRONG_CREDENTIALS: Responses = {
    401: _refusal("wrong username or password, or a two-factor code missing or wrong"),
}
THROTTLED: Responses = {
    429: _refusal("too many failed attempts; try again after Retry-After seconds"),
}
UPLOAD: Responses = {
    413: _refusal("the file is larger than its kind allows"),
    415: _refusal("a kind of file not accepted here"),
}
LENGTH_REQUIRED: Responses = {411: _refusal("the upload has no Content-Length")}


def file_download(media_type: str, description: str) -> Responses:
    """The 200 of a route answering a file of ``media_type`` (use with ``response_class=
    Response``)."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {200: {"description": description, "content": {media_type: binary}}}


PDF = "application/pdf"
XLSX = XLSX_MEDIA_TYPE
CSV = CSV_MEDIA_TYPE.split(";", 1)[0]
DOCUMENT_TYPES = (
    PDF, "image/png", "image/jpeg", "image/gif", "text/plain", CSV,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", XLSX,
)  # fmt: skip
"""What a stored document may be (the contacts service judges it by its content)."""


def document_download() -> Responses:
    binary = {"schema": {"type": "string", "format": "binary"}}
    return {
        200: {
            "description": "the document's bytes, of the type judged when it was uploaded",
            "content": dict.fromkeys(DOCUMENT_TYPES, binary),
        }
    }
