"""/api/v1: groups and households (owned by the contacts service)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status

from contracts.access import Right
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
from contracts.api.limits import RecordVersion
from gateway.api.responses import (
    CONFLICT,
    NOT_FOUND,
    PDF,
    RECORD_CHANGE,
    SERVICE_CALL,
    file_download,
)
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import groups
from gateway.deps import ClientsDep, DatabaseDep
from gateway.downloads import passthrough_download
from gateway.people import master_name

router = APIRouter(tags=["groups"], responses=SERVICE_CALL, dependencies=[needs(Right.CRM)])


@router.get("/groups")
async def list_groups(user: CurrentUser, clients: ClientsDep) -> GroupList:
    """The master's public groups and the user's own private ones, with member counts."""
    return await groups.list_groups(clients, user)


@router.post("/groups", status_code=status.HTTP_201_CREATED, responses=CONFLICT)
async def create_group(body: GroupCreate, user: CurrentUser, clients: ClientsDep) -> GroupOut:
    return await groups.create_group(clients, user, body)


@router.get("/groups/{group_id}", responses=NOT_FOUND)
async def get_group(group_id: UUID, user: CurrentUser, clients: ClientsDep) -> GroupOut:
    """A group; its members are ``GET /api/v1/contacts?group_id=...``."""
    return await groups.get_group(clients, user, group_id)


@router.patch("/groups/{group_id}", responses=RECORD_CHANGE)
async def update_group(
    group_id: UUID, body: GroupUpdate, user: CurrentUser, clients: ClientsDep
) -> GroupOut:
    """Rename; change the visibility (its creator only)."""
    return await groups.update_group(clients, user, group_id, body)


@router.delete("/groups/{group_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_group(group_id: UUID, user: CurrentUser, clients: ClientsDep) -> None:
    await groups.delete_group(clients, user, group_id)


@router.patch("/groups/{group_id}/members", responses=NOT_FOUND)
async def change_members(
    group_id: UUID, body: GroupMembersChange, user: CurrentUser, clients: ClientsDep
) -> GroupOut:
    """Add and remove members in bulk (at most 500 each way)."""
    return await groups.change_members(clients, user, group_id, body)


@router.get("/households")
async def list_households(user: CurrentUser, clients: ClientsDep) -> HouseholdList:
    return await groups.list_households(clients, user)


@router.post("/households", status_code=status.HTTP_201_CREATED, responses=CONFLICT)
async def create_household(
    body: HouseholdCreate, user: CurrentUser, clients: ClientsDep, database: DatabaseDep
) -> HouseholdOut:
    """Create a household (at least two members, a client as its head); the form to sign is
    generated with it."""
    signed_by = await master_name(database, user)
    return await groups.create_household(clients, user, body, master_name=signed_by)


@router.get("/households/{household_id}", responses=NOT_FOUND)
async def get_household(household_id: UUID, user: CurrentUser, clients: ClientsDep) -> HouseholdOut:
    return await groups.get_household(clients, user, household_id)


@router.patch("/households/{household_id}", responses=RECORD_CHANGE)
async def update_household(
    household_id: UUID,
    body: HouseholdUpdate,
    user: CurrentUser,
    clients: ClientsDep,
    database: DatabaseDep,
) -> HouseholdOut:
    """Change the name, members or head; a new version of the form is generated."""
    signed_by = await master_name(database, user)
    return await groups.update_household(clients, user, household_id, body, master_name=signed_by)


@router.delete(
    "/households/{household_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND
)
async def dissolve_household(household_id: UUID, user: CurrentUser, clients: ClientsDep) -> None:
    await groups.dissolve_household(clients, user, household_id)


@router.get(
    "/households/{household_id}/forms/{version}.pdf",
    response_class=Response,
    responses={**file_download(PDF, "that version of the form, to print and sign"), **NOT_FOUND},
)
async def household_form(
    household_id: UUID, version: RecordVersion, user: CurrentUser, clients: ClientsDep
) -> Response:
    """A version of the household's form to sign."""
    return passthrough_download(
        await groups.household_form_pdf(clients, user, household_id, version)
    )
