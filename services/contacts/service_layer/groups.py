"""Use cases of groups (C10): public to every user of the master, or private to their creator.

A change publishes the group's whole new state (``GroupChanged``, version + 1) through the outbox
of the same transaction. A group the caller may not see (another master's, or another user's
private group) is not found. Its members out of the caller's reach (access rights) are neither
counted nor listed, and can be neither added nor removed by the caller.
"""

from __future__ import annotations

from uuid import UUID

from contracts import topics
from contracts.api.groups import GroupCreate, GroupMembersChange, GroupUpdate
from services.contacts.domain.groups import (
    Group,
    GroupConflict,
    GroupMembership,
    GroupRuleError,
    GroupSummary,
    change_visibility,
    group_name,
    members_after,
)
from services.contacts.domain.reach import Reach
from services.contacts.service_layer.unit_of_work import ContactsUnitOfWork
from services.runtime.caller import Caller
from services.runtime.errors import NotFound


async def visible_groups(uow: ContactsUnitOfWork, caller: Caller) -> list[GroupSummary]:
    """The groups the caller sees: the master's public groups and the caller's private ones."""
    return await uow.groups.visible(
        caller.user_id, master_account_id=caller.master_account_id, reach=Reach.of(caller.access)
    )


async def group_summary(uow: ContactsUnitOfWork, caller: Caller, group_id: UUID) -> GroupSummary:
    found = await uow.groups.visible(
        caller.user_id,
        master_account_id=caller.master_account_id,
        group_id=group_id,
        reach=Reach.of(caller.access),
    )
    if not found:
        raise NotFound("group")
    return found[0]


async def _visible_group(uow: ContactsUnitOfWork, caller: Caller, group_id: UUID) -> Group:
    """The group, locked for a change."""
    group = await uow.groups.get(
        group_id, master_account_id=caller.master_account_id, for_update=True
    )
    if group is None or not group.visible_to(caller.user_id):
        raise NotFound("group")
    return group


async def _refuse_taken_name(
    uow: ContactsUnitOfWork, caller: Caller, name: str, *, other_than: UUID | None = None
) -> None:
    if await uow.groups.named(
        name, caller.user_id, master_account_id=caller.master_account_id, other_than=other_than
    ):
        raise GroupConflict("name", f"you already have a group named {name!r}")


async def create_group(
    uow: ContactsUnitOfWork, caller: Caller, command: GroupCreate
) -> GroupSummary:
    name = group_name(command.name)
    await _refuse_taken_name(uow, caller, name)
    group = Group(
        master_account_id=caller.master_account_id,
        name=name,
        visibility=command.visibility,
        owner_user_id=caller.user_id,
    )
    await uow.groups.add(group)
    await _publish(uow, group, set())
    return await group_summary(uow, caller, group.id)


async def update_group(
    uow: ContactsUnitOfWork, caller: Caller, group_id: UUID, command: GroupUpdate
) -> GroupSummary:
    group = await _visible_group(uow, caller, group_id)
    before = (group.name, group.visibility)
    if command.name is not None:
        group.name = group_name(command.name)
        await _refuse_taken_name(uow, caller, group.name, other_than=group.id)
    if command.visibility is not None:
        change_visibility(group, command.visibility, by_user=caller.user_id)
    if (group.name, group.visibility) != before:
        await _save(uow, group)
    return await group_summary(uow, caller, group_id)


async def delete_group(uow: ContactsUnitOfWork, caller: Caller, group_id: UUID) -> None:
    group = await _visible_group(uow, caller, group_id)
    group.version += 1
    await uow.groups.remove(group)
    await _publish(uow, group, set(), deleted=True)


async def change_members(
    uow: ContactsUnitOfWork, caller: Caller, group_id: UUID, change: GroupMembersChange
) -> GroupSummary:
    """Add and remove members in one change (only contacts within the caller's reach: another
    is no such contact to add, and stays where it is)."""
    master = caller.master_account_id
    reach = Reach.of(caller.access)
    group = await _visible_group(uow, caller, group_id)
    to_add = list(dict.fromkeys(change.add))
    known = await uow.contacts.existing_ids(to_add, master_account_id=master, reach=reach)
    unknown = [str(contact_id) for contact_id in to_add if contact_id not in known]
    if unknown:
        raise GroupRuleError("add", f"no such contact: {', '.join(unknown)}")
    to_remove = list(dict.fromkeys(change.remove))
    if not reach.unlimited:
        reached = await uow.contacts.existing_ids(to_remove, master_account_id=master, reach=reach)
        to_remove = [contact_id for contact_id in to_remove if contact_id in reached]
    current = await uow.groups.member_ids(group.id, master_account_id=master)
    after = members_after(current, add=to_add, remove=to_remove)
    if after != current:
        added = [cid for cid in to_add if cid not in current and cid in after]
        await uow.groups.add_members(
            [GroupMembership(group.id, cid, caller.user_id) for cid in added],
            master_account_id=master,
        )
        await uow.groups.remove_members(group.id, list(current - after), master_account_id=master)
        await _save(uow, group, after)
    return await group_summary(uow, caller, group_id)


async def _save(uow: ContactsUnitOfWork, group: Group, members: set[UUID] | None = None) -> None:
    """Save the group as its next version and publish it with its members."""
    group.version += 1
    await uow.groups.save(group)
    if members is None:
        members = await uow.groups.member_ids(group.id, master_account_id=group.master_account_id)
    await _publish(uow, group, members)


async def _publish(
    uow: ContactsUnitOfWork, group: Group, members: set[UUID], *, deleted: bool = False
) -> None:
    await uow.publish(
        topics.CRM_RECORDS.name,
        group.changed_event(members, deleted=deleted),
        master_account_id=group.master_account_id,
    )
