"""Pages: the contact record — profile, financial, trading permissions, configuration and
sub-accounts tabs; section edits, the account settings, close/reopen, the history of changes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, cast
from uuid import UUID

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from contracts.access import Right
from contracts.accounts import AccountType
from contracts.api.contacts import (
    PROFILE_SECTIONS,
    ContactDetail,
    ContactPatch,
    ProfileForm,
    ProfileSectionName,
    ProfileSectionReplace,
)
from contracts.api.limits import RecordVersion
from gateway.auth.rights import needs
from gateway.clients import contacts
from gateway.clients.http import ServiceClients
from gateway.deps import ClientsDep, DatabaseDep
from gateway.pages import profile_view
from gateway.pages.deps import CheckedForm, PageUser, ProfileForms, ProfileFormsDep
from gateway.pages.rendering import render
from gateway.people import colleague_names
from gateway.refusals import read_as
from gateway.store.users import User
from services.runtime.db import Database

router = APIRouter(include_in_schema=False, dependencies=[needs(Right.CRM)])

RECORD = "/contacts/{contact_id:uuid}"
PROFILE_TAB_SECTIONS = ("contact", "address", "tax", "employment", "prospect")
TAB_SECTIONS = {"profile": PROFILE_TAB_SECTIONS, "financial": ("financial",),
                "trading": ("trading",)}  # fmt: skip


async def _record_view(
    request: Request,
    user: User,
    clients: ServiceClients,
    database: Database,
    forms: ProfileForms,
    contact: ContactDetail,
    tab: str,
    *,
    editing: str | None = None,
    refused: profile_view.SectionView | None = None,
    message: str | None = None,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    form = await forms.get(clients, user)
    context: dict[str, Any] = {}
    if tab in TAB_SECTIONS:
        sections = profile_view.sections_of(form, TAB_SECTIONS[tab], contact.profile, editing)
        if refused is not None:
            sections = [refused if view.name == refused.name else view for view in sections]
        context["sections"] = sections
    if tab == "profile":
        context["history"] = await _history(clients, database, user, contact.id, form)
    saved = request.query_params.get("saved")
    return render(
        request, f"contact_{tab.replace('-', '_')}.html" if tab not in TAB_SECTIONS
        else "contact_profile.html",
        user=user, active="contacts", status_code=status_code, contact=contact, tab=tab,
        message=message, saved=saved, **context, **extra,
    )  # fmt: skip


async def _history(
    clients: ServiceClients, database: Database, user: User, contact_id: UUID, form: ProfileForm
) -> list[profile_view.HistoryEntry]:
    history = await contacts.get_contact_history(clients, user, contact_id, limit=50)
    names = await colleague_names(database, user)
    return profile_view.history_entries(history.items, form, names)


async def _tab(
    request: Request,
    user: User,
    clients: ServiceClients,
    database: Database,
    forms: ProfileForms,
    contact_id: UUID,
    tab: str,
) -> Response:
    contact = await contacts.get_contact(clients, user, contact_id)
    editing = request.query_params.get("edit")
    return await _record_view(request, user, clients, database, forms, contact, tab,
                              editing=editing)  # fmt: skip


@router.get(RECORD)
async def profile_tab(
    request: Request, contact_id: UUID, user: PageUser, clients: ClientsDep,
    database: DatabaseDep, forms: ProfileFormsDep,
) -> Response:  # fmt: skip
    return await _tab(request, user, clients, database, forms, contact_id, "profile")


@router.get(f"{RECORD}/financial")
async def financial_tab(
    request: Request, contact_id: UUID, user: PageUser, clients: ClientsDep,
    database: DatabaseDep, forms: ProfileFormsDep,
) -> Response:  # fmt: skip
    return await _tab(request, user, clients, database, forms, contact_id, "financial")


@router.get(f"{RECORD}/trading")
async def trading_tab(
    request: Request, contact_id: UUID, user: PageUser, clients: ClientsDep,
    database: DatabaseDep, forms: ProfileFormsDep,
) -> Response:  # fmt: skip
    return await _tab(request, user, clients, database, forms, contact_id, "trading")


@router.get(f"{RECORD}/configuration")
async def configuration_tab(
    request: Request, contact_id: UUID, user: PageUser, clients: ClientsDep,
    database: DatabaseDep, forms: ProfileFormsDep,
) -> Response:  # fmt: skip
    contact = await contacts.get_contact(clients, user, contact_id)
    return await _record_view(request, user, clients, database, forms, contact, "configuration",
                              account_types=list(AccountType), values={}, errors={})  # fmt: skip


@router.get(f"{RECORD}/sub-accounts")
async def sub_accounts_tab(
    request: Request, contact_id: UUID, user: PageUser, clients: ClientsDep,
    database: DatabaseDep, forms: ProfileFormsDep,
) -> Response:  # fmt: skip
    return await _tab(request, user, clients, database, forms, contact_id, "sub-accounts")


@router.post(f"{RECORD}/profile/{{section}}")
async def save_section(
    request: Request,
    contact_id: UUID,
    section: str,
    user: PageUser,
    data: CheckedForm,
    clients: ClientsDep,
    database: DatabaseDep,
    forms: ProfileFormsDep,
    version: Annotated[RecordVersion, Form()] = 1,
) -> Response:
    if section not in PROFILE_SECTIONS:
        raise HTTPException(404, "no such profile section")
    tab = profile_view.SECTION_TAB.get(section, "profile")
    form = await forms.get(clients, user)
    section_form = next(item for item in form.sections if item.name == section)
    submitted = profile_view.submitted_values(section_form, data)
    values = ProfileSectionReplace(version=version, values=profile_view.nested(submitted))
    try:
        await contacts.replace_profile_section(
            clients, user, contact_id, cast(ProfileSectionName, section), values
        )
    except HTTPException as refused:
        if refused.status_code not in (409, 422):
            raise
        contact = await contacts.get_contact(clients, user, contact_id)
        errors = (
            profile_view.field_errors(refused.detail, prefix=("body", "values"))
            if refused.status_code == 422
            else {}
        )
        view = profile_view.section_view(
            section_form, contact.profile, editing=True, submitted=submitted, errors=errors
        )
        message = (
            str(refused.detail) if refused.status_code == 409
            else f"{section_form.title} was not saved: correct the fields marked below."
        )  # fmt: skip
        return await _record_view(request, user, clients, database, forms, contact, tab,
                                  refused=view, message=message,
                                  status_code=refused.status_code)  # fmt: skip
    path = profile_view.TAB_PATHS[tab]
    return RedirectResponse(f"/contacts/{contact_id}{path}?saved={section}", status_code=303)


@router.post(f"{RECORD}/configuration")
async def save_configuration(
    request: Request,
    contact_id: UUID,
    user: PageUser,
    data: CheckedForm,
    clients: ClientsDep,
    database: DatabaseDep,
    forms: ProfileFormsDep,
    version: Annotated[RecordVersion, Form()] = 1,
) -> Response:
    """The account settings a person may change here: the title, a prospect's account type."""
    values = {name: str(data.get(name) or "").strip() or None
              for name in ("title", "account_type") if name in data}  # fmt: skip
    try:
        changes = read_as(ContactPatch, {"version": version, **values})
        await contacts.update_contact(clients, user, contact_id, changes)
    except HTTPException as refused:
        if refused.status_code not in (409, 422):
            raise
        contact = await contacts.get_contact(clients, user, contact_id)
        errors = (
            profile_view.field_errors(refused.detail, prefix=("body",))
            if refused.status_code == 422
            else {}
        )
        shown = {"title"} | ({"account_type"} if contact.account_number is None else set())
        elsewhere = [f"{name}: {text}" for name, text in errors.items() if name not in shown]
        message = (
            str(refused.detail) if refused.status_code == 409
            else " ".join(["The settings were not saved.", *elsewhere])
        )  # fmt: skip
        return await _record_view(request, user, clients, database, forms, contact,
                                  "configuration", message=message,
                                  status_code=refused.status_code,
                                  account_types=list(AccountType), values=values,
                                  errors=errors)  # fmt: skip
    return RedirectResponse(
        f"/contacts/{contact_id}/configuration?saved=configuration", status_code=303
    )


async def _lifecycle(
    request: Request,
    contact_id: UUID,
    user: User,
    data: FormData,
    clients: ServiceClients,
    database: Database,
    forms: ProfileForms,
    change: Callable[..., Awaitable[ContactDetail]],
    action: str,
) -> Response:
    tab = str(data.get("tab") or "profile")
    tab = tab if tab in profile_view.TAB_PATHS else "profile"
    try:
        version = int(str(data.get("version") or ""))
    except ValueError:
        raise HTTPException(422, "version: a whole number is required") from None
    try:
        await change(clients, user, contact_id, version=version)
    except HTTPException as refused:
        if refused.status_code != 409:
            raise
        contact = await contacts.get_contact(clients, user, contact_id)
        extra: dict[str, Any] = (
            {"account_types": list(AccountType), "values": {}, "errors": {}}
            if tab == "configuration" else {}
        )  # fmt: skip
        return await _record_view(request, user, clients, database, forms, contact, tab,
                                  message=str(refused.detail), status_code=409,
                                  **extra)  # fmt: skip
    path = profile_view.TAB_PATHS[tab]
    return RedirectResponse(f"/contacts/{contact_id}{path}?saved={action}", status_code=303)


@router.post(f"{RECORD}/close")
async def close_contact(
    request: Request, contact_id: UUID, user: PageUser, data: CheckedForm, clients: ClientsDep,
    database: DatabaseDep, forms: ProfileFormsDep,
) -> Response:  # fmt: skip
    return await _lifecycle(request, contact_id, user, data, clients, database, forms,
                            contacts.close_contact, "close")  # fmt: skip


@router.post(f"{RECORD}/reopen")
async def reopen_contact(
    request: Request, contact_id: UUID, user: PageUser, data: CheckedForm, clients: ClientsDep,
    database: DatabaseDep, forms: ProfileFormsDep,
) -> Response:  # fmt: skip
    return await _lifecycle(request, contact_id, user, data, clients, database, forms,
                            contacts.reopen_contact, "reopen")  # fmt: skip
