"""The contacts routes' dependencies, declared once."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.contacts.service_layer.invitation_sender import InvitationSender
from services.contacts.service_layer.unit_of_work import SqlContactsUnitOfWork
from services.contacts.settings import ContactsSettings
from services.runtime.db import Database
from services.runtime.service import ContextDep, get_database


async def get_settings(context: ContextDep) -> ContactsSettings:
    settings = context.settings
    if not isinstance(settings, ContactsSettings):
        raise TypeError("the contacts service runs with ContactsSettings")
    return settings


DatabaseDep = Annotated[Database[SqlContactsUnitOfWork], Depends(get_database)]
SettingsDep = Annotated[ContactsSettings, Depends(get_settings)]


async def get_invitation_sender(request: Request) -> InvitationSender:
    """The invitation sender ``create_app`` built from the settings (its job runs beside)."""
    sender: InvitationSender = request.app.state.invitation_sender
    return sender


InvitationSenderDep = Annotated[InvitationSender, Depends(get_invitation_sender)]
