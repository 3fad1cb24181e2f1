"""Routes: groups and households (C10)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from contracts.access import Right
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
from contracts.api.limits import RecordVersion
from services.contacts.api.deps import DatabaseDep
from services.contacts.api.downloads import filename_part, pdf_response
from services.contacts.domain.groups import GroupSummary
from services.contacts.domain.households import HouseholdRecord
from services.contacts.service_layer import groups, households
from services.runtime.caller import Caller, CallerDep, requires
from services.runtime.service import ClockDep

router = APIRouter(tags=["groups"], dependencies=[Depends(requires(Right.CRM))])

MasterName = Annotated[
    str, Query(min_length=1, max_length=200, description="the master's name, for the form")
]


# --- groups -------------------------------------------------------------------------------


def _group_view(summary: GroupSummary, caller: Caller) -> GroupOut:
    group = summary.group
    return GroupOut(
        id=group.id,
        name=group.name,
        visibility=group.visibility,
        owner_user_id=group.owner_user_id,
        owned_by_me=group.owner_user_id == caller.user_id,
        member_count=summary.member_count,
        version=group.version,
        created_at=summary.created_at,
    )


@router.get("/groups")
async def list_groups(caller: CallerDep, database: DatabaseDep) -> GroupList:
    """The groups the caller sees: the master's public groups and the caller's private ones."""
    async with database.unit_of_work() as uow:
        summaries = await groups.visible_groups(uow, caller)
    return GroupList(items=[_group_view(summary, caller) for summary in summaries])


@router.post("/groups", status_code=status.HTTP_201_CREATED)
async def create_group(body: GroupCreate, caller: CallerDep, database: DatabaseDep) -> GroupOut:
    async with database.transaction() as uow:
        summary = await groups.create_group(uow, caller, body)
    return _group_view(summary, caller)


@router.get("/groups/{group_id}")
async def get_group(group_id: UUID, caller: CallerDep, database: DatabaseDep) -> GroupOut:
    async with database.unit_of_work() as uow:
        summary = await groups.group_summary(uow, caller, group_id)
    return _group_view(summary, caller)


@router.patch("/groups/{group_id}")
async def update_group(
    group_id: UUID, body: GroupUpdate, caller: CallerDep, database: DatabaseDep
) -> GroupOut:
    async with database.transaction() as uow:
        summary = await groups.update_group(uow, caller, group_id, body)
    return _group_view(summary, caller)


@router.delete("/groups/{group_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_group(group_id: UUID, caller: CallerDep, database: DatabaseDep) -> None:
    async with database.transaction() as uow:
        await groups.delete_group(uow, caller, group_id)


@router.patch("/groups/{group_id}/members")
async def change_members(
    group_id: UUID, body: GroupMembersChange, caller: CallerDep, database: DatabaseDep
) -> GroupOut:
    """Add and remove members in bulk (list them with GET /contacts?group_id=...)."""
    async with database.transaction() as uow:
        summary = await groups.change_members(uow, caller, group_id, body)
    return _group_view(summary, caller)


# --- households ---------------------------------------------------------------------------


def _household_view(record: HouseholdRecord) -> HouseholdOut:
    household = record.household
    known = {member.contact_id: member for member in record.members}
    members = [
        HouseholdMemberOut(
            contact_id=contact_id,
            name=known[contact_id].name,
            kind=known[contact_id].kind,
            account_number=known[contact_id].account_number,
            status=known[contact_id].status,
            head=contact_id == household.head_contact_id,
        )
        for contact_id in household.member_ids
        if contact_id in known
    ]
    members.sort(key=lambda member: (not member.head, member.name))
    forms = [
        HouseholdFormOut(
            version=form.version,
            household_version=form.household_version,
            generated_at=form.generated_at,
            generated_by=form.generated_by,
        )
        for form in record.forms
    ]
    return HouseholdOut(
        id=household.id,
        name=household.name,
        head_contact_id=household.head_contact_id,
        members=members,
        version=household.version,
        forms=forms,
    )


@router.get("/households")
async def list_households(caller: CallerDep, database: DatabaseDep) -> HouseholdList:
    async with database.unit_of_work() as uow:
        records = await households.active_households(uow, caller)
    return HouseholdList(items=[_household_view(record) for record in records])


@router.post("/households", status_code=status.HTTP_201_CREATED)
async def create_household(
    body: HouseholdCreate,
    master_name: MasterName,
    caller: CallerDep,
    database: DatabaseDep,
    clock: ClockDep,
) -> HouseholdOut:
    """Create a household; its first form to sign is generated with it."""
    async with database.transaction() as uow:
        record = await households.create_household(
            uow, caller, body, advisor_name=master_name, now=clock.now()
        )
    return _household_view(record)


@router.get("/households/{household_id}")
async def get_household(
    household_id: UUID, caller: CallerDep, database: DatabaseDep
) -> HouseholdOut:
    async with database.unit_of_work() as uow:
        record = await households.household_record(uow, caller, household_id)
    return _household_view(record)


@router.patch("/households/{household_id}")
async def update_household(
    household_id: UUID,
    body: HouseholdUpdate,
    master_name: MasterName,
    caller: CallerDep,
    database: DatabaseDep,
    clock: ClockDep,
) -> HouseholdOut:
    """Change the name, members or head; a new version of the form is generated."""
    async with database.transaction() as uow:
        record = await households.update_household(
            uow, caller, household_id, body, advisor_name=master_name, now=clock.now()
        )
    return _household_view(record)


@router.delete("/households/{household_id}", status_code=status.HTTP_204_NO_CONTENT)
async def dissolve_household(household_id: UUID, caller: CallerDep, database: DatabaseDep) -> None:
    async with database.transaction() as uow:
        await households.dissolve_household(uow, caller, household_id)


@router.get(
    "/households/{household_id}/forms/{version}.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def household_form(
    household_id: UUID, version: RecordVersion, caller: CallerDep, database: DatabaseDep
) -> Response:
    async with database.unit_of_work() as uow:
        pdf, household_name = await households.household_form(uow, caller, household_id, version)
    name = filename_part(household_name, "household")
    return pdf_response(pdf, f"household-form-{name}-v{version}.pdf")
