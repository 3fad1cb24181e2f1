"""Use cases of groups and households (C10).

Each takes a unit of work and the caller, changes the records through the stores and publishes
the whole new state (``GroupChanged`` / ``HouseholdChanged``, version + 1) through the outbox of
the same transaction; the caller commits. Creating or changing a household also stores the new
form to sign.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy.exc import IntegrityError

from contracts import topics
from contracts.api.groups import (
    GroupCreate,
    GroupMembersChange,
    GroupUpdate,
    HouseholdCreate,
    HouseholdUpdate,
)
from services.contacts.domain.groups import (
    Group,
    GroupConflict,
    GroupRuleError,
    change_visibility,
    group_name,
    members_after,
)
from services.contacts.domain.households import (
    Candidate,
    Household,
    HouseholdConflict,
    HouseholdRuleError,
    check_household,
    distinct_members,
    form_members,
    household_name,
)
from services.contacts.files.pdf import household_form_pdf
from services.contacts.store.groups import GroupStore, HouseholdStore, existing_contact_ids
from services.runtime.caller import Caller
from services.runtime.db import UnitOfWork


class NotFound(LookupError):
    """No such group or household for this caller (another master's, or a private group of
    another user, looks the same)."""


# --- groups -------------------------------------------------------------------------------


async def visible_group(store: GroupStore, caller: Caller, group_id: UUID, **lock: bool) -> Group:
    group = await store.get(group_id, **lock)
    if group is None or not group.visible_to(caller.user_id):
        raise NotFound("no such group")
    return group


async def create_group(uow: UnitOfWork, caller: Caller, command: GroupCreate) -> Group:
    store = GroupStore(uow.session, caller.master_account_id)
    name = group_name(command.name)
    if await store.named(name, caller.user_id):
        raise GroupConflict("name", f"you already have a group named {name!r}")
    group = Group(
        master_account_id=caller.master_account_id,
        name=name,
        visibility=command.visibility,
        owner_user_id=caller.user_id,
    )
    await store.add(group)
    await _publish_group(uow, group, set())
    return group


async def update_group(
    uow: UnitOfWork, caller: Caller, group_id: UUID, command: GroupUpdate
) -> Group:
    store = GroupStore(uow.session, caller.master_account_id)
    group = await visible_group(store, caller, group_id, for_update=True)
    before = (group.name, group.visibility)
    if command.name is not None:
        group.name = group_name(command.name)
        if await store.named(group.name, caller.user_id, other_than=group.id):
            raise GroupConflict("name", f"you already have a group named {group.name!r}")
    if command.visibility is not None:
        change_visibility(group, command.visibility, by_user=caller.user_id)
    if (group.name, group.visibility) != before:
        group.version += 1
        await store.save(group)
        await _publish_group(uow, group, await store.member_ids(group.id))
    return group


async def delete_group(uow: UnitOfWork, caller: Caller, group_id: UUID) -> None:
    store = GroupStore(uow.session, caller.master_account_id)
    group = await visible_group(store, caller, group_id, for_update=True)
    group.version += 1
    await store.remove(group.id)
    await _publish_group(uow, group, set(), deleted=True)


async def change_members(
    uow: UnitOfWork, caller: Caller, group_id: UUID, change: GroupMembersChange
) -> tuple[Group, int]:
    """Add and remove members in one change; returns the group and its member count."""
    store = GroupStore(uow.session, caller.master_account_id)
    group = await visible_group(store, caller, group_id, for_update=True)
    to_add = list(dict.fromkeys(change.add))
    known = await existing_contact_ids(uow.session, caller.master_account_id, to_add)
    unknown = [str(contact_id) for contact_id in to_add if contact_id not in known]
    if unknown:
        raise GroupRuleError("add", f"no such contact: {', '.join(unknown)}")
    current = await store.member_ids(group.id)
    after = members_after(current, add=to_add, remove=change.remove)
    if after != current:
        added = [contact_id for contact_id in to_add if contact_id not in current]
        await store.add_members(group.id, [cid for cid in added if cid in after], by=caller.user_id)
        await store.remove_members(group.id, list(current - after))
        group.version += 1
        await store.save(group)
        await _publish_group(uow, group, after)
    return group, len(after)


async def _publish_group(
    uow: UnitOfWork, group: Group, members: set[UUID], *, deleted: bool = False
) -> None:
    await uow.publish(
        topics.CRM_RECORDS.name,
        group.changed_event(members, deleted=deleted),
        master_account_id=group.master_account_id,
    )


# --- households ---------------------------------------------------------------------------


async def create_household(
    uow: UnitOfWork, caller: Caller, command: HouseholdCreate, *, advisor_name: str, now: datetime
) -> Household:
    store = HouseholdStore(uow.session, caller.master_account_id)
    members = distinct_members(command.member_contact_ids)
    household = Household(
        master_account_id=caller.master_account_id,
        name=household_name(command.name),
        head_contact_id=command.head_contact_id,
        member_ids=members,
    )
    candidates = await store.candidates(members)
    check_household(household.id, members, command.head_contact_id, candidates)
    await _claim_members(uow, lambda: store.add(household, created_by=caller.user_id))
    await _new_form(store, household, candidates, caller, advisor_name=advisor_name, now=now)
    await _publish_household(uow, household)
    return household


async def update_household(
    uow: UnitOfWork,
    caller: Caller,
    household_id: UUID,
    command: HouseholdUpdate,
    *,
    advisor_name: str,
    now: datetime,
) -> Household:
    store = HouseholdStore(uow.session, caller.master_account_id)
    household = await _household(store, household_id)
    before = (household.name, household.head_contact_id, set(household.member_ids))
    if command.name is not None:
        household.name = household_name(command.name)
    if command.member_contact_ids is not None:
        household.member_ids = distinct_members(command.member_contact_ids)
    if command.head_contact_id is not None:
        household.head_contact_id = command.head_contact_id
    if (household.name, household.head_contact_id, set(household.member_ids)) == before:
        return household
    candidates = await store.candidates(household.member_ids)
    head = household.head_contact_id
    if head is None:  # only after a merge took the head away; a change must name one
        raise HouseholdRuleError("head_contact_id", "choose the head of household")
    check_household(household.id, household.member_ids, head, candidates)
    household.version += 1
    await _claim_members(uow, lambda: store.save(household))
    await _new_form(store, household, candidates, caller, advisor_name=advisor_name, now=now)
    await _publish_household(uow, household)
    return household


async def dissolve_household(uow: UnitOfWork, caller: Caller, household_id: UUID) -> None:
    store = HouseholdStore(uow.session, caller.master_account_id)
    household = await _household(store, household_id)
    household.dissolved = True
    household.version += 1
    await store.save(household)
    await _publish_household(uow, household)


async def _household(store: HouseholdStore, household_id: UUID) -> Household:
    household = await store.get(household_id, for_update=True)
    if household is None:
        raise NotFound("no such household")
    return household


async def _claim_members(uow: UnitOfWork, write: Callable[[], Awaitable[None]]) -> None:
    """Write the members; a contact that joined another household meanwhile is a conflict."""
    try:
        async with uow.session.begin_nested():
            await write()
    except IntegrityError as error:
        raise HouseholdConflict(
            "member_contact_ids", "a member joined another household meanwhile; try again"
        ) from error


async def _new_form(
    store: HouseholdStore,
    household: Household,
    candidates: Sequence[Candidate],
    caller: Caller,
    *,
    advisor_name: str,
    now: datetime,
) -> int:
    head, members = form_members(household.member_ids, household.head_contact_id, candidates)
    pdf = await asyncio.to_thread(
        household_form_pdf,
        household.name,
        head,
        members,
        master_name=advisor_name,
        generated_at=now,
    )
    return await store.add_form(household, pdf, generated_at=now, generated_by=caller.user_id)


async def _publish_household(uow: UnitOfWork, household: Household) -> None:
    await uow.publish(
        topics.CRM_RECORDS.name,
        household.changed_event(),
        master_account_id=household.master_account_id,
    )
