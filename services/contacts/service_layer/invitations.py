"""Use cases of account invitations (C8) and of the pending registration tasks list.

Inviting records the invitation and moves the contact to ``invited`` in one transaction. A fully
electronic invitation is recorded as ``pending_send``; the invitation sender (a background job,
``invitation_sender.py``) sends it after the commit. A semi-electronic invitation publishes
``InvitationSent`` at once: the prefilled application is downloaded and printed.

The advisor's use cases find contacts within the caller's reach (access rights); the invited
applicant's link is its own authority (the token), whoever the caller is.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from uuid import UUID

from contracts import topics
from contracts.accounts import AccountType, ApplicationStage
from contracts.api.invitations import (
    ApplicationField,
    ApplicationSection,
    ApplicationView,
    InvitationCreate,
    PendingTasksQuery,
)
from contracts.crm import InvitationMethod
from services.contacts.domain.contact import Contact, state_of
from services.contacts.domain.contact_table import PendingTasksRow
from services.contacts.domain.invitations import (
    ContactClosed,
    Invitation,
    InvitationRuleError,
    LinkExpired,
    master_of_token,
    new_invitation,
    token_hash,
)
from services.contacts.domain.profile_fields import SECTION_TITLES, value_at
from services.contacts.domain.reach import Reach
from services.contacts.files.pdf import application_pdf, display
from services.contacts.files.profile_columns import PROFILE_COLUMNS
from services.contacts.service_layer.contact_reads import contact_record, export_contact
from services.contacts.service_layer.contacts import save_changes
from services.contacts.service_layer.unit_of_work import ContactsUnitOfWork
from services.runtime.caller import Caller
from services.runtime.errors import NotFound

# --- inviting -----------------------------------------------------------------------------


async def invite(
    uow: ContactsUnitOfWork,
    caller: Caller,
    contact_id: UUID,
    command: InvitationCreate,
    *,
    advisor_name: str,
    now: datetime,
    valid_for: timedelta,
) -> tuple[Invitation, Contact]:
    contact = await uow.contacts.get(
        contact_id,
        master_account_id=caller.master_account_id,
        for_update=True,
        reach=Reach.of(caller.access),
    )
    if contact is None:
        raise NotFound("contact")
    if contact.closed:
        raise ContactClosed()
    account_type = _account_type(command, contact)
    invitation = new_invitation(
        master_account_id=caller.master_account_id,
        contact_id=contact.id,
        recipient_name=contact.display_name,
        email=contact.email or _profile_email(contact),
        method=command.method,
        account_type=account_type,
        created_by=caller.user_id,
        advisor_name=advisor_name,
        now=now,
        valid_for=valid_for,
    )
    await uow.invitations.add(invitation)
    await _mark_invited(uow, contact, account_type, by=caller.user_id, now=now)
    if invitation.method is InvitationMethod.SEMI_ELECTRONIC:
        await publish_sent(uow, invitation)
    return invitation, contact


def _account_type(command: InvitationCreate, contact: Contact) -> AccountType:
    prospect = contact.profile.prospect
    planned = prospect.account_type if prospect else None
    chosen = command.account_type or contact.account_type or planned
    if chosen is None:
        raise InvitationRuleError("account_type", "choose the type of account to apply for")
    return chosen


def _profile_email(contact: Contact) -> str | None:
    info = contact.profile.contact
    return str(info.email) if info and info.email else None


async def _mark_invited(
    uow: ContactsUnitOfWork,
    contact: Contact,
    account_type: AccountType,
    *,
    by: str,
    now: datetime,
) -> None:
    """The contact's application is now at ``invited``. A contact whose account exists keeps the
    account's status: the invitation is for an additional account, which the back office will
    report on when it is applied for."""
    if contact.account_number is not None:
        return
    before = state_of(contact)
    contact.status = ApplicationStage.INVITED
    contact.status_changed_at = now
    contact.account_type = account_type
    await save_changes(uow, contact, before, changed_by=by, action="invited")


async def publish_sent(uow: ContactsUnitOfWork, invitation: Invitation) -> None:
    await uow.publish(
        topics.CRM_RECORDS.name,
        invitation.sent_event(),
        master_account_id=invitation.master_account_id,
    )


# --- what the advisor and the invited client get ------------------------------------------


async def invitations_of(
    uow: ContactsUnitOfWork, caller: Caller, contact_id: UUID
) -> tuple[Contact, list[Invitation]]:
    """The contact and its invitations, newest first."""
    contact = await contact_record(uow, caller, contact_id)
    found = await uow.invitations.of_contact(contact_id, master_account_id=caller.master_account_id)
    return contact, found


async def invitation_to_print(
    uow: ContactsUnitOfWork, caller: Caller, contact_id: UUID, invitation_id: UUID
) -> tuple[Contact, Invitation]:
    contact = await contact_record(uow, caller, contact_id)
    invitation = await uow.invitations.get(
        contact_id, invitation_id, master_account_id=caller.master_account_id
    )
    if invitation is None:
        raise NotFound("invitation")
    return contact, invitation


async def printable_application(
    contact: Contact, invitation: Invitation, *, now: datetime
) -> bytes:
    """The application prefilled from the record as it is now, to print and sign."""
    return await asyncio.to_thread(
        application_pdf,
        export_contact(contact, contact.profile),
        account_type=invitation.account_type,
        master_name=invitation.advisor_name,
        generated_at=now,
    )


async def application_for_link(
    uow: ContactsUnitOfWork, caller: Caller, token: str, *, now: datetime
) -> ApplicationView:
    """The prefilled application behind an invitation link (read-only)."""
    master = caller.master_account_id
    if master_of_token(token) != master:
        raise NotFound("invitation")
    invitation = await uow.invitations.by_token_hash(token_hash(token), master_account_id=master)
    if invitation is None:
        raise NotFound("invitation")
    if invitation.is_expired(now):
        raise LinkExpired()
    contact = await uow.contacts.get(invitation.contact_id, master_account_id=master)
    if contact is None:
        raise NotFound("invitation")
    return ApplicationView(
        applicant=contact.display_name,
        advisor_name=invitation.advisor_name,
        account_type=invitation.account_type,
        expires_at=invitation.expires_at,
        sections=application_sections(contact),
    )


def application_sections(contact: Contact) -> list[ApplicationSection]:
    """The profile's filled-in fields by section, as the application shows them; a tax id shows
    only its last four characters (the link travels by email)."""
    currency = value_at(contact.profile, "financial.currency")
    sections = []
    for section, title in SECTION_TITLES.items():
        fields = []
        for column in PROFILE_COLUMNS:
            if column.path.split(".")[0] != section:
                continue
            value = value_at(contact.profile, column.path)
            text = display(value, path=column.path, currency=currency)
            if text:
                shown = _masked(text) if column.path == "tax.tax_id" else text
                fields.append(ApplicationField(label=column.label, value=shown))
        sections.append(ApplicationSection(title=title, fields=fields))
    return sections


def _masked(text: str) -> str:
    return "•" * max(0, len(text) - 4) + text[-4:]


# --- pending registration tasks -----------------------------------------------------------


async def pending_tasks(
    uow: ContactsUnitOfWork, caller: Caller, params: PendingTasksQuery
) -> tuple[list[PendingTasksRow], int]:
    """Open accounts with pending registration tasks within the caller's reach, searchable by
    account number or name."""
    return await uow.contact_table.pending_tasks(
        master_account_id=caller.master_account_id,
        reach=Reach.of(caller.access),
        text_query=(params.q or "").strip() or None,
        offset=(params.page - 1) * params.page_size,
        limit=params.page_size,
    )
