"""Pages: groups (public/private, members in bulk) and households (members, head of household,
the forms to sign). Every form works without JavaScript."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from contracts.access import Right
from contracts.api.contacts import ContactListQuery, ContactPage
from contracts.api.groups import (
    GroupCreate,
    GroupMembersChange,
    GroupUpdate,
    HouseholdCreate,
    HouseholdOut,
    HouseholdUpdate,
)
from contracts.crm import GroupVisibility
from gateway.auth.rights import needs
from gateway.clients import contacts, groups
from gateway.clients.http import ServiceClients
from gateway.deps import ClientsDep, DatabaseDep
from gateway.pages.deps import PageUser, SubmittedForm, checked_form
from gateway.pages.forms import refusal_errors
from gateway.pages.rendering import render
from gateway.people import master_name
from gateway.refusals import read_as
from gateway.store.users import User

router = APIRouter(include_in_schema=False, dependencies=[needs(Right.CRM)])

SEARCH_RESULTS = 25
MEMBERS_PER_PAGE = 50
NOTICES = {
    "group-created": "Group created.",
    "group-saved": "Group saved.",
    "group-deleted": "Group deleted.",
    "members-added": "Members added.",
    "members-removed": "Members removed.",
    "household-created": "Household created; its form to sign is ready below.",
    "household-saved": "Household changed; a new version of the form to sign is ready below.",
    "household-dissolved": "Household dissolved.",
}


async def _search(
    clients: ServiceClients, user: User, text: str, *, group_id: UUID | None = None
) -> ContactPage | None:
    """Open contacts matching what was typed (of one group, if given)."""
    if not text.strip():
        return None
    params = ContactListQuery(
        q=text.strip()[:100], include_closed=False, page_size=SEARCH_RESULTS, group_id=group_id
    )
    return await contacts.list_contacts(clients, user, params)


# --- groups -------------------------------------------------------------------------------


@router.get("/groups")
async def groups_page(request: Request, user: PageUser, clients: ClientsDep) -> Response:
    return await _groups_view(request, user, clients)


async def _groups_view(
    request: Request,
    user: User,
    clients: ServiceClients,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    listed = await groups.list_groups(clients, user)
    households = await groups.list_households(clients, user)
    return render(
        request, "groups.html", user=user, active="groups", status_code=422 if errors else 200,
        groups=listed.items, households=households.items, form=form or {}, errors=errors or {},
        notice=NOTICES.get(request.query_params.get("done", "")),
        visibilities=list(GroupVisibility),
    )  # fmt: skip


@router.post("/groups")
async def create_group(
    request: Request, user: PageUser, form: SubmittedForm, clients: ClientsDep
) -> Response:
    try:
        body = GroupCreate.model_validate({"name": form.get("name", ""),
                                           "visibility": form.get("visibility", "")})  # fmt: skip
        created = await groups.create_group(clients, user, body)
    except (ValidationError, HTTPException) as error:
        return await _groups_view(request, user, clients, form=form, errors=refusal_errors(error))
    return RedirectResponse(f"/groups/{created.id}?done=group-created", status_code=303)


@router.get("/groups/{group_id:uuid}")
async def group_page(
    request: Request, group_id: UUID, user: PageUser, clients: ClientsDep
) -> Response:
    return await _group_view(request, user, clients, group_id)


async def _group_view(
    request: Request,
    user: User,
    clients: ServiceClients,
    group_id: UUID,
    *,
    errors: dict[str, str] | None = None,
) -> Response:
    group = await groups.get_group(clients, user, group_id)
    try:
        page_number = max(1, min(int(request.query_params.get("page", "1")), 100_000))
    except ValueError:
        page_number = 1
    params = ContactListQuery(group_id=group_id, page=page_number, page_size=MEMBERS_PER_PAGE)
    members = await contacts.list_contacts(clients, user, params)
    add_query = request.query_params.get("add_q", "")
    found = await _search(clients, user, add_query)
    already = await _search(clients, user, add_query, group_id=group_id) if found else None
    return render(
        request, "group.html", user=user, active="groups", status_code=422 if errors else 200,
        group=group, members=members, add_query=add_query, found=found, errors=errors or {},
        already={contact.id for contact in already.items} if already else set(),
        notice=NOTICES.get(request.query_params.get("done", "")),
        pages=max(1, -(-members.total // members.page_size)),
        visibilities=list(GroupVisibility),
    )  # fmt: skip


@router.post("/groups/{group_id:uuid}")
async def update_group(
    request: Request, group_id: UUID, user: PageUser, form: SubmittedForm, clients: ClientsDep
) -> Response:
    changes = {key: form[key] for key in ("name", "visibility") if form.get(key)}
    try:
        body = GroupUpdate.model_validate(changes)
        await groups.update_group(clients, user, group_id, body)
    except (ValidationError, HTTPException) as error:
        return await _group_view(request, user, clients, group_id, errors=refusal_errors(error))
    return RedirectResponse(f"/groups/{group_id}?done=group-saved", status_code=303)


@router.post("/groups/{group_id:uuid}/members")
async def change_members(
    request: Request, group_id: UUID, user: PageUser, form: SubmittedForm, clients: ClientsDep
) -> Response:
    """Add the contacts ticked in the search results, or remove those ticked among members."""
    chosen = form.get("contact_id", [])
    chosen = chosen if isinstance(chosen, list) else [chosen]
    action = "remove" if form.get("action") == "remove" else "add"
    if not chosen:
        errors = {"": "Tick the contacts to " + ("remove." if action == "remove" else "add.")}
        return await _group_view(request, user, clients, group_id, errors=errors)
    try:
        change = read_as(GroupMembersChange, {action: chosen})
        await groups.change_members(clients, user, group_id, change)
    except HTTPException as error:
        return await _group_view(request, user, clients, group_id, errors=refusal_errors(error))
    done = "members-removed" if action == "remove" else "members-added"
    return RedirectResponse(f"/groups/{group_id}?done={done}", status_code=303)


@router.post("/groups/{group_id:uuid}/delete", dependencies=[Depends(checked_form)])
async def delete_group(group_id: UUID, user: PageUser, clients: ClientsDep) -> Response:
    await groups.delete_group(clients, user, group_id)
    return RedirectResponse("/groups?done=group-deleted", status_code=303)


# --- households ---------------------------------------------------------------------------


def _household_body(form: dict[str, Any]) -> dict[str, Any]:
    members = form.get("member_contact_ids", [])
    return {
        "name": form.get("name", ""),
        "member_contact_ids": members if isinstance(members, list) else [members],
        "head_contact_id": form.get("head_contact_id") or None,
    }


@router.get("/households/new")
async def new_household_page(request: Request, user: PageUser, clients: ClientsDep) -> Response:
    return await _household_view(request, user, clients, None)


@router.post("/households")
async def create_household(
    request: Request,
    user: PageUser,
    form: SubmittedForm,
    clients: ClientsDep,
    database: DatabaseDep,
) -> Response:
    try:
        body = HouseholdCreate.model_validate(_household_body(form))
        created = await groups.create_household(
            clients, user, body, master_name=await master_name(database, user)
        )
    except (ValidationError, HTTPException) as error:
        return await _household_view(request, user, clients, None, form=form,
                                     errors=refusal_errors(error))  # fmt: skip
    return RedirectResponse(f"/households/{created.id}?done=household-created", status_code=303)


@router.get("/households/{household_id:uuid}")
async def household_page(
    request: Request, household_id: UUID, user: PageUser, clients: ClientsDep
) -> Response:
    household = await groups.get_household(clients, user, household_id)
    return await _household_view(request, user, clients, household)


async def _household_view(
    request: Request,
    user: User,
    clients: ServiceClients,
    household: HouseholdOut | None,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    query = request.query_params.get("q", "") or str((form or {}).get("q", ""))
    found = await _search(clients, user, query)
    known = {member.contact_id for member in household.members} if household else set()
    chosen = set(_household_body(form)["member_contact_ids"]) if form else set()
    return render(
        request, "household.html", user=user, active="groups",
        status_code=422 if errors else 200, household=household, query=query,
        found=[c for c in found.items if c.id not in known] if found else None,
        chosen={str(value) for value in chosen}, head=(form or {}).get("head_contact_id"),
        form=form or {}, errors=errors or {},
        notice=NOTICES.get(request.query_params.get("done", "")),
    )  # fmt: skip


@router.post("/households/{household_id:uuid}")
async def update_household(
    request: Request,
    household_id: UUID,
    user: PageUser,
    form: SubmittedForm,
    clients: ClientsDep,
    database: DatabaseDep,
) -> Response:
    try:
        changes = _household_body(form)
        body = HouseholdUpdate.model_validate(
            {key: value for key, value in changes.items() if value or key == "member_contact_ids"}
        )
        await groups.update_household(
            clients, user, household_id, body, master_name=await master_name(database, user)
        )
    except (ValidationError, HTTPException) as error:
        household = await groups.get_household(clients, user, household_id)
        return await _household_view(request, user, clients, household, form=form,
                                     errors=refusal_errors(error))  # fmt: skip
    return RedirectResponse(f"/households/{household_id}?done=household-saved", status_code=303)


@router.post("/households/{household_id:uuid}/dissolve", dependencies=[Depends(checked_form)])
async def dissolve_household(household_id: UUID, user: PageUser, clients: ClientsDep) -> Response:
    await groups.dissolve_household(clients, user, household_id)
    return RedirectResponse("/groups?done=household-dissolved", status_code=303)
