"""/api/v1: groups and households (owned by the contacts service)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status

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
from gateway.api.deps import ClientsDep, DatabaseDep
from gateway.api.files import passthrough_download
from gateway.auth.deps import CurrentUser
from gateway.store import users
from gateway.store.users import User
from services.runtime.db import Database

router = APIRouter(tags=["groups"])


async def master_name(database: Database, user: User) -> dict[str, str]:
    """The master's name, which the household form and the invitation email are signed with."""
    async with database.read() as session:
        name = await users.master_name(session, user.master_account_id)
    return {"master_name": name or user.master_account_id}


@router.get("/groups")
async def list_groups(user: CurrentUser, clients: ClientsDep) -> GroupList:
    """The master's public groups and the user's own private ones, with member counts."""
    return GroupList.model_validate(await clients.contacts.json("GET", "/groups", user))


@router.post("/groups", status_code=status.HTTP_201_CREATED)
async def create_group(body: GroupCreate, user: CurrentUser, clients: ClientsDep) -> GroupOut:
    return GroupOut.model_validate(
        await clients.contacts.json("POST", "/groups", user, json=body.model_dump(mode="json"))
    )


@router.get("/groups/{group_id}")
async def get_group(group_id: UUID, user: CurrentUser, clients: ClientsDep) -> GroupOut:
    """A group; its members are ``GET /api/v1/contacts?group_id=...``."""
    return GroupOut.model_validate(await clients.contacts.json("GET", f"/groups/{group_id}", user))


@router.patch("/groups/{group_id}")
async def update_group(
    group_id: UUID, body: GroupUpdate, user: CurrentUser, clients: ClientsDep
) -> GroupOut:
    """Rename; change the visibility (its creator only)."""
    changes = body.model_dump(mode="json", exclude_unset=True)
    return GroupOut.model_validate(
        await clients.contacts.json("PATCH", f"/groups/{group_id}", user, json=changes)
    )


@router.delete("/groups/{group_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_group(group_id: UUID, user: CurrentUser, clients: ClientsDep) -> None:
    await clients.contacts.call("DELETE", f"/groups/{group_id}", user)


@router.patch("/groups/{group_id}/members")
async def change_members(
    group_id: UUID, body: GroupMembersChange, user: CurrentUser, clients: ClientsDep
) -> GroupOut:
    """Add and remove members in bulk (at most 500 each way)."""
    return GroupOut.model_validate(
        await clients.contacts.json(
            "PATCH", f"/groups/{group_id}/members", user, json=body.model_dump(mode="json")
        )
    )


@router.get("/households")
async def list_households(user: CurrentUser, clients: ClientsDep) -> HouseholdList:
    return HouseholdList.model_validate(await clients.contacts.json("GET", "/households", user))


@router.post("/households", status_code=status.HTTP_201_CREATED)
async def create_household(
    body: HouseholdCreate, user: CurrentUser, clients: ClientsDep, database: DatabaseDep
) -> HouseholdOut:
    """Create a household (at least two members, a client as its head); the form to sign is
    generated with it."""
    created = await clients.contacts.json(
        "POST", "/households", user, json=body.model_dump(mode="json"),
        params=await master_name(database, user),
    )  # fmt: skip
    return HouseholdOut.model_validate(created)


@router.get("/households/{household_id}")
async def get_household(household_id: UUID, user: CurrentUser, clients: ClientsDep) -> HouseholdOut:
    return HouseholdOut.model_validate(
        await clients.contacts.json("GET", f"/households/{household_id}", user)
    )


@router.patch("/households/{household_id}")
async def update_household(
    household_id: UUID,
    body: HouseholdUpdate,
    user: CurrentUser,
    clients: ClientsDep,
    database: DatabaseDep,
) -> HouseholdOut:
    """Change the name, members or head; a new version of the form is generated."""
    changed = await clients.contacts.json(
        "PATCH", f"/households/{household_id}", user,
        json=body.model_dump(mode="json", exclude_unset=True),
        params=await master_name(database, user),
    )  # fmt: skip
    return HouseholdOut.model_validate(changed)


@router.delete("/households/{household_id}", status_code=status.HTTP_204_NO_CONTENT)
async def dissolve_household(household_id: UUID, user: CurrentUser, clients: ClientsDep) -> None:
    await clients.contacts.call("DELETE", f"/households/{household_id}", user)


@router.get(
    "/households/{household_id}/forms/{version}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def household_form(
    household_id: UUID, version: int, user: CurrentUser, clients: ClientsDep
) -> Response:
    """A version of the household's form to sign."""
    document = await clients.contacts.call(
        "GET", f"/households/{household_id}/forms/{version}.pdf", user
    )
    return passthrough_download(document)
