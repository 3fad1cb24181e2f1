"""/api/v1/contacts: the caller's master's prospects and clients (owned by the contacts service):
the table, the record, its edits, history and client information PDF."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from contracts.access import Right
from contracts.api.contacts import (
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
from gateway.api.responses import NOT_FOUND, PDF, RECORD_CHANGE, SERVICE_CALL, file_download
from gateway.auth.deps import CurrentUser
from gateway.auth.login import client_ip
from gateway.auth.rights import needs
from gateway.clients import contacts
from gateway.deps import ClientsDep, DatabaseDep
from gateway.people import master_name
from gateway.store.audit import record_export

router = APIRouter(
    prefix="/contacts", tags=["contacts"], responses=SERVICE_CALL, dependencies=[needs(Right.CRM)]
)
CONTACT = "/{contact_id:uuid}"
"""Only ids match, so fixed paths of later routers (/contacts/pending-tasks, ...) still do."""


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_contact(body: ContactCreate, user: CurrentUser, clients: ClientsDep) -> ContactOut:
    return await contacts.create_contact(clients, user, body)


@router.get("", response_model=ContactPage)
async def list_contacts(
    params: Annotated[ContactListQuery, Query()], user: CurrentUser, clients: ClientsDep
) -> Response:
    """Search, filter, sort and page the table. ``total`` counts up to 10,000 matches
    (``total_exact`` is false beyond)."""
    page = await contacts.list_contacts_json(clients, user, params)
    # the busiest route: the service's JSON (a ContactPage) is passed on as it is
    return Response(page, media_type="application/json")


@router.get("/profile-form")
async def profile_form(user: CurrentUser, clients: ClientsDep) -> ProfileForm:
    """Every section and field of the profile, with labels, kinds and choices."""
    return await contacts.get_profile_form(clients, user)


@router.get(CONTACT, responses=NOT_FOUND)
async def get_contact(contact_id: UUID, user: CurrentUser, clients: ClientsDep) -> ContactDetail:
    return await contacts.get_contact(clients, user, contact_id)


@router.patch(CONTACT, responses=RECORD_CHANGE)
async def patch_contact(
    contact_id: UUID, body: ContactPatch, user: CurrentUser, clients: ClientsDep
) -> ContactDetail:
    """Change the table's columns; send the ``version`` you edited (409 if it is stale)."""
    return await contacts.update_contact(clients, user, contact_id, body)


@router.put(f"{CONTACT}/profile", responses=RECORD_CHANGE)
async def replace_profile(
    contact_id: UUID, body: ProfileReplace, user: CurrentUser, clients: ClientsDep
) -> ContactDetail:
    """Replace the whole profile; every error is located at its field (422)."""
    return await contacts.replace_profile(clients, user, contact_id, body)


@router.put(f"{CONTACT}/profile/{{section}}", responses=RECORD_CHANGE)
async def replace_profile_section(
    contact_id: UUID,
    section: ProfileSectionName,
    body: ProfileSectionReplace,
    user: CurrentUser,
    clients: ClientsDep,
) -> ContactDetail:
    """Replace one section of the profile."""
    return await contacts.replace_profile_section(clients, user, contact_id, section, body)


@router.post(f"{CONTACT}/close", responses=RECORD_CHANGE)
async def close_contact(
    contact_id: UUID, body: ContactVersion, user: CurrentUser, clients: ClientsDep
) -> ContactDetail:
    """Close the record (kept for history; it can be reopened)."""
    return await contacts.close_contact(clients, user, contact_id, version=body.version)


@router.post(f"{CONTACT}/reopen", responses=RECORD_CHANGE)
async def reopen_contact(
    contact_id: UUID, body: ContactVersion, user: CurrentUser, clients: ClientsDep
) -> ContactDetail:
    return await contacts.reopen_contact(clients, user, contact_id, version=body.version)


@router.get(f"{CONTACT}/history", responses=NOT_FOUND)
async def contact_history(
    contact_id: UUID,
    user: CurrentUser,
    clients: ClientsDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ContactHistory:
    """Who changed what and when, newest first."""
    return await contacts.get_contact_history(clients, user, contact_id, limit=limit)


@router.get(
    f"{CONTACT}/client-information.pdf",
    response_class=Response,
    responses={**file_download(PDF, "the client information PDF"), **NOT_FOUND},
)
async def client_information_pdf(
    contact_id: UUID,
    request: Request,
    user: CurrentUser,
    clients: ClientsDep,
    database: DatabaseDep,
) -> Response:
    """The client information PDF of the record (C9)."""
    signed_by = await master_name(database, user)
    document = await contacts.client_information_pdf(
        clients, user, contact_id, master_name=signed_by
    )
    await record_export(
        database, user, kind="contact.client-information.pdf", client_ip=client_ip(request),
        row_filter={"contact_id": str(contact_id)},
    )  # fmt: skip
    return Response(
        document.content,
        media_type="application/pdf",
        headers={"Content-Disposition": document.headers.get("content-disposition", "inline")},
    )
