"""Use cases of the contacts statistics: fold contact events in, answer the statistics row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from contracts.api.analytics import ContactStatistics
from contracts.contacts import (
    ContactChanged,
    ContactClosed,
    ContactCreated,
    ContactRemoved,
    ContactReopened,
)
from services.analytics.domain.statistics import ContactState, newest_states, summarize
from services.analytics.service_layer.unit_of_work import AnalyticsUnitOfWork
from services.runtime.consumers import Delivery

ContactEvent = ContactCreated | ContactChanged | ContactClosed | ContactReopened | ContactRemoved


def _state_of(delivery: Delivery[Any]) -> ContactState:
    event: ContactEvent = delivery.event
    contact = event.contact
    return ContactState(
        contact_id=contact.contact_id,
        master_account_id=delivery.envelope.master_account_id,
        version=contact.version,
        kind=contact.kind.value,
        status=contact.status.value if contact.status else None,
        closed=contact.closed,
        removed=isinstance(event, ContactRemoved),
    )


async def apply_contact_states(
    deliveries: Sequence[Delivery[Any]], uow: AnalyticsUnitOfWork
) -> None:
    """Every contact event of a poll, in one statement: each contact's newest state is kept."""
    await uow.contact_states.upsert(newest_states(_state_of(d) for d in deliveries))


async def contact_statistics(uow: AnalyticsUnitOfWork, master_account_id: str) -> ContactStatistics:
    counts = await uow.contact_states.count_by_kind_and_status(master_account_id=master_account_id)
    return summarize(counts)
