"""Pages: the contacts table (statistics row, search, filters, sort, paging, the user's columns),
adding a contact, and the contact record (profile, financial, trading permissions,
configuration and sub-accounts tabs; edits, close/reopen, history, client information PDF)."""

from __future__ import annotations

import time
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode
from uuid import UUID

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from contracts.accounts import AccountType, ApplicationStage
from contracts.api.analytics import ContactStatistics
from contracts.api.contacts import (
    PROFILE_SECTIONS,
    TABLE_COLUMN_LABELS,
    TABLE_COLUMNS,
    ContactCreate,
    ContactDetail,
    ContactHistory,
    ContactListQuery,
    ContactPage,
    ContactsTableLayout,
    ProfileForm,
)
from contracts.api.groups import GroupList
from contracts.contacts import ContactKind
from gateway.api.deps import ClientsDep, DatabaseDep
from gateway.pages import profile_view
from gateway.pages.deps import CheckedForm, PageUser
from gateway.pages.rendering import render
from gateway.store import people, preferences
from gateway.store.users import User

router = APIRouter(include_in_schema=False)

RECORD = "/contacts/{contact_id:uuid}"
PROFILE_TAB_SECTIONS = ("contact", "address", "tax", "employment", "prospect")
TAB_SECTIONS = {"profile": PROFILE_TAB_SECTIONS, "financial": ("financial",),
                "trading": ("trading",)}  # fmt: skip
PROFILE_FORM_SECONDS = 300.0


# --- the table ----------------------------------------------------------------------------


@router.get("/contacts")
async def contacts_page(
    request: Request,
    user: PageUser,
    clients: ClientsDep,
    created: str | None = None,
) -> Response:
    try:
        params = ContactListQuery.model_validate(
            {
                key: value
                for key, value in request.query_params.items()
                if key not in ("created", "columns") and value
            }
        )
    except ValidationError as error:
        raise HTTPException(400, error.errors(include_url=False, include_context=False)) from error
    page = await _table_page(clients, user, params)
    return await _contacts_view(request, user, clients, params, page, created=created)


async def _table_page(clients: ClientsDep, user: User, params: ContactListQuery) -> ContactPage:
    return ContactPage.model_validate(
        await clients.contacts.json(
            "GET", "/contacts", user, params=params.model_dump(mode="json", exclude_none=True)
        )
    )


@router.post("/contacts")
async def contacts_create(
    request: Request, user: PageUser, data: CheckedForm, clients: ClientsDep
) -> Response:
    form = {key: value for key, value in data.items() if key != "csrf_token"}
    try:
        body = ContactCreate.model_validate({key: value or None for key, value in form.items()})
    except ValidationError as error:
        errors = {".".join(map(str, item["loc"])): item["msg"] for item in error.errors()}
        return await _refused_contact(request, user, clients, form, errors)
    try:
        created = await clients.contacts.json(
            "POST", "/contacts", user, json=body.model_dump(mode="json", exclude_none=True)
        )
    except HTTPException as refused:
        if refused.status_code != 422:
            raise
        errors = profile_view.field_errors(refused.detail, prefix=("body",))
        return await _refused_contact(request, user, clients, form, errors)
    target = urlencode({"q": created["last_name"], "created": created["name"]})
    return RedirectResponse(f"/contacts?{target}", status_code=303)


async def _refused_contact(
    request: Request, user: User, clients: ClientsDep, form: dict[str, Any], errors: dict[str, str]
) -> HTMLResponse:
    params = ContactListQuery()
    page = await _table_page(clients, user, params)
    return await _contacts_view(
        request, user, clients, params, page, form=form, errors=errors, status_code=422
    )


@router.post("/contacts/columns")
async def save_columns(
    request: Request,
    user: PageUser,
    data: CheckedForm,
    clients: ClientsDep,
    database: DatabaseDep,
) -> Response:
    """The column panel without JavaScript: checkboxes, and ↑/↓ buttons that move one column."""
    order = [str(key) for key in data.getlist("order") if key in TABLE_COLUMNS]
    order += [key for key in TABLE_COLUMNS if key not in order]
    move = str(data.get("move") or "")
    if move:
        order = _moved(order, *move.partition(":")[::2])
    shown = {str(key) for key in data.getlist("columns")}
    back = "/contacts?" + urlencode(parse_qsl(str(data.get("back") or "")))
    if not shown & set(TABLE_COLUMNS):
        params = ContactListQuery()
        page = await _table_page(clients, user, params)
        return await _contacts_view(
            request, user, clients, params, page, status_code=422,
            columns_error="Choose at least one column.",
        )  # fmt: skip
    layout = ContactsTableLayout(columns=[key for key in order if key in shown])  # type: ignore[misc]
    async with database.unit_of_work() as uow:
        await preferences.put(
            uow.session, user.id, preferences.CONTACTS_TABLE, layout.model_dump(mode="json")
        )
        await uow.commit()
    suffix = "&columns=open" if move else ""
    return RedirectResponse(back + suffix, status_code=303)


def _moved(order: list[str], key: str, direction: str) -> list[str]:
    if key not in order:
        return order
    index = order.index(key)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(order):
        order[index], order[target] = order[target], order[index]
    return order


async def _contacts_view(
    request: Request,
    user: User,
    clients: ClientsDep,
    params: ContactListQuery,
    page: ContactPage,
    *,
    created: str | None = None,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    columns_error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    statistics = ContactStatistics.model_validate(
        await clients.analytics.json("GET", "/statistics/contacts", user)
    )
    pending = await clients.contacts.json("GET", "/contacts/pending-tasks/summary", user)
    layout = preferences.contacts_table_layout(user.preferences)
    hidden = [key for key in TABLE_COLUMNS if key not in layout.columns]
    filters = {
        "q": params.q or "",
        "kind": params.kind.value if params.kind else "",
        "account_type": params.account_type.value if params.account_type else "",
        "status": params.status.value if params.status else "",
        "group_id": str(params.group_id) if params.group_id else "",
    }
    groups = GroupList.model_validate(await clients.contacts.json("GET", "/groups", user)).items
    return render(
        request, "contacts.html", user=user, active="contacts", status_code=status_code,
        params=params, page=page, labels=TABLE_COLUMN_LABELS, created=created,
        shown=layout.columns, hidden=hidden, columns_open=bool(request.query_params.get("columns")
                                                               or columns_error),
        columns_error=columns_error, filters=filters, back=urlencode(request.query_params),
        form=form or {}, errors=errors or {}, statistics=statistics, stages=list(ApplicationStage),
        pending_tasks=pending["contacts"],
        kinds=list(ContactKind), account_types=list(AccountType), groups=groups,
        pages=max(1, -(-page.total // page.page_size)),
    )  # fmt: skip


# --- the record ---------------------------------------------------------------------------


async def _profile_form(request: Request, user: User, clients: ClientsDep) -> ProfileForm:
    """The profile's form description (static per contacts release; kept a few minutes)."""
    cached: tuple[float, ProfileForm] | None = getattr(request.app.state, "profile_form", None)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    form = ProfileForm.model_validate(
        await clients.contacts.json("GET", "/contacts/profile-form", user)
    )
    request.app.state.profile_form = (time.monotonic() + PROFILE_FORM_SECONDS, form)
    return form


async def _contact(clients: ClientsDep, user: User, contact_id: UUID) -> ContactDetail:
    return ContactDetail.model_validate(
        await clients.contacts.json("GET", f"/contacts/{contact_id}", user)
    )


async def _record_view(
    request: Request,
    user: User,
    clients: ClientsDep,
    database: DatabaseDep,
    contact: ContactDetail,
    tab: str,
    *,
    editing: str | None = None,
    refused: profile_view.SectionView | None = None,
    message: str | None = None,
    status_code: int = 200,
    **extra: Any,
) -> HTMLResponse:
    form = await _profile_form(request, user, clients)
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
    clients: ClientsDep, database: DatabaseDep, user: User, contact_id: UUID, form: ProfileForm
) -> list[profile_view.HistoryEntry]:
    history = ContactHistory.model_validate(
        await clients.contacts.json(
            "GET", f"/contacts/{contact_id}/history", user, params={"limit": 50}
        )
    )
    async with database.read() as session:
        colleagues = await people.colleagues(session, user.master_account_id)
    names = {colleague.id: colleague.display_name for colleague in colleagues}
    return profile_view.history_entries(history.items, form, names)


async def _tab(
    request: Request,
    user: User,
    clients: ClientsDep,
    database: DatabaseDep,
    contact_id: UUID,
    tab: str,
) -> Response:
    contact = await _contact(clients, user, contact_id)
    editing = request.query_params.get("edit")
    return await _record_view(request, user, clients, database, contact, tab, editing=editing)


@router.get(RECORD)
async def profile_tab(
    request: Request, contact_id: UUID, user: PageUser, clients: ClientsDep,
    database: DatabaseDep,
) -> Response:  # fmt: skip
    return await _tab(request, user, clients, database, contact_id, "profile")


@router.get(f"{RECORD}/financial")
async def financial_tab(
    request: Request, contact_id: UUID, user: PageUser, clients: ClientsDep,
    database: DatabaseDep,
) -> Response:  # fmt: skip
    return await _tab(request, user, clients, database, contact_id, "financial")


@router.get(f"{RECORD}/trading")
async def trading_tab(
    request: Request, contact_id: UUID, user: PageUser, clients: ClientsDep,
    database: DatabaseDep,
) -> Response:  # fmt: skip
    return await _tab(request, user, clients, database, contact_id, "trading")


@router.get(f"{RECORD}/configuration")
async def configuration_tab(
    request: Request, contact_id: UUID, user: PageUser, clients: ClientsDep,
    database: DatabaseDep,
) -> Response:  # fmt: skip
    contact = await _contact(clients, user, contact_id)
    return await _record_view(request, user, clients, database, contact, "configuration",
                              account_types=list(AccountType), values={}, errors={})  # fmt: skip


@router.get(f"{RECORD}/sub-accounts")
async def sub_accounts_tab(
    request: Request, contact_id: UUID, user: PageUser, clients: ClientsDep,
    database: DatabaseDep,
) -> Response:  # fmt: skip
    return await _tab(request, user, clients, database, contact_id, "sub-accounts")


@router.post(f"{RECORD}/profile/{{section}}")
async def save_section(
    request: Request,
    contact_id: UUID,
    section: str,
    user: PageUser,
    data: CheckedForm,
    clients: ClientsDep,
    database: DatabaseDep,
    version: Annotated[int, Form(ge=1)] = 1,
) -> Response:
    if section not in PROFILE_SECTIONS:
        raise HTTPException(404, "no such profile section")
    tab = profile_view.SECTION_TAB.get(section, "profile")
    form = await _profile_form(request, user, clients)
    section_form = next(item for item in form.sections if item.name == section)
    submitted = profile_view.submitted_values(section_form, data)
    try:
        await clients.contacts.json(
            "PUT", f"/contacts/{contact_id}/profile/{section}", user,
            json={"version": version, "values": profile_view.nested(submitted)},
        )  # fmt: skip
    except HTTPException as refused:
        if refused.status_code not in (409, 422):
            raise
        contact = await _contact(clients, user, contact_id)
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
        return await _record_view(request, user, clients, database, contact, tab,
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
    version: Annotated[int, Form(ge=1)] = 1,
) -> Response:
    """The account settings a person may change here: the title, a prospect's account type."""
    values = {name: str(data.get(name) or "").strip() or None
              for name in ("title", "account_type") if name in data}  # fmt: skip
    try:
        await clients.contacts.json(
            "PATCH", f"/contacts/{contact_id}", user, json={"version": version, **values}
        )
    except HTTPException as refused:
        if refused.status_code not in (409, 422):
            raise
        contact = await _contact(clients, user, contact_id)
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
        return await _record_view(request, user, clients, database, contact, "configuration",
                                  message=message, status_code=refused.status_code,
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
    clients: ClientsDep,
    database: DatabaseDep,
    action: str,
) -> Response:
    tab = str(data.get("tab") or "profile")
    tab = tab if tab in profile_view.TAB_PATHS else "profile"
    try:
        version = int(str(data.get("version") or ""))
    except ValueError:
        raise HTTPException(422, "version: a whole number is required") from None
    try:
        await clients.contacts.json(
            "POST", f"/contacts/{contact_id}/{action}", user, json={"version": version}
        )
    except HTTPException as refused:
        if refused.status_code != 409:
            raise
        contact = await _contact(clients, user, contact_id)
        extra: dict[str, Any] = (
            {"account_types": list(AccountType), "values": {}, "errors": {}}
            if tab == "configuration" else {}
        )  # fmt: skip
        return await _record_view(request, user, clients, database, contact, tab,
                                  message=str(refused.detail), status_code=409,
                                  **extra)  # fmt: skip
    path = profile_view.TAB_PATHS[tab]
    return RedirectResponse(f"/contacts/{contact_id}{path}?saved={action}", status_code=303)


@router.post(f"{RECORD}/close")
async def close_contact(
    request: Request, contact_id: UUID, user: PageUser, data: CheckedForm, clients: ClientsDep,
    database: DatabaseDep,
) -> Response:  # fmt: skip
    return await _lifecycle(request, contact_id, user, data, clients, database, "close")


@router.post(f"{RECORD}/reopen")
async def reopen_contact(
    request: Request, contact_id: UUID, user: PageUser, data: CheckedForm, clients: ClientsDep,
    database: DatabaseDep,
) -> Response:  # fmt: skip
    return await _lifecycle(request, contact_id, user, data, clients, database, "reopen")
