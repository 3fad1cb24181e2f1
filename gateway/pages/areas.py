"""Pages: the shell's areas that are not available yet (to the users holding their rights)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from contracts.access import RIGHT_LABELS
from gateway.auth.rights import AccessDenied, needs_login
from gateway.pages.deps import PageUser
from gateway.pages.navigation import BY_SLUG, Area
from gateway.pages.rendering import render


def _rights_of(area: Area) -> str:
    return " or ".join(RIGHT_LABELS[right] for right in area.rights)


router = APIRouter(include_in_schema=False, dependencies=[needs_login()])


@router.get("/areas/{slug}")
async def area_page(request: Request, user: PageUser, slug: str) -> Response:
    area = BY_SLUG.get(slug)
    if area is None or area.ready:
        raise HTTPException(404, "no such area")
    if not area.open_to(user):
        request.state.user = user  # the refusal page shows the shell of this user
        raise AccessDenied(f"{area.label} needs the {_rights_of(area)} access right")
    return render(request, "area.html", user=user, active=slug, area=area)
