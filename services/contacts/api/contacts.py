"""Routes: the contacts table (create, search, filter, sort, page) and the contact record
(profile, edits, close/reopen, history, client information PDF) of the caller's master."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response, status

from contracts.access import Right
from contracts.api.contacts import (
    ContactChangeOut,
    ContactCreate,
    ContactDetail,
    ContactHistory,
    ContactListQuery,
    ContactOut,
    ContactPage,
    ContactPatch,
    ContactVersion,
    ProfileForm,
    ProfileReplace,
    ProfileSectionName,
    ProfileSectionReplace,
)
from services.contacts.api.deps import DatabaseDep
from services.contacts.api.downloads import filename_part, pdf_response
from services.contacts.api.profile_form import profile_form
from services.contacts.domain.contact import Contact, profile_of
from services.contacts.service_layer import contact_reads, contacts
from services.runtime.caller import CallerDep, requires
from services.runtime.service import ClockDep

router = APIRouter(
    prefix="/contacts", tags=["contacts"], dependencies=[Depends(requires(Right.CRM))]
)
CONTACT_PATH = "/{contact_id:uuid}"
"""Only ids match, so fixed paths of other routers (/contacts/pending-tasks, ...) still do."""


def contact_view(contact: Contact) -> ContactOut:
    return ContactOut(
        id=contact.id,
        kind=contact.kind,
        title=contact.title,
        first_name=contact.first_name,
        last_name=contact.last_name,
        name=contact.display_name,
        email=contact.email,
        phone=contact.phone,
        username=contact.username,
        account_number=contact.account_number,
        account_type=contact.account_type,
        status=contact.status,
        net_asset_value=contact.net_asset_value,
        closed=contact.closed,
        version=contact.version,
    )


def detail_view(contact: Contact) -> ContactDetail:
    assert contact.created_at is not None and contact.updated_at is not None
    return ContactDetail(
        **contact_view(contact).model_dump(),
        profile=profile_of(contact).model_dump(mode="json", exclude_none=True),
        pending_tasks=contact.pending_tasks,
        status_changed_at=contact.status_changed_at,
        created_at=contact.created_at,
        updated_at=contact.updated_at,
    )


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_contact(
    body: ContactCreate, caller: CallerDep, database: DatabaseDep
) -> ContactOut:
    async with database.transaction() as uow:
        contact = await contacts.create_contact(uow, caller, body)
    return contact_view(contact)


@router.get("", response_model=ContactPage)
async def list_contacts(
    params: Annotated[ContactListQuery, Query()], caller: CallerDep, database: DatabaseDep
) -> Response:
    # the busiest route: read outside a transaction (no BEGIN and ROLLBACK round trips), the
    # page validated in one call (not one per row) and serialized once, without a second
    # validation of the response
    async with database.queries() as uow:
        found = await contact_reads.table_page(uow, caller, params)
    page = ContactPage.model_validate({
        "items": [row | {"name": f"{row['first_name']} {row['last_name']}"} for row in found.rows],
        "total": found.total, "total_exact": found.total_exact,
        "page": params.page, "page_size": params.page_size,
    })  # fmt: skip
    return Response(page.model_dump_json(), media_type="application/json")


@router.get("/profile-form")
async def get_profile_form(_: CallerDep) -> ProfileForm:
    return profile_form()


@router.get("/pending-tasks/summary")
async def pending_tasks_summary(caller: CallerDep, database: DatabaseDep) -> dict[str, int]:
    """How many open records have pending registration tasks (the red pill's figure)."""
    async with database.unit_of_work() as uow:
        return {"contacts": await contact_reads.contacts_with_pending_tasks(uow, caller)}


@router.get(CONTACT_PATH)
async def get_contact(contact_id: UUID, caller: CallerDep, database: DatabaseDep) -> ContactDetail:
    async with database.unit_of_work() as uow:
        return detail_view(await contact_reads.contact_record(uow, caller, contact_id))


@router.patch(CONTACT_PATH)
async def patch_contact(
    contact_id: UUID, body: ContactPatch, caller: CallerDep, database: DatabaseDep
) -> ContactDetail:
    """Change the table's columns (title, names, email, phone, a prospect's account type)."""
    async with database.transaction() as uow:
        contact = await contacts.edit_summary(uow, caller, contact_id, body)
    return detail_view(contact)


@router.put(f"{CONTACT_PATH}/profile")
async def replace_profile(
    contact_id: UUID, body: ProfileReplace, caller: CallerDep, database: DatabaseDep
) -> ContactDetail:
    async with database.transaction() as uow:
        contact = await contacts.replace_profile(uow, caller, contact_id, body)
    return detail_view(contact)


@router.put(f"{CONTACT_PATH}/profile/{{section}}")
async def replace_profile_section(
    contact_id: UUID,
    section: ProfileSectionName,
    body: ProfileSectionReplace,
    caller: CallerDep,
    database: DatabaseDep,
) -> ContactDetail:
    async with database.transaction() as uow:
        contact = await contacts.replace_profile_section(uow, caller, contact_id, section, body)
    return detail_view(contact)


@router.post(f"{CONTACT_PATH}/close")
async def close_contact(
    contact_id: UUID, body: ContactVersion, caller: CallerDep, database: DatabaseDep
) -> ContactDetail:
    """Close the record; it is kept for history and can be reopened."""
    async with database.transaction() as uow:
        contact = await contacts.close_contact(uow, caller, contact_id, body)
    return detail_view(contact)


@router.post(f"{CONTACT_PATH}/reopen")
async def reopen_contact(
    contact_id: UUID, body: ContactVersion, caller: CallerDep, database: DatabaseDep
) -> ContactDetail:
    async with database.transaction() as uow:
        contact = await contacts.reopen_contact(uow, caller, contact_id, body)
    return detail_view(contact)


@router.get(f"{CONTACT_PATH}/history")
async def contact_history(
    contact_id: UUID,
    caller: CallerDep,
    database: DatabaseDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ContactHistory:
    """Who changed what and when, newest first."""
    async with database.unit_of_work() as uow:
        changes = await contact_reads.contact_history(uow, caller, contact_id, limit=limit)
    return ContactHistory(
        items=[
            ContactChangeOut(
                changed_at=change.changed_at,
                changed_by=change.changed_by,
                action=change.action,
                changes=change.changes,
            )
            for change in changes
        ]
    )


@router.get(
    f"{CONTACT_PATH}/client-information.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def client_information(
    contact_id: UUID,
    caller: CallerDep,
    database: DatabaseDep,
    clock: ClockDep,
    master_name: Annotated[str, Query(min_length=1, max_length=200)],
) -> Response:
    """The client information PDF (C9) of the record, headed with the master's name."""
    async with database.unit_of_work() as uow:
        contact = await contact_reads.contact_record(uow, caller, contact_id)
    pdf = contact_reads.client_information(contact, master_name=master_name, now=clock.now())
    name = filename_part(contact.display_name, "contact")
    return pdf_response(pdf, f"client-information-{name}.pdf", disposition="inline")
