"""Use cases that read contacts: the table, a record, its history, the pending tasks figure and
the client information PDF; each within the caller's reach (access rights): a contact out of
reach is not found, like another master's."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from contracts.api.contacts import ContactListQuery
from services.contacts.domain.contact import ChangeRecord, Contact, profile_of
from services.contacts.domain.contact_table import ContactQuery, TablePage
from services.contacts.domain.profile import Profile
from services.contacts.domain.reach import Reach
from services.contacts.files.exports import ExportContact
from services.contacts.files.pdf import client_information_pdf
from services.contacts.service_layer.unit_of_work import ContactsUnitOfWork
from services.runtime.caller import Caller
from services.runtime.errors import NotFound


async def table_page(
    uow: ContactsUnitOfWork, caller: Caller, params: ContactListQuery
) -> TablePage:
    """A page of the contacts table as the caller searched, filtered and sorted it."""
    query = ContactQuery(
        master_account_id=caller.master_account_id,
        text=(params.q or "").strip() or None,
        kind=params.kind,
        account_type=params.account_type,
        status=params.status,
        group_id=params.group_id,
        viewer_user_id=caller.user_id,
        reach=Reach.of(caller.access),
        include_closed=params.include_closed,
        sort=params.sort,
        descending=params.order == "desc",
        offset=(params.page - 1) * params.page_size,
        limit=params.page_size,
    )
    return await uow.contact_table.page(query)


async def contacts_with_pending_tasks(uow: ContactsUnitOfWork, caller: Caller) -> int:
    """How many open records have pending registration tasks (the red pill's figure)."""
    return await uow.contact_table.count_with_pending_tasks(
        master_account_id=caller.master_account_id, reach=Reach.of(caller.access)
    )


async def contact_record(uow: ContactsUnitOfWork, caller: Caller, contact_id: UUID) -> Contact:
    contact = await uow.contacts.get(
        contact_id, master_account_id=caller.master_account_id, reach=Reach.of(caller.access)
    )
    if contact is None:
        raise NotFound("contact")
    return contact


async def contact_history(
    uow: ContactsUnitOfWork, caller: Caller, contact_id: UUID, *, limit: int
) -> list[ChangeRecord]:
    """Who changed what and when, newest first."""
    await contact_record(uow, caller, contact_id)
    return await uow.contacts.history(
        contact_id, master_account_id=caller.master_account_id, limit=limit
    )


def export_contact(contact: Contact, profile: Profile) -> ExportContact:
    """The contact as the exports and PDFs show it, with ``profile``."""
    return ExportContact(
        contact=contact.display_name,
        kind=contact.kind,
        title=contact.title,
        account_type=contact.account_type,
        account_number=contact.account_number,
        status=contact.status,
        username=contact.username,
        email=contact.email,
        phone=contact.phone,
        net_asset_value=contact.net_asset_value,
        profile=profile,
    )


def client_information(contact: Contact, *, master_name: str, now: datetime) -> bytes:
    """The client information PDF (C9) of the record, headed with the master's name."""
    return client_information_pdf(
        export_contact(contact, profile_of(contact)), master_name=master_name, generated_at=now
    )
