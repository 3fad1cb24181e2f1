"""Moving what merged contacts belonged to over to the kept one (C6): their group and household
memberships and their invitations. Each changed group and household gets version + 1 and its
whole state published through the outbox of the merge's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from contracts import topics
from services.contacts.domain.groups import memberships_taken_over
from services.contacts.domain.households import take_over_membership
from services.contacts.service_layer.unit_of_work import ContactsUnitOfWork


async def reassign_memberships(
    uow: ContactsUnitOfWork, *, master_account_id: str, from_ids: Sequence[UUID], to_id: UUID
) -> int:
    """Move the group and household memberships (and the invitations) of ``from_ids`` to
    ``to_id``: no membership is duplicated, a merged head of household hands the role to the
    kept contact, a household left with fewer than two members is dissolved. Returns the number
    of memberships moved or folded into the kept contact's."""
    sources = [contact_id for contact_id in dict.fromkeys(from_ids) if contact_id != to_id]
    if not sources:
        return 0
    if not await uow.contacts.existing_ids([to_id], master_account_id=master_account_id):
        raise ValueError("the kept contact is not a contact of this master account")
    moved = await _move_groups(uow, master_account_id, sources, to_id)
    moved += await _move_households(uow, master_account_id, sources, to_id)
    await uow.invitations.reassign(sources, to_id, master_account_id=master_account_id)
    return moved


async def _move_groups(
    uow: ContactsUnitOfWork, master: str, sources: list[UUID], to_id: UUID
) -> int:
    memberships = await uow.groups.memberships_of(sources, master_account_id=master)
    if not memberships:
        return 0
    taken_over = memberships_taken_over(memberships, to_id)
    await uow.groups.add_members(taken_over, master_account_id=master)
    await uow.groups.remove_from_every_group(sources, master_account_id=master)
    for group_id in sorted((m.group_id for m in taken_over), key=str):
        group = await uow.groups.get(group_id, master_account_id=master, for_update=True)
        if group is None:
            continue
        group.version += 1
        await uow.groups.save(group)
        members = await uow.groups.member_ids(group_id, master_account_id=master)
        await uow.publish(
            topics.CRM_RECORDS.name, group.changed_event(members), master_account_id=master
        )
    return len(memberships)


async def _move_households(
    uow: ContactsUnitOfWork, master: str, sources: list[UUID], to_id: UUID
) -> int:
    memberships = await uow.households.memberships_of([*sources, to_id], master_account_id=master)
    kept_in = next((household for household, contact in memberships if contact == to_id), None)
    affected = {household for household, contact in memberships if contact != to_id}
    if not affected:
        return 0
    for household_id in sorted(affected, key=str):
        household = await uow.households.get(
            household_id, master_account_id=master, for_update=True
        )
        if household is None:
            continue
        take_over_membership(household, sources, to_id, kept_joins=kept_in is None)
        if kept_in is None:
            kept_in = household_id
        await uow.households.save(household)
        await uow.publish(
            topics.CRM_RECORDS.name, household.changed_event(), master_account_id=master
        )
    return len(memberships) - (1 if any(contact == to_id for _, contact in memberships) else 0)
