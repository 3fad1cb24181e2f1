"""Use cases keeping what staging knows of other services' records, from their events: which
master owns which account (contacts), group members for client scopes (CRM), each master's time
zone (the gateway). Each batch is applied set-based; the newest version wins."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from contracts.contacts import ContactRemoved
from contracts.crm import GroupChanged
from contracts.users import MasterChanged
from services.runtime.consumers import Delivery
from services.staging.domain.holds import (
    ClientState,
    GroupMembers,
    MasterZone,
    newest_clients,
    newest_groups,
    newest_zones,
)
from services.staging.service_layer.unit_of_work import StagingUnitOfWork


def _client_of(delivery: Delivery[Any]) -> ClientState:
    contact = delivery.event.contact
    return ClientState(
        contact_id=contact.contact_id,
        master_account_id=delivery.envelope.master_account_id,
        version=contact.version,
        kind=contact.kind.value,
        name=f"{contact.first_name} {contact.last_name}".strip()[:201],
        account_number=contact.account_number[:32] if contact.account_number else None,
        closed=contact.closed,
        removed=isinstance(delivery.event, ContactRemoved),
    )


async def apply_contact_states(deliveries: Sequence[Delivery[Any]], uow: StagingUnitOfWork) -> None:
    await uow.clients.upsert(newest_clients(_client_of(d) for d in deliveries))


def _group_of(delivery: Delivery[Any]) -> GroupMembers:
    event: GroupChanged = delivery.event
    return GroupMembers(group_id=event.group_id,
                        master_account_id=delivery.envelope.master_account_id,
                        version=event.version, member_contact_ids=tuple(event.member_contact_ids),
                        deleted=event.deleted)  # fmt: skip


async def apply_group_changes(deliveries: Sequence[Delivery[Any]], uow: StagingUnitOfWork) -> None:
    await uow.groups.upsert(newest_groups(_group_of(d) for d in deliveries))


async def apply_master_changes(deliveries: Sequence[Delivery[Any]], uow: StagingUnitOfWork) -> None:
    """Each master's latest time zone (deadlines and cut-overs are computed in it)."""
    zones = []
    for delivery in deliveries:
        event: MasterChanged = delivery.event
        zones.append(MasterZone(event.master_account_id, event.time_zone[:64], event.changed_at))
    await uow.master_zones.upsert(newest_zones(zones))
