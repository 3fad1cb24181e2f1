"""Answers several routes share: nothing found, a rule the input broke, a PDF to download."""

from __future__ import annotations

import re
from typing import TypeVar

from fastapi import HTTPException, Response, status

FoundT = TypeVar("FoundT")


def found_or_404(found: FoundT | None, what: str) -> FoundT:
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no such {what}")
    return found


def invalid_input(field: str, message: str) -> HTTPException:
    """The shape of FastAPI's own validation errors, so clients read one format."""
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        [{"type": "value_error", "loc": ["body", field], "msg": message}],
    )


def filename_part(text: str, fallback: str) -> str:
    """``text`` as a safe piece of a download's file name (ASCII letters, digits and dashes)."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or fallback


def pdf_attachment(pdf: bytes, filename: str) -> Response:
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
