"""Rendering a page with the shell's context (navigation, user, CSRF token)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from gateway.auth.deps import CSRF_COOKIE
from gateway.pages.navigation import AREAS
from gateway.store.users import User

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


def render(
    request: Request,
    template: str,
    *,
    user: User | None,
    active: str = "",
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        template,
        {
            "user": user,
            "areas": AREAS,
            "active": active,
            "csrf_token": request.cookies.get(CSRF_COOKIE, ""),
            **context,
        },
        status_code=status_code,
    )


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
