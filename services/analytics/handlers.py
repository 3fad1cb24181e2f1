"""Analytics' Kafka handlers: folding events into read models."""

from __future__ import annotations

from typing import Any

from contracts.contacts import (
    ContactChanged,
    ContactClosed,
    ContactCreated,
    ContactRemoved,
    ContactReopened,
)
from contracts.envelope import Envelope
from services.analytics.store.repository import upsert_contact_state
from services.runtime.consumers import HandlerTable
from services.runtime.db import UnitOfWork


async def apply_contact_state(
    event: ContactCreated | ContactChanged | ContactClosed | ContactReopened,
    envelope: Envelope[Any],
    uow: UnitOfWork,
) -> None:
    await upsert_contact_state(uow.session, envelope.master_account_id, event.contact)


async def apply_contact_removed(
    event: ContactRemoved, envelope: Envelope[Any], uow: UnitOfWork
) -> None:
    await upsert_contact_state(uow.session, envelope.master_account_id, event.contact, removed=True)


CONTACT_HANDLERS: HandlerTable = {
    ContactCreated: apply_contact_state,
    ContactChanged: apply_contact_state,
    ContactClosed: apply_contact_state,
    ContactReopened: apply_contact_state,
    ContactRemoved: apply_contact_removed,
}
