"""Files coming in through a form, read (and refused when too large) before a byte reaches a
service; and the OpenAPI body of an API route that reads its form's ``file`` itself."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import HTTPException, Request, status
from starlette.datastructures import UploadFile

from contracts.api.message_templates import LOGO_MAX_BYTES
from contracts.api.records import MAX_DOCUMENT_BYTES
from contracts.api.transfers import ContactsUpload, read_contacts_upload
from gateway.refusals import invalid

# room for the multipart framing around the file
MULTIPART_FRAMING_BYTES = 64 * 1024
MAX_UPLOAD_REQUEST_BYTES = MAX_DOCUMENT_BYTES + MULTIPART_FRAMING_BYTES
TOO_LARGE = f"a document may be at most {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB"
LOGO_TOO_LARGE = f"a logo may be at most {LOGO_MAX_BYTES // 1024} KB"


@dataclass(frozen=True)
class Upload:
    filename: str
    content: bytes
    content_type: str
    fields: dict[str, str]


async def read_document_upload(request: Request) -> Upload:
    """The form's ``file`` (and its other fields), refusing an oversized request before its body
    is read whenever the client declared its length."""
    return await _read_upload(request, MAX_DOCUMENT_BYTES, TOO_LARGE)


async def read_logo_upload(request: Request) -> Upload:
    """A logo for the master's branding (its type is judged by the messaging service)."""
    return await _read_upload(request, LOGO_MAX_BYTES, LOGO_TOO_LARGE)


async def _read_upload(request: Request, limit: int, too_large: str) -> Upload:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit + MULTIPART_FRAMING_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, too_large)
    async with request.form(max_files=1, max_fields=20) as form:
        file = form.get("file")
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        if not isinstance(file, UploadFile) or not file.filename:
            raise invalid("file", "choose a file to upload")
        content = await file.read(limit + 1)
        if len(content) > limit:
            raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, too_large)
        content_type = file.content_type or "application/octet-stream"
        return Upload(file.filename, content, content_type, fields)


async def read_import_upload(request: Request) -> ContactsUpload:
    """A spreadsheet or vCard file of contacts to import."""
    return await read_contacts_upload(request, missing_file="choose a file to import")


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
