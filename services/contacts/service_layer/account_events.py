"""Use cases of the back office's account events: applications and the life of accounts move
the contacts they are about; net asset values keep the table's column current."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from contracts.accounts import (
    AccountClosed,
    AccountOpened,
    AccountReopened,
    ApplicationStage,
    ApplicationStatusChanged,
    NetAssetValueReported,
)
from contracts.envelope import Envelope
from services.contacts.domain.contact import (
    AccountValuation,
    Contact,
    apply_stage,
    contact_from_application,
    latest_valuations,
    state_of,
)
from services.contacts.service_layer.contacts import add_contact, save_changes
from services.contacts.service_layer.unit_of_work import ContactsUnitOfWork
from services.runtime.consumers import Delivery

BACK_OFFICE = "back-office"


async def apply_application_status(
    event: ApplicationStatusChanged, envelope: Envelope[Any], uow: ContactsUnitOfWork
) -> None:
    """The contact of the application (found by account, else an invited prospect with the
    applicant's email, else created) moves to the application's stage."""
    master = envelope.master_account_id
    contact = await uow.contacts.by_account_number(event.account_number, master_account_id=master)
    if contact is None and event.applicant.email:
        contact = await uow.contacts.invited_prospect_by_email(
            event.applicant.email, master_account_id=master
        )
    if contact is None:
        contact = contact_from_application(
            master, event.account_number, event.account_type, event.applicant
        )
        _move_to_stage(contact, event, envelope)
        await add_contact(uow, contact, changed_by=BACK_OFFICE)
        return
    before = state_of(contact)
    if _move_to_stage(contact, event, envelope):
        await save_changes(uow, contact, before, changed_by=BACK_OFFICE)


def _move_to_stage(
    contact: Contact, event: ApplicationStatusChanged, envelope: Envelope[Any]
) -> bool:
    """The application's stage and pending tasks; False when the news is older than ours."""
    if not apply_stage(
        contact,
        stage=event.stage,
        account_number=event.account_number,
        account_type=event.account_type,
        occurred_at=envelope.occurred_at,
    ):
        return False
    contact.pending_tasks = list(event.pending_tasks)
    return True


async def _apply_lifecycle(
    account_number: str, stage: ApplicationStage, envelope: Envelope[Any], uow: ContactsUnitOfWork
) -> None:
    contact = await uow.contacts.by_account_number(
        account_number, master_account_id=envelope.master_account_id
    )
    if contact is None:
        return  # an account the CRM never heard of an application for: nothing to show
    before = state_of(contact)
    if apply_stage(
        contact,
        stage=stage,
        account_number=account_number,
        account_type=None,
        occurred_at=envelope.occurred_at,
    ):
        action = {ApplicationStage.CLOSED: "closed"}.get(stage, "changed")
        if before["closed"] and not contact.closed:
            action = "reopened"
        await save_changes(uow, contact, before, changed_by=BACK_OFFICE, action=action)


async def apply_account_opened(
    event: AccountOpened, envelope: Envelope[Any], uow: ContactsUnitOfWork
) -> None:
    await _apply_lifecycle(event.account_number, ApplicationStage.OPEN, envelope, uow)


async def apply_account_closed(
    event: AccountClosed, envelope: Envelope[Any], uow: ContactsUnitOfWork
) -> None:
    await _apply_lifecycle(event.account_number, ApplicationStage.CLOSED, envelope, uow)


async def apply_account_reopened(
    event: AccountReopened, envelope: Envelope[Any], uow: ContactsUnitOfWork
) -> None:
    await _apply_lifecycle(event.account_number, ApplicationStage.OPEN, envelope, uow)


async def apply_net_asset_values(
    deliveries: Sequence[Delivery[NetAssetValueReported]], uow: ContactsUnitOfWork
) -> None:
    """Keep the table's Net asset value column current, one statement per batch: the last value
    reported for an account wins (a fact, not a CRM change: no event, no history)."""
    valuations = [
        AccountValuation(
            d.envelope.master_account_id, d.event.account_number, d.event.net_asset_value
        )
        for d in deliveries
    ]
    await uow.contacts.set_net_asset_values(latest_valuations(valuations))
