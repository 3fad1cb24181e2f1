"""File downloads the routes answer with: a safe file name, and a PDF as an attachment."""

from __future__ import annotations

import re

from fastapi import Response


def filename_part(text: str, fallback: str) -> str:
    """``text`` as a safe piece of a download's file name (ASCII letters, digits and dashes)."""
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-") or fallback


def pdf_response(pdf: bytes, filename: str, *, disposition: str = "attachment") -> Response:
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'{disposition}; filename="{filename}"'},
    )
