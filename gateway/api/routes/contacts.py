"""/api/v1/contacts: the caller's master's prospects and clients (owned by the contacts service):
the table, the record, its edits, history and client information PDF."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

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
from gateway.api.deps import ClientsDep, DatabaseDep
from gateway.auth.deps import CurrentUser
from gateway.store import users

router = APIRouter(prefix="/contacts", tags=["contacts"])
CONTACT = "/{contact_id:uuid}"
"""Only ids match, so fixed paths of later routers (/contacts/pending-tasks, ...) still do."""


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_contact(body: ContactCreate, user: CurrentUser, clients: ClientsDep) -> ContactOut:
    created = await clients.contacts.json(
        "POST", "/contacts", user, json=body.model_dump(mode="json", exclude_unset=True)
    )
    return ContactOut.model_validate(created)


@router.get("", response_model=ContactPage)
async def list_contacts(
    params: Annotated[ContactListQuery, Query()], user: CurrentUser, clients: ClientsDep
) -> Response:
    """Search, filter, sort and page the table. ``total`` counts up to 10,000 matches
    (``total_exact`` is false beyond)."""
    page = await clients.contacts.call(
        "GET", "/contacts", user, params=params.model_dump(mode="json", exclude_none=True)
    )
    # the busiest route: the service's JSON (a ContactPage) is passed on as it is
    return Response(page.content, media_type="application/json")


@router.get("/profile-form")
async def profile_form(user: CurrentUser, clients: ClientsDep) -> ProfileForm:
    """Every section and field of the profile, with labels, kinds and choices."""
    return ProfileForm.model_validate(
        await clients.contacts.json("GET", "/contacts/profile-form", user)
    )


@router.get(CONTACT)
async def get_contact(contact_id: UUID, user: CurrentUser, clients: ClientsDep) -> ContactDetail:
    return ContactDetail.model_validate(
        await clients.contacts.json("GET", f"/contacts/{contact_id}", user)
    )


@router.patch(CONTACT)
async def patch_contact(
    contact_id: UUID, body: ContactPatch, user: CurrentUser, clients: ClientsDep
) -> ContactDetail:
    """Change the table's columns; send the ``version`` you edited (409 if it is stale)."""
    return ContactDetail.model_validate(
        await clients.contacts.json(
            "PATCH", f"/contacts/{contact_id}", user, json=body.model_dump(mode="json",
                                                                          exclude_unset=True),
        )
    )  # fmt: skip


@router.put(f"{CONTACT}/profile")
async def replace_profile(
    contact_id: UUID, body: ProfileReplace, user: CurrentUser, clients: ClientsDep
) -> ContactDetail:
    """Replace the whole profile; every error is located at its field (422)."""
    return ContactDetail.model_validate(
        await clients.contacts.json(
            "PUT", f"/contacts/{contact_id}/profile", user, json=body.model_dump(mode="json")
        )
    )


@router.put(f"{CONTACT}/profile/{{section}}")
async def replace_profile_section(
    contact_id: UUID,
    section: ProfileSectionName,
    body: ProfileSectionReplace,
    user: CurrentUser,
    clients: ClientsDep,
) -> ContactDetail:
    """Replace one section of the profile."""
    return ContactDetail.model_validate(
        await clients.contacts.json(
            "PUT", f"/contacts/{contact_id}/profile/{section}", user,
            json=body.model_dump(mode="json"),
        )
    )  # fmt: skip


@router.post(f"{CONTACT}/close")
async def close_contact(
    contact_id: UUID, body: ContactVersion, user: CurrentUser, clients: ClientsDep
) -> ContactDetail:
    """Close the record (kept for history; it can be reopened)."""
    return ContactDetail.model_validate(
        await clients.contacts.json(
            "POST", f"/contacts/{contact_id}/close", user, json=body.model_dump()
        )
    )


@router.post(f"{CONTACT}/reopen")
async def reopen_contact(
    contact_id: UUID, body: ContactVersion, user: CurrentUser, clients: ClientsDep
) -> ContactDetail:
    return ContactDetail.model_validate(
        await clients.contacts.json(
            "POST", f"/contacts/{contact_id}/reopen", user, json=body.model_dump()
        )
    )


@router.get(f"{CONTACT}/history")
async def contact_history(
    contact_id: UUID,
    user: CurrentUser,
    clients: ClientsDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> ContactHistory:
    """Who changed what and when, newest first."""
    return ContactHistory.model_validate(
        await clients.contacts.json(
            "GET", f"/contacts/{contact_id}/history", user, params={"limit": limit}
        )
    )


@router.get(
    f"{CONTACT}/client-information.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def client_information_pdf(
    contact_id: UUID, user: CurrentUser, clients: ClientsDep, database: DatabaseDep
) -> Response:
    """The client information PDF of the record (C9)."""
    async with database.read() as session:
        master_name = await users.master_name(session, user.master_account_id)
    document = await clients.contacts.call(
        "GET", f"/contacts/{contact_id}/client-information.pdf", user,
        params={"master_name": master_name or user.master_account_id},
    )  # fmt: skip
    return Response(
        document.content,
        media_type="application/pdf",
        headers={"Content-Disposition": document.headers.get("content-disposition", "inline")},
    )
