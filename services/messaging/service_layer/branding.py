"""Use cases of a master's white branding (M4): read it, change it, upload and read its logo."""

from __future__ import annotations

from datetime import datetime

from contracts.api.message_templates import BrandingUpdate
from services.messaging.domain.branding import Branding, logo_type
from services.messaging.service_layer.unit_of_work import MessagingUnitOfWork
from services.runtime.caller import Caller
from services.runtime.errors import NotFound


async def get_branding(uow: MessagingUnitOfWork, caller: Caller) -> Branding:
    """The master's branding, or the defaults until it sets one."""
    master = caller.master_account_id
    return await uow.branding.get(master_account_id=master) or Branding(master)


async def change_branding(
    uow: MessagingUnitOfWork, caller: Caller, command: BrandingUpdate, *, now: datetime
) -> Branding:
    branding = await get_branding(uow, caller)
    branding.change(
        primary_colour=command.primary_colour, accent_colour=command.accent_colour,
        banner_text=command.banner_text, footer_text=command.footer_text, now=now,
    )  # fmt: skip
    await uow.branding.save(branding)
    return branding


async def upload_logo(
    uow: MessagingUnitOfWork, caller: Caller, content: bytes, *, now: datetime
) -> Branding:
    """Keep the logo (``LogoTooLarge``, ``UnsupportedLogo`` when it is not one)."""
    content_type = logo_type(content)
    await uow.branding.save_logo(
        master_account_id=caller.master_account_id, content=content,
        content_type=content_type, now=now,
    )  # fmt: skip
    return await get_branding(uow, caller)


async def read_logo(uow: MessagingUnitOfWork, caller: Caller) -> tuple[bytes, str]:
    logo = await uow.branding.logo(master_account_id=caller.master_account_id)
    if logo is None:
        raise NotFound("logo")
    return logo
