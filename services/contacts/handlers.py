"""Use cases of the contacts service: commands from the API and events from Kafka.

Each takes a unit of work, changes contacts through the repository, records who changed what and
publishes the matching contact event through the outbox; the caller commits.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

from pydantic import BaseModel

from contracts import topics
from contracts.accounts import (
    AccountClosed,
    AccountOpened,
    AccountReopened,
    ApplicationStage,
    ApplicationStatusChanged,
    NetAssetValueReported,
)
from contracts.contacts import ContactChanged, ContactClosed, ContactCreated, ContactReopened
from contracts.envelope import Envelope, Event
from services.contacts.domain.contact import (
    Contact,
    apply_stage,
    changes_between,
    check_version,
    contact_from_application,
    state_of,
)
from services.contacts.store.repository import ContactRepository
from services.runtime.consumers import HandlerTable
from services.runtime.db import UnitOfWork

BACK_OFFICE = "back-office"


async def publish_contact_event(
    uow: UnitOfWork,
    contact: Contact,
    event_type: type[ContactCreated | ContactChanged | ContactClosed | ContactReopened],
    *,
    changed_by: str,
    correlation_id: str | None = None,
    **extra: Any,
) -> None:
    event: Event = event_type(contact=contact.snapshot(), changed_by=changed_by, **extra)
    await uow.publish(
        topics.CONTACTS.name,
        event,
        master_account_id=contact.master_account_id,
        correlation_id=correlation_id,
    )


async def add_contact(uow: UnitOfWork, contact: Contact, *, changed_by: str) -> None:
    repository = ContactRepository(uow.session, contact.master_account_id)
    await repository.add(contact)
    await repository.record_change(
        contact, changed_by=changed_by, action="created", changes=_jsonable(state_of(contact))
    )
    await publish_contact_event(uow, contact, ContactCreated, changed_by=changed_by)


async def save_changes(
    uow: UnitOfWork,
    contact: Contact,
    before: dict[str, Any],
    *,
    changed_by: str,
    action: str = "changed",
    audit: dict[str, Any] | None = None,
) -> bool:
    """Persist, record and publish the contact's changes since ``before``; False if none.

    ``audit`` is recorded beside the changes (e.g. the records a merge took in); with it the
    change is recorded and published even when no field differs."""
    changes = changes_between(before, state_of(contact))
    if not changes and not audit:
        return False
    contact.version += 1
    repository = ContactRepository(uow.session, contact.master_account_id)
    await repository.save(contact)
    await repository.record_change(
        contact, changed_by=changed_by, action=action, changes=_jsonable(changes | (audit or {}))
    )
    event_types: dict[str, type[ContactClosed | ContactReopened]] = {
        "closed": ContactClosed,
        "reopened": ContactReopened,
    }
    event_type = event_types.get(action, ContactChanged)
    extra: dict[str, Any] = (
        {"changed_fields": sorted(changes)} if event_type is ContactChanged else {}
    )
    await publish_contact_event(uow, contact, event_type, changed_by=changed_by, **extra)
    return True


async def change_contact(
    uow: UnitOfWork,
    master_account_id: str,
    contact_id: UUID,
    *,
    version: int,
    change: Callable[[Contact], None],
    changed_by: str,
    action: str = "changed",
) -> Contact | None:
    """A user's edit of the contact as of ``version``: locked, checked against the current
    version (``StaleVersion``), changed by ``change`` (which raises on bad input), then saved,
    recorded and published. None when the master has no such contact."""
    contact = await ContactRepository(uow.session, master_account_id).get(
        contact_id, for_update=True
    )
    if contact is None:
        return None
    check_version(contact, version)
    before = state_of(contact)
    change(contact)
    await save_changes(uow, contact, before, changed_by=changed_by, action=action)
    return contact


async def apply_application_status(
    event: ApplicationStatusChanged, envelope: Envelope[Any], uow: UnitOfWork
) -> None:
    repository = ContactRepository(uow.session, envelope.master_account_id)
    contact = await repository.by_account_number(event.account_number)
    if contact is None and event.applicant.email:
        contact = await repository.invited_prospect_by_email(event.applicant.email)
    if contact is None:
        contact = contact_from_application(
            envelope.master_account_id, event.account_number, event.account_type, event.applicant
        )
        apply_stage(
            contact,
            stage=event.stage,
            account_number=event.account_number,
            account_type=event.account_type,
            occurred_at=envelope.occurred_at,
        )
        contact.pending_tasks = list(event.pending_tasks)
        await add_contact(uow, contact, changed_by=BACK_OFFICE)
        return
    before = state_of(contact)
    if apply_stage(
        contact,
        stage=event.stage,
        account_number=event.account_number,
        account_type=event.account_type,
        occurred_at=envelope.occurred_at,
    ):
        contact.pending_tasks = list(event.pending_tasks)
        await save_changes(uow, contact, before, changed_by=BACK_OFFICE)


async def _apply_lifecycle(
    account_number: str, stage: ApplicationStage, envelope: Envelope[Any], uow: UnitOfWork
) -> None:
    repository = ContactRepository(uow.session, envelope.master_account_id)
    contact = await repository.by_account_number(account_number)
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
    event: AccountOpened, envelope: Envelope[Any], uow: UnitOfWork
) -> None:
    await _apply_lifecycle(event.account_number, ApplicationStage.OPEN, envelope, uow)


async def apply_account_closed(
    event: AccountClosed, envelope: Envelope[Any], uow: UnitOfWork
) -> None:
    await _apply_lifecycle(event.account_number, ApplicationStage.CLOSED, envelope, uow)


async def apply_account_reopened(
    event: AccountReopened, envelope: Envelope[Any], uow: UnitOfWork
) -> None:
    await _apply_lifecycle(event.account_number, ApplicationStage.OPEN, envelope, uow)


async def apply_net_asset_value(
    event: NetAssetValueReported, envelope: Envelope[Any], uow: UnitOfWork
) -> None:
    """Keep the table's Net asset value column current (a fact, not a CRM change: no event)."""
    repository = ContactRepository(uow.session, envelope.master_account_id)
    await repository.set_net_asset_value(event.account_number, event.net_asset_value)


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    def encode(value: Any) -> Any:
        if isinstance(value, BaseModel):
            return value.model_dump(mode="json", exclude_none=True)
        return str(value)

    return json.loads(json.dumps(values, default=encode))


LIFECYCLE_HANDLERS: HandlerTable = {
    ApplicationStatusChanged: apply_application_status,
    AccountOpened: apply_account_opened,
    AccountClosed: apply_account_closed,
    AccountReopened: apply_account_reopened,
}
VALUATION_HANDLERS: HandlerTable = {NetAssetValueReported: apply_net_asset_value}
