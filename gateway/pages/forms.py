"""What refused a page's submitted form, as messages by field."""

from __future__ import annotations

from fastapi import HTTPException
from pydantic import ValidationError

from gateway.pages.profile_view import field_errors


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
