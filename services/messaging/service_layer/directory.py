"""Use cases keeping what messaging knows of a master's clients, groups, households and users,
from their owners' events (never their databases): each batch applied set-based, the newest
version of each record kept, a late older one changing nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from contracts.access import ClientScope
from contracts.contacts import (
    ContactChanged,
    ContactClosed,
    ContactCreated,
    ContactRemoved,
    ContactReopened,
)
from contracts.crm import GroupChanged, HouseholdChanged
from contracts.tools import SegmentMembershipChanged
from contracts.users import UserChanged
from services.messaging.domain.recipients import (
    ClientState,
    GroupState,
    HouseholdState,
    MasterProfile,
    MasterUser,
    newest_clients,
    newest_groups,
    newest_households,
    newest_masters,
    newest_users,
)
from services.messaging.service_layer.unit_of_work import MessagingUnitOfWork
from services.runtime.consumers import Delivery

ContactEvent = ContactCreated | ContactChanged | ContactClosed | ContactReopened | ContactRemoved


def _cut(value: str | None, length: int) -> str | None:
    """A value longer than the read model keeps is cut, never refused (the owner allowed it)."""
    return value[:length] if value is not None else None


def _client_of(delivery: Delivery[Any]) -> ClientState:
    event: ContactEvent = delivery.event
    contact = event.contact
    return ClientState(
        contact_id=contact.contact_id,
        master_account_id=delivery.envelope.master_account_id,
        version=contact.version,
        kind=contact.kind.value,
        first_name=contact.first_name[:100],
        last_name=contact.last_name[:100],
        title=_cut(contact.title, 200),
        account_number=_cut(contact.account_number, 32),
        email=_cut(contact.email, 320),
        status=contact.status.value if contact.status else None,
        closed=contact.closed,
        removed=isinstance(event, ContactRemoved),
    )


def _group_of(delivery: Delivery[Any]) -> GroupState:
    event: GroupChanged = delivery.event
    return GroupState(
        group_id=event.group_id,
        master_account_id=delivery.envelope.master_account_id,
        version=event.version,
        name=event.name[:200],
        visibility=event.visibility.value,
        owner_user_id=event.owner_user_id[:64],
        member_contact_ids=tuple(event.member_contact_ids),
        deleted=event.deleted,
    )


def _household_of(delivery: Delivery[Any]) -> HouseholdState:
    event: HouseholdChanged = delivery.event
    return HouseholdState(
        household_id=event.household_id,
        master_account_id=delivery.envelope.master_account_id,
        version=event.version,
        name=event.name[:200],
        head_contact_id=event.head_contact_id,
        member_contact_ids=tuple(event.member_contact_ids),
        dissolved=event.dissolved,
    )


def _user_of(delivery: Delivery[Any]) -> MasterUser:
    event: UserChanged = delivery.event
    return MasterUser(
        user_id=event.user_id,
        master_account_id=event.master_account_id,
        display_name=event.display_name,
        email=event.email,
        active=event.active,
        email_reminders=event.email_reminders,
        changed_at=event.changed_at,
        rights=tuple(right.value for right in event.rights),
    )


async def apply_contact_states(
    deliveries: Sequence[Delivery[Any]], uow: MessagingUnitOfWork
) -> None:
    """Every contact event of a poll, in one statement: each contact's newest state is kept."""
    await uow.clients.upsert(newest_clients(_client_of(d) for d in deliveries))


async def apply_group_changes(
    deliveries: Sequence[Delivery[Any]], uow: MessagingUnitOfWork
) -> None:
    """Every group change of a poll: each group's newest state and members replace those kept."""
    await uow.client_groups.upsert(newest_groups(_group_of(d) for d in deliveries))


SEGMENT_PREFIX = "Segment: "


async def apply_segment_changes(
    deliveries: Sequence[Delivery[Any]], uow: MessagingUnitOfWork
) -> None:
    """Saved account data queries (segments) are recipient lists: each is kept as a group of the
    master's, named as a segment, whose members are the clients behind its accounts."""
    states: list[GroupState] = []
    for delivery in deliveries:
        event: SegmentMembershipChanged = delivery.event
        master = delivery.envelope.master_account_id
        members = list(event.contact_ids)
        if event.account_numbers and not event.deleted:
            known = await uow.clients.open_clients(
                master_account_id=master, scope=ClientScope.everything(),
                account_numbers=event.account_numbers,
            )  # fmt: skip
            members += [recipient.contact_id for recipient in known]
        states.append(GroupState(
            group_id=event.segment_id, master_account_id=master, version=event.version,
            name=(SEGMENT_PREFIX + event.name)[:200], visibility="public",
            owner_user_id=(event.created_by or "")[:64], member_contact_ids=tuple(members),
            deleted=event.deleted,
        ))  # fmt: skip
    await uow.client_groups.upsert(newest_groups(states))


async def apply_household_changes(
    deliveries: Sequence[Delivery[Any]], uow: MessagingUnitOfWork
) -> None:
    """Every household change of a poll: each household's newest head and members are kept."""
    await uow.households.upsert(newest_households(_household_of(d) for d in deliveries))


async def apply_master_changes(
    deliveries: Sequence[Delivery[Any]], uow: MessagingUnitOfWork
) -> None:
    """Every master change of a poll: each master's latest name and time zone is kept."""
    profiles = (
        MasterProfile(master_account_id=d.event.master_account_id, name=d.event.name,
                      time_zone=d.event.time_zone, changed_at=d.event.changed_at)
        for d in deliveries
    )  # fmt: skip
    await uow.masters.upsert(newest_masters(profiles))


async def apply_user_changes(deliveries: Sequence[Delivery[Any]], uow: MessagingUnitOfWork) -> None:
    """Every user change of a poll: each user's latest state is kept."""
    await uow.master_users.upsert(newest_users(_user_of(d) for d in deliveries))
