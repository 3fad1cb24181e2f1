"""Contacts import and export API (C4, C5): upload limits, import results, export assertions.

Shared by the contacts service and the gateway, which both read an upload with
``read_contacts_upload``: its size and type are checked before it is read, so an oversized or
unknown file is refused before anyone parses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Final
from uuid import UUID

from fastapi import HTTPException, Request, status
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

MEGABYTE: Final = 1024 * 1024
SPREADSHEET_LIMIT: Final = 2 * MEGABYTE
VCARD_LIMIT: Final = 1 * MEGABYTE

UPLOAD_LIMITS: Final[dict[str, int]] = {
    ".csv": SPREADSHEET_LIMIT,
    ".tsv": SPREADSHEET_LIMIT,
    ".txt": SPREADSHEET_LIMIT,
    ".xlsx": SPREADSHEET_LIMIT,
    ".vcf": VCARD_LIMIT,
    ".vcard": VCARD_LIMIT,
}
"""Accepted file name extensions and the largest file of each kind, in bytes."""

MULTIPART_ALLOWANCE: Final = 64 * 1024
"""Room for the multipart framing and form fields around the largest file."""

LARGEST_UPLOAD_REQUEST: Final = max(UPLOAD_LIMITS.values()) + MULTIPART_ALLOWANCE

TWO_FACTOR_HEADER: Final = "X-Two-Factor"
TWO_FACTOR_VERIFIED: Final = "verified"
"""Set by the gateway (the only holder of the internal token) for a user with two-factor
authentication on; the contacts service refuses the full client data export without it."""

XLSX_MEDIA_TYPE: Final = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE: Final = "text/csv; charset=utf-8"


def upload_limit(filename: str) -> int | None:
    """The largest accepted size of a file with this name, or None for an unknown type."""
    return UPLOAD_LIMITS.get(PurePath(filename).suffix.lower())


def unknown_type_message(filename: str) -> str:
    return f"{filename!r} is not a .csv, .xlsx or .vcf file; use the template or a vCard"


def too_large_message(filename: str) -> str:
    limit = upload_limit(filename) or 0
    kind = "vCard files" if limit == VCARD_LIMIT else "CSV and Excel files"
    return f"{filename!r} is too large: {kind} may have at most {size_text(limit)}"


def request_too_large_message(size: int) -> str:
    largest = max(UPLOAD_LIMITS.values())
    return f"the upload is {size_text(size)}; files may have at most {size_text(largest)}"


def size_text(size: int) -> str:
    """A byte count as people read it (1 MB, 2 MB, 1.5 MB, 300 KB)."""
    if size >= MEGABYTE:
        return f"{size / MEGABYTE:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(size / 1024))} KB"


@dataclass(frozen=True)
class ContactsUpload:
    filename: str
    content: bytes
    content_type: str
    fields: dict[str, str] = field(default_factory=dict)
    """the form's other (text) fields"""


async def read_contacts_upload(request: Request, *, missing_file: str) -> ContactsUpload:
    """The form's ``file``, refused before the body is read when it is too large (by its
    Content-Length) and before the file is read when of an unknown type (415) or too large
    for its type (413); ``missing_file`` is the 422's message when no file was chosen."""
    declared = request.headers.get("content-length")
    if declared is None or not declared.isdigit():
        raise HTTPException(status.HTTP_411_LENGTH_REQUIRED, "the upload needs a Content-Length")
    if int(declared) > LARGEST_UPLOAD_REQUEST:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE, request_too_large_message(int(declared))
        )
    async with request.form(max_files=1, max_fields=4) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT,
                [{"loc": ["body", "file"], "msg": missing_file, "type": "missing"}],
            )
        limit = upload_limit(upload.filename)
        if limit is None:
            raise HTTPException(
                status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, unknown_type_message(upload.filename)
            )
        content = await upload.read(limit + 1)
        if len(content) > limit:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE, too_large_message(upload.filename)
            )
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        content_type = upload.content_type or "application/octet-stream"
        return ContactsUpload(upload.filename, content, content_type, fields)


class ImportProblem(BaseModel):
    """One reason the file was not imported: spreadsheet row (vCard: card number) and column
    header (vCard: property); row 0 for the file as a whole, column "" for a whole row."""

    row: int = Field(ge=0)
    column: str
    message: str


class ImportRefused(BaseModel):
    """The 422 answer: the problems found, in row order, nothing saved. At most 100 are listed;
    then one more (row 0, column "") says how many were left out."""

    detail: list[ImportProblem]


class ImportReport(BaseModel):
    """The 201 answer: every contact of the file was added."""

    added: int
    contact_ids: list[UUID]
