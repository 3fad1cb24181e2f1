"""Use cases of moving contacts in and out in bulk: importing a checked file (C4) and the three
exports of the contacts table (C5), always for one master account; an export holds the contacts
within the caller's reach (access rights), exactly those the table shows."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable, Iterator

from services.contacts.domain.contact import Contact
from services.contacts.domain.reach import Reach
from services.contacts.files.exports import (
    ExportContact,
    client_data_xlsx,
    contact_summary_csv,
    pending_tasks_csv,
)
from services.contacts.files.results import ContactDraft
from services.contacts.service_layer.contacts import add_contact
from services.contacts.service_layer.unit_of_work import ContactsUnitOfWork
from services.runtime.caller import Caller
from services.runtime.errors import Forbidden


def contact_from_draft(master_account_id: str, draft: ContactDraft) -> Contact:
    return Contact(
        master_account_id=master_account_id,
        first_name=draft.first_name,
        last_name=draft.last_name,
        kind=draft.kind,
        title=draft.title,
        email=draft.email,
        phone=draft.phone,
        account_type=draft.account_type,
        profile=draft.profile,
    )


async def import_contacts(
    uow: ContactsUnitOfWork, caller: Caller, drafts: Iterable[ContactDraft]
) -> list[Contact]:
    """Add every contact of a checked file (the caller commits them all, or none)."""
    added = [contact_from_draft(caller.master_account_id, draft) for draft in drafts]
    for contact in added:
        await add_contact(uow, contact, changed_by=caller.user_id)
    return added


async def contact_summary_parts(uow: ContactsUnitOfWork, caller: Caller) -> AsyncIterator[bytes]:
    """The contact summary CSV, header first, then a part per batch of contacts."""
    yield contact_summary_csv([])
    batches = uow.exports.summary_batches(
        master_account_id=caller.master_account_id, reach=Reach.of(caller.access)
    )
    async for batch in batches:
        yield contact_summary_csv(batch, header=False)


async def pending_task_parts(uow: ContactsUnitOfWork, caller: Caller) -> AsyncIterator[bytes]:
    """The pending application tasks CSV, header first, then a part per batch."""
    yield pending_tasks_csv([])
    batches = uow.exports.pending_task_batches(
        master_account_id=caller.master_account_id, reach=Reach.of(caller.access)
    )
    async for batch in batches:
        yield pending_tasks_csv(batch, header=False)


async def client_data_workbook(
    uow: ContactsUnitOfWork, caller: Caller, *, exported_by: str, two_factor_verified: bool
) -> bytes:
    """The full client data workbook, only for users with two-factor authentication on.

    The workbook is written in a worker thread (it is CPU work) that pulls the contacts batch
    by batch from the database stream running on this event loop.
    """
    if not two_factor_verified:
        raise Forbidden(
            "the full client data export is only for users with two-factor authentication on"
        )
    loop = asyncio.get_running_loop()
    batches = uow.exports.summary_batches(
        master_account_id=caller.master_account_id,
        with_profiles=True,
        reach=Reach.of(caller.access),
    )

    async def next_batch() -> list[ExportContact] | None:
        return await anext(batches, None)

    def rows() -> Iterator[ExportContact]:
        while batch := asyncio.run_coroutine_threadsafe(next_batch(), loop).result():
            yield from batch

    try:
        return await asyncio.to_thread(client_data_xlsx, rows(), exported_by=exported_by)
    finally:
        await batches.aclose()
