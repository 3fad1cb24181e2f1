"""Routes: the master's white branding (M4) and its logo."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Response, UploadFile

from contracts.access import Right
from contracts.api.message_templates import LOGO_MAX_BYTES, BrandingOut, BrandingUpdate
from services.messaging.api.deps import DatabaseDep
from services.messaging.domain.branding import Branding
from services.messaging.service_layer import branding
from services.runtime.caller import CallerDep, requires
from services.runtime.service import ClockDep

router = APIRouter(
    prefix="/branding",
    tags=["branding"],
    dependencies=[Depends(requires(Right.COMMUNICATION_CENTER))],
)


def _view(kept: Branding) -> BrandingOut:
    return BrandingOut(
        primary_colour=kept.primary_colour, accent_colour=kept.accent_colour,
        banner_text=kept.banner_text, footer_text=kept.footer_text,
        has_logo=kept.logo_content_type is not None, logo_content_type=kept.logo_content_type,
        updated_at=kept.updated_at,
    )  # fmt: skip


@router.get("")
async def get_branding(caller: CallerDep, database: DatabaseDep) -> BrandingOut:
    async with database.unit_of_work() as uow:
        return _view(await branding.get_branding(uow, caller))


@router.put("")
async def change_branding(
    body: BrandingUpdate, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> BrandingOut:
    async with database.transaction() as uow:
        changed = await branding.change_branding(uow, caller, body, now=clock.now())
    return _view(changed)


@router.put("/logo")
async def upload_logo(
    file: Annotated[UploadFile, File(description="PNG, JPEG, GIF or WebP, at most 256 KB")],
    caller: CallerDep,
    database: DatabaseDep,
    clock: ClockDep,
) -> BrandingOut:
    content = await file.read(LOGO_MAX_BYTES + 1)
    async with database.transaction() as uow:
        changed = await branding.upload_logo(uow, caller, content, now=clock.now())
    return _view(changed)


@router.get("/logo", response_class=Response)
async def get_logo(caller: CallerDep, database: DatabaseDep) -> Response:
    async with database.unit_of_work() as uow:
        content, content_type = await branding.read_logo(uow, caller)
    return Response(
        content,
        media_type=content_type,
        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
