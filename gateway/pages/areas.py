"""Pages: the shell's areas that are not available yet."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from gateway.auth.rights import needs_login
from gateway.pages.deps import PageUser
from gateway.pages.navigation import BY_SLUG
from gateway.pages.rendering import render

router = APIRouter(include_in_schema=False, dependencies=[needs_login()])


@router.get("/areas/{slug}")
async def area_page(request: Request, user: PageUser, slug: str) -> Response:
    area = BY_SLUG.get(slug)
    if area is None or area.ready:
        raise HTTPException(404, "no such area")
    return render(request, "area.html", user=user, active=slug, area=area)
