"""Use cases of message templates (M6): list, read, create, change, delete, and check a subject
and body with a preview of each channel.

Every record is the caller's master's (another master's template is not found). A subject and
body are checked when saved (``TemplateRefused``); names are unique within the master whatever
the case, which the master's name lock keeps true under concurrent saves; a change names the
version it replaces.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from contracts.accounts import Channel
from contracts.api.message_templates import TemplateCheck, TemplateCreate, TemplateUpdate
from services.messaging.domain.branding import Branding, logo_data_url
from services.messaging.domain.rendering import (
    Composition,
    Rendered,
    compile_message,
    render,
)
from services.messaging.domain.templates import (
    SAMPLE_VARIABLES,
    MessageTemplate,
    TemplateNameTaken,
    check_subject_and_body,
    template_name,
)
from services.messaging.service_layer.unit_of_work import MessagingUnitOfWork
from services.runtime.caller import Caller
from services.runtime.errors import Conflict, NotFound


async def list_templates(uow: MessagingUnitOfWork, caller: Caller) -> list[MessageTemplate]:
    return await uow.templates.of_master(master_account_id=caller.master_account_id)


async def get_template(
    uow: MessagingUnitOfWork, caller: Caller, template_id: UUID
) -> MessageTemplate:
    template = await uow.templates.get(template_id, master_account_id=caller.master_account_id)
    if template is None:
        raise NotFound("template")
    return template


def _checked(command: TemplateCreate) -> tuple[str, str, str]:
    check_subject_and_body(command.subject, command.body)
    return template_name(command.name), command.subject, command.body


async def _refuse_taken_name(
    uow: MessagingUnitOfWork, caller: Caller, name: str, *, other_than: UUID | None = None
) -> None:
    master = caller.master_account_id
    await uow.templates.lock_names(master_account_id=master)
    if await uow.templates.named(name, master_account_id=master, other_than=other_than):
        raise TemplateNameTaken(f"a template named {name!r} exists already")


async def create_template(
    uow: MessagingUnitOfWork, caller: Caller, command: TemplateCreate, *, now: datetime
) -> MessageTemplate:
    name, subject, body = _checked(command)
    await _refuse_taken_name(uow, caller, name)
    template = MessageTemplate(
        master_account_id=caller.master_account_id, name=name, subject=subject, body=body,
        created_by_user_id=caller.user_id, created_at=now, updated_at=now,
    )  # fmt: skip
    await uow.templates.add(template)
    return template


async def update_template(
    uow: MessagingUnitOfWork,
    caller: Caller,
    template_id: UUID,
    command: TemplateUpdate,
    *,
    now: datetime,
) -> MessageTemplate:
    name, subject, body = _checked(command)
    template = await uow.templates.get(
        template_id, master_account_id=caller.master_account_id, for_update=True
    )
    if template is None:
        raise NotFound("template")
    if template.version != command.version:
        raise Conflict(
            f"the template changed since version {command.version} (it is at version "
            f"{template.version}): reload it and try again"
        )
    await _refuse_taken_name(uow, caller, name, other_than=template.id)
    template.replace(name=name, subject=subject, body=body, now=now)
    await uow.templates.save(template)
    return template


async def delete_template(uow: MessagingUnitOfWork, caller: Caller, template_id: UUID) -> None:
    template = await get_template(uow, caller, template_id)
    await uow.templates.delete(template.id, master_account_id=caller.master_account_id)


async def preview_template(
    uow: MessagingUnitOfWork, caller: Caller, command: TemplateCheck
) -> list[Rendered]:
    """Check a subject and body (``TemplateRefused``) and render them for the sample recipient
    on every channel, with the master's branding."""
    check_subject_and_body(command.subject, command.body)
    message = compile_message(
        Composition(
            subject=command.subject, body=command.body, with_banner=command.with_banner,
            with_footer=command.with_footer, signature=command.signature,
        )
    )  # fmt: skip
    master = caller.master_account_id
    branding = await uow.branding.get(master_account_id=master) or Branding(master)
    logo = await uow.branding.logo(master_account_id=master) if command.with_banner else None
    view = branding.view(logo_data_url(*logo) if logo else None)
    return [render(message, SAMPLE_VARIABLES, channel, view) for channel in Channel]
