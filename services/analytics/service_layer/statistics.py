"""Use cases of the contacts statistics: fold contact and group events in, answer the statistics
row within the caller's client scope."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from contracts.access import ClientScope
from contracts.api.analytics import ContactStatistics
from contracts.contacts import (
    ContactChanged,
    ContactClosed,
    ContactCreated,
    ContactRemoved,
    ContactReopened,
)
from contracts.crm import GroupChanged
from services.analytics.domain.statistics import (
    ContactState,
    GroupMembers,
    newest_groups,
    newest_states,
    summarize,
)
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
        account_number=contact.account_number,
    )


def _members_of(delivery: Delivery[Any]) -> GroupMembers:
    event: GroupChanged = delivery.event
    return GroupMembers(
        group_id=event.group_id,
        master_account_id=delivery.envelope.master_account_id,
        version=event.version,
        member_contact_ids=tuple(event.member_contact_ids),
        deleted=event.deleted,
    )


async def apply_contact_states(
    deliveries: Sequence[Delivery[Any]], uow: AnalyticsUnitOfWork
) -> None:
    """Every contact event of a poll, in one statement: each contact's newest state is kept."""
    await uow.contact_states.upsert(newest_states(_state_of(d) for d in deliveries))


async def apply_group_changes(
    deliveries: Sequence[Delivery[Any]], uow: AnalyticsUnitOfWork
) -> None:
    """Every group change of a poll: each group's newest members replace the ones kept."""
    await uow.group_members.upsert(newest_groups(_members_of(d) for d in deliveries))


async def contact_statistics(
    uow: AnalyticsUnitOfWork, master_account_id: str, *, scope: ClientScope
) -> ContactStatistics:
    """The statistics row of the contacts a user with ``scope`` sees (their contacts table)."""
    counts = await uow.contact_states.count_by_kind_and_status(
        master_account_id=master_account_id, scope=scope
    )
    return summarize(counts)
