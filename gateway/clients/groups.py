"""The contacts service's groups (public or private, members in bulk) and households (with the
forms to sign)."""

from __future__ import annotations

from uuid import UUID

from contracts.api.groups import (
    GroupCreate,
    GroupList,
    GroupMembersChange,
    GroupOut,
    GroupUpdate,
    HouseholdCreate,
    HouseholdList,
    HouseholdOut,
    HouseholdUpdate,
)
from gateway.clients.http import Download, ServiceClients
from gateway.store.users import User

# Groups


async def list_groups(clients: ServiceClients, user: User) -> GroupList:
    """The master's public groups and the user's own private ones, with member counts."""
    return GroupList.model_validate(await clients.contacts.json("GET", "/groups", user))


async def create_group(clients: ServiceClients, user: User, group: GroupCreate) -> GroupOut:
    body = group.model_dump(mode="json")
    return GroupOut.model_validate(await clients.contacts.json("POST", "/groups", user, json=body))


async def get_group(clients: ServiceClients, user: User, group_id: UUID) -> GroupOut:
    return GroupOut.model_validate(await clients.contacts.json("GET", f"/groups/{group_id}", user))


async def update_group(
    clients: ServiceClients, user: User, group_id: UUID, changes: GroupUpdate
) -> GroupOut:
    body = changes.model_dump(mode="json", exclude_unset=True)
    return GroupOut.model_validate(
        await clients.contacts.json("PATCH", f"/groups/{group_id}", user, json=body)
    )


async def delete_group(clients: ServiceClients, user: User, group_id: UUID) -> None:
    await clients.contacts.call("DELETE", f"/groups/{group_id}", user)


async def change_members(
    clients: ServiceClients, user: User, group_id: UUID, change: GroupMembersChange
) -> GroupOut:
    path = f"/groups/{group_id}/members"
    return GroupOut.model_validate(
        await clients.contacts.json("PATCH", path, user, json=change.model_dump(mode="json"))
    )


# Households: the form to sign is generated with each change, signed with the master's name


async def list_households(clients: ServiceClients, user: User) -> HouseholdList:
    return HouseholdList.model_validate(await clients.contacts.json("GET", "/households", user))


async def create_household(
    clients: ServiceClients, user: User, household: HouseholdCreate, *, master_name: str
) -> HouseholdOut:
    created = await clients.contacts.json(
        "POST", "/households", user, json=household.model_dump(mode="json"),
        params={"master_name": master_name},
    )  # fmt: skip
    return HouseholdOut.model_validate(created)


async def get_household(clients: ServiceClients, user: User, household_id: UUID) -> HouseholdOut:
    return HouseholdOut.model_validate(
        await clients.contacts.json("GET", f"/households/{household_id}", user)
    )


async def update_household(
    clients: ServiceClients,
    user: User,
    household_id: UUID,
    changes: HouseholdUpdate,
    *,
    master_name: str,
) -> HouseholdOut:
    changed = await clients.contacts.json(
        "PATCH", f"/households/{household_id}", user,
        json=changes.model_dump(mode="json", exclude_unset=True),
        params={"master_name": master_name},
    )  # fmt: skip
    return HouseholdOut.model_validate(changed)


async def dissolve_household(clients: ServiceClients, user: User, household_id: UUID) -> None:
    await clients.contacts.call("DELETE", f"/households/{household_id}", user)


async def household_form_pdf(
    clients: ServiceClients, user: User, household_id: UUID, version: int
) -> Download:
    """A version of the household's form to sign."""
    return await clients.contacts.download(f"/households/{household_id}/forms/{version}.pdf", user)
