"""Routes: the contacts table (create, search, filter, sort, page) and the contact record
(profile, edits, close/reopen, history, client information PDF) of the caller's master."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Response, status
from fastapi.exceptions import RequestValidationError

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
from services.contacts import handlers
from services.contacts.api.profile_form import profile_form
from services.contacts.domain import contact as rules
from services.contacts.domain.contact import Contact, ContactConflict, Location, ProfileRejected
from services.contacts.files.exports import ExportContact
from services.contacts.files.pdf import client_information_pdf
from services.contacts.store.repository import ContactQuery, ContactRepository
from services.runtime.caller import Caller, CallerDep
from services.runtime.db import Database
from services.runtime.service import DatabaseDep

router = APIRouter(prefix="/contacts", tags=["contacts"])
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
        profile=rules.profile_of(contact).model_dump(mode="json", exclude_none=True),
        pending_tasks=contact.pending_tasks,
        status_changed_at=contact.status_changed_at,
        created_at=contact.created_at,
        updated_at=contact.updated_at,
    )


def _rejected(rejected: ProfileRejected, locate: Callable[[Location], Location]) -> Exception:
    return RequestValidationError(
        [
            {"type": "value_error", "loc": locate(loc), "msg": message, "input": None}
            for loc, message in rejected.errors
        ]
    )


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_contact(
    body: ContactCreate, caller: CallerDep, database: DatabaseDep
) -> ContactOut:
    contact = Contact(
        master_account_id=caller.master_account_id,
        first_name=body.first_name,
        last_name=body.last_name,
    )
    try:
        rules.edit_summary(contact, body.model_dump(mode="json", exclude_none=True))
    except ProfileRejected as rejected:
        raise _rejected(rejected, lambda loc: ("body", *loc)) from None
    async with database.unit_of_work() as uow:
        await handlers.add_contact(uow, contact, changed_by=caller.user_id)
        await uow.commit()
    return contact_view(contact)


@router.get("", response_model=ContactPage)
async def list_contacts(
    params: Annotated[ContactListQuery, Query()], caller: CallerDep, database: DatabaseDep
) -> Response:
    query = ContactQuery(
        text=(params.q or "").strip() or None,
        kind=params.kind,
        account_type=params.account_type,
        status=params.status,
        group_id=params.group_id,
        viewer_user_id=caller.user_id,
        include_closed=params.include_closed,
        sort=params.sort,
        descending=params.order == "desc",
        offset=(params.page - 1) * params.page_size,
        limit=params.page_size,
    )
    # read-only and outside a transaction: no BEGIN/ROLLBACK round trips on the busiest route
    async with database.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        found = await ContactRepository(connection, caller.master_account_id).table(query)
    page = ContactPage(
        items=[
            ContactOut.model_validate(row | {"name": f"{row['first_name']} {row['last_name']}"})
            for row in found.rows
        ],
        total=found.total,
        total_exact=found.total_exact,
        page=params.page,
        page_size=params.page_size,
    )
    # the busiest route: serialized once, without a second validation of the response
    return Response(page.model_dump_json(), media_type="application/json")


@router.get("/profile-form")
async def get_profile_form(_: CallerDep) -> ProfileForm:
    return profile_form()


@router.get("/pending-tasks/summary")
async def pending_tasks_summary(caller: CallerDep, database: DatabaseDep) -> dict[str, int]:
    """How many open records have pending registration tasks (the red pill's figure)."""
    async with database.read() as session:
        repository = ContactRepository(session, caller.master_account_id)
        return {"contacts": await repository.count_with_pending_tasks()}


async def _load(contact_id: UUID, caller: Caller, database: Database) -> Contact:
    async with database.read() as session:
        contact = await ContactRepository(session, caller.master_account_id).get(contact_id)
    if contact is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such contact")
    return contact


@router.get(CONTACT_PATH)
async def get_contact(contact_id: UUID, caller: CallerDep, database: DatabaseDep) -> ContactDetail:
    return detail_view(await _load(contact_id, caller, database))


async def _change(
    contact_id: UUID,
    caller: Caller,
    database: Database,
    *,
    version: int,
    change: Callable[[Contact], None],
    locate: Callable[[Location], Location],
    action: str = "changed",
) -> ContactDetail:
    async with database.unit_of_work() as uow:
        try:
            contact = await handlers.change_contact(
                uow, caller.master_account_id, contact_id, version=version, change=change,
                changed_by=caller.user_id, action=action,
            )  # fmt: skip
        except ProfileRejected as rejected:
            raise _rejected(rejected, locate) from None
        except ContactConflict as conflict:
            raise HTTPException(status.HTTP_409_CONFLICT, str(conflict)) from None
        if contact is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such contact")
        await uow.commit()
    return await get_contact(contact_id, caller, database)


@router.patch(CONTACT_PATH)
async def patch_contact(
    contact_id: UUID, body: ContactPatch, caller: CallerDep, database: DatabaseDep
) -> ContactDetail:
    """Change the table's columns (title, names, email, phone, a prospect's account type)."""
    changes = body.changes()
    return await _change(
        contact_id, caller, database, version=body.version,
        change=lambda contact: rules.edit_summary(contact, changes),
        locate=lambda loc: ("body", *loc),
    )  # fmt: skip


@router.put(f"{CONTACT_PATH}/profile")
async def replace_profile(
    contact_id: UUID, body: ProfileReplace, caller: CallerDep, database: DatabaseDep
) -> ContactDetail:
    return await _change(
        contact_id, caller, database, version=body.version,
        change=lambda contact: rules.replace_profile(contact, body.profile),
        locate=lambda loc: ("body", "profile", *loc),
    )  # fmt: skip


@router.put(f"{CONTACT_PATH}/profile/{{section}}")
async def replace_profile_section(
    contact_id: UUID,
    section: ProfileSectionName,
    body: ProfileSectionReplace,
    caller: CallerDep,
    database: DatabaseDep,
) -> ContactDetail:
    def locate(loc: Location) -> Location:
        inside = loc[:1] == (section,)
        return ("body", "values", *loc[1:]) if inside else ("body", "profile", *loc)

    return await _change(
        contact_id, caller, database, version=body.version,
        change=lambda contact: rules.replace_section(contact, section, body.values),
        locate=locate,
    )  # fmt: skip


@router.post(f"{CONTACT_PATH}/close")
async def close_contact(
    contact_id: UUID, body: ContactVersion, caller: CallerDep, database: DatabaseDep
) -> ContactDetail:
    """Close the record; it is kept for history and can be reopened."""
    return await _change(
        contact_id, caller, database, version=body.version, change=rules.close,
        locate=lambda loc: ("body", *loc), action="closed",
    )  # fmt: skip


@router.post(f"{CONTACT_PATH}/reopen")
async def reopen_contact(
    contact_id: UUID, body: ContactVersion, caller: CallerDep, database: DatabaseDep
) -> ContactDetail:
    return await _change(
        contact_id, caller, database, version=body.version, change=rules.reopen,
        locate=lambda loc: ("body", *loc), action="reopened",
    )  # fmt: skip


@router.get(f"{CONTACT_PATH}/history")
async def contact_history(
    contact_id: UUID,
    caller: CallerDep,
    database: DatabaseDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ContactHistory:
    """Who changed what and when, newest first."""
    async with database.read() as session:
        repository = ContactRepository(session, caller.master_account_id)
        if await repository.get(contact_id) is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no such contact")
        changes = await repository.history(contact_id, limit=limit)
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
    master_name: Annotated[str, Query(min_length=1, max_length=200)],
) -> Response:
    """The client information PDF (C9) of the record, headed with the master's name."""
    contact = await _load(contact_id, caller, database)
    document = client_information_pdf(
        _export_contact(contact), master_name=master_name, generated_at=datetime.now(UTC)
    )
    filename = re.sub(r"[^A-Za-z0-9]+", "-", contact.display_name).strip("-") or "contact"
    return Response(
        document,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="client-information-{filename}.pdf"'},
    )


def _export_contact(contact: Contact) -> ExportContact:
    return ExportContact(
        contact=contact.display_name,
        kind=contact.kind,
        title=contact.title,
        account_type=contact.account_type,
        account_number=contact.account_number,
        status=contact.status,
        username=contact.username,
        email=contact.email,
        phone=contact.phone,
        net_asset_value=contact.net_asset_value,
        profile=rules.profile_of(contact),
    )
