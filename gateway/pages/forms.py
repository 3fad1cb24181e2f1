"""Reading a page's submitted form, and what refused it as messages by field."""

from __future__ import annotations

from typing import Any

from fastapi import HTTPException, Request
from pydantic import ValidationError

from gateway.auth.deps import check_csrf
from gateway.pages.profile_view import field_errors


async def submitted_form(request: Request) -> dict[str, Any]:
    """The submitted form (CSRF checked), a field given several times as a list."""
    data = await request.form()
    check_csrf(request, str(data.get("csrf_token") or ""))
    return {key: data.getlist(key) if len(data.getlist(key)) > 1 else data[key] for key in data}


def refusal_errors(error: ValidationError | HTTPException) -> dict[str, str]:
    """Dotted field -> message of invalid input or a service's 422; a 409's under ``""``. Any
    other error of a service is raised again."""
    if isinstance(error, ValidationError):
        return {".".join(map(str, e["loc"])): e["msg"].removeprefix("Value error, ")
                for e in error.errors()}  # fmt: skip
    if error.status_code not in (409, 422):
        raise error
    if error.status_code == 409:
        return {"": str(error.detail)}
    return field_errors(error.detail, prefix=("body",))
