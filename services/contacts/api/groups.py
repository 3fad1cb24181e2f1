"""Routes: groups and households (C10)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Response, status

from contracts.api.groups import (
    GroupCreate,
    GroupList,
    GroupMembersChange,
    GroupOut,
    GroupUpdate,
    HouseholdCreate,
    HouseholdFormOut,
    HouseholdList,
    HouseholdMemberOut,
    HouseholdOut,
    HouseholdUpdate,
)
from services.contacts import groups
from services.contacts.api.responses import (
    filename_part,
    found_or_404,
    invalid_input,
    pdf_attachment,
)
from services.contacts.domain.groups import Group, GroupConflict, GroupRuleError
from services.contacts.domain.households import Household, HouseholdConflict, HouseholdRuleError
from services.contacts.store.groups import GroupStore, HouseholdStore
from services.runtime.caller import Caller, CallerDep
from services.runtime.db import Database, UnitOfWork
from services.runtime.service import DatabaseDep

router = APIRouter(tags=["groups"])

MasterName = Annotated[
    str, Query(min_length=1, max_length=200, description="the master's name, for the form")
]


@contextlib.asynccontextmanager
async def _change(database: Database) -> AsyncIterator[UnitOfWork]:
    """A transaction whose rule violations become precise HTTP errors."""
    try:
        async with database.unit_of_work() as uow:
            yield uow
            await uow.commit()
    except groups.NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from error
    except (GroupConflict, HouseholdConflict) as error:
        raise HTTPException(status.HTTP_409_CONFLICT, error.message) from error
    except (GroupRuleError, HouseholdRuleError) as error:
        raise invalid_input(error.field, error.message) from error


# --- groups -------------------------------------------------------------------------------


def _group_view(
    group: Group, caller: Caller, *, member_count: int, created_at: datetime
) -> GroupOut:
    return GroupOut(
        id=group.id,
        name=group.name,
        visibility=group.visibility,
        owner_user_id=group.owner_user_id,
        owned_by_me=group.owner_user_id == caller.user_id,
        member_count=member_count,
        version=group.version,
        created_at=created_at,
    )


async def _group_out(database: Database, caller: Caller, group_id: UUID) -> GroupOut:
    async with database.read() as session:
        summaries = await GroupStore(session, caller.master_account_id).visible(
            caller.user_id, group_id=group_id
        )
    found = found_or_404(summaries[0] if summaries else None, "group")
    return _group_view(
        found.group, caller, member_count=found.member_count, created_at=found.created_at
    )


@router.get("/groups")
async def list_groups(caller: CallerDep, database: DatabaseDep) -> GroupList:
    """The groups the caller sees: the master's public groups and the caller's private ones."""
    async with database.read() as session:
        summaries = await GroupStore(session, caller.master_account_id).visible(caller.user_id)
    return GroupList(
        items=[
            _group_view(s.group, caller, member_count=s.member_count, created_at=s.created_at)
            for s in summaries
        ]
    )


@router.post("/groups", status_code=status.HTTP_201_CREATED)
async def create_group(body: GroupCreate, caller: CallerDep, database: DatabaseDep) -> GroupOut:
    async with _change(database) as uow:
        group = await groups.create_group(uow, caller, body)
    return await _group_out(database, caller, group.id)


@router.get("/groups/{group_id}")
async def get_group(group_id: UUID, caller: CallerDep, database: DatabaseDep) -> GroupOut:
    return await _group_out(database, caller, group_id)


@router.patch("/groups/{group_id}")
async def update_group(
    group_id: UUID, body: GroupUpdate, caller: CallerDep, database: DatabaseDep
) -> GroupOut:
    async with _change(database) as uow:
        await groups.update_group(uow, caller, group_id, body)
    return await _group_out(database, caller, group_id)


@router.delete("/groups/{group_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_group(group_id: UUID, caller: CallerDep, database: DatabaseDep) -> None:
    async with _change(database) as uow:
        await groups.delete_group(uow, caller, group_id)


@router.patch("/groups/{group_id}/members")
async def change_members(
    group_id: UUID, body: GroupMembersChange, caller: CallerDep, database: DatabaseDep
) -> GroupOut:
    """Add and remove members in bulk (list them with GET /contacts?group_id=...)."""
    async with _change(database) as uow:
        await groups.change_members(uow, caller, group_id, body)
    return await _group_out(database, caller, group_id)


# --- households ---------------------------------------------------------------------------


async def _household_view(store: HouseholdStore, household: Household) -> HouseholdOut:
    candidates = {c.contact_id: c for c in await store.candidates(household.member_ids)}
    members = [
        HouseholdMemberOut(
            contact_id=contact_id,
            name=candidates[contact_id].name,
            kind=candidates[contact_id].kind,
            account_number=candidates[contact_id].account_number,
            status=candidates[contact_id].status,
            head=contact_id == household.head_contact_id,
        )
        for contact_id in household.member_ids
        if contact_id in candidates
    ]
    members.sort(key=lambda member: (not member.head, member.name))
    forms = [
        HouseholdFormOut(
            version=form.version,
            household_version=form.household_version,
            generated_at=form.generated_at,
            generated_by=form.generated_by,
        )
        for form in await store.forms(household.id)
    ]
    return HouseholdOut(
        id=household.id,
        name=household.name,
        head_contact_id=household.head_contact_id,
        members=members,
        version=household.version,
        forms=forms,
    )


async def _household_out(database: Database, caller: Caller, household_id: UUID) -> HouseholdOut:
    async with database.read() as session:
        store = HouseholdStore(session, caller.master_account_id)
        household = found_or_404(await store.get(household_id), "household")
        return await _household_view(store, household)


@router.get("/households")
async def list_households(caller: CallerDep, database: DatabaseDep) -> HouseholdList:
    async with database.read() as session:
        store = HouseholdStore(session, caller.master_account_id)
        return HouseholdList(
            items=[await _household_view(store, household) for household in await store.active()]
        )


@router.post("/households", status_code=status.HTTP_201_CREATED)
async def create_household(
    body: HouseholdCreate, master_name: MasterName, caller: CallerDep, database: DatabaseDep
) -> HouseholdOut:
    """Create a household; its first form to sign is generated with it."""
    async with _change(database) as uow:
        household = await groups.create_household(
            uow, caller, body, advisor_name=master_name, now=datetime.now(UTC)
        )
    return await _household_out(database, caller, household.id)


@router.get("/households/{household_id}")
async def get_household(
    household_id: UUID, caller: CallerDep, database: DatabaseDep
) -> HouseholdOut:
    return await _household_out(database, caller, household_id)


@router.patch("/households/{household_id}")
async def update_household(
    household_id: UUID,
    body: HouseholdUpdate,
    master_name: MasterName,
    caller: CallerDep,
    database: DatabaseDep,
) -> HouseholdOut:
    """Change the name, members or head; a new version of the form is generated."""
    async with _change(database) as uow:
        await groups.update_household(
            uow, caller, household_id, body, advisor_name=master_name, now=datetime.now(UTC)
        )
    return await _household_out(database, caller, household_id)


@router.delete("/households/{household_id}", status_code=status.HTTP_204_NO_CONTENT)
async def dissolve_household(household_id: UUID, caller: CallerDep, database: DatabaseDep) -> None:
    async with _change(database) as uow:
        await groups.dissolve_household(uow, caller, household_id)


@router.get(
    "/households/{household_id}/forms/{version}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def household_form(
    household_id: UUID, version: int, caller: CallerDep, database: DatabaseDep
) -> Response:
    async with database.read() as session:
        store = HouseholdStore(session, caller.master_account_id)
        pdf = found_or_404(await store.form_pdf(household_id, version), "household form")
        household = await store.get(household_id)
    name = filename_part(household.name if household else "", "household")
    return pdf_attachment(pdf, f"household-form-{name}-v{version}.pdf")
