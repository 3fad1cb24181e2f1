"""Pages: the contacts table (statistics row, search, filters, sort, paging, the user's columns)
and adding a contact. The record itself is in ``contact_record``."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from contracts.access import Right
from contracts.accounts import AccountType, ApplicationStage
from contracts.api.contacts import (
    TABLE_COLUMN_LABELS,
    TABLE_COLUMNS,
    ContactCreate,
    ContactListQuery,
    ContactPage,
    ContactsTableLayout,
)
from contracts.contacts import ContactKind
from gateway.auth.rights import needs
from gateway.clients import analytics, contacts, groups, invitations
from gateway.clients.http import ServiceClients
from gateway.deps import ClientsDep, DatabaseDep
from gateway.pages import profile_view
from gateway.pages.deps import CheckedForm, PageUser
from gateway.pages.rendering import render
from gateway.store import preferences
from gateway.store.users import User

router = APIRouter(include_in_schema=False, dependencies=[needs(Right.CRM)])


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
    page = await contacts.list_contacts(clients, user, params)
    return await _contacts_view(request, user, clients, params, page, created=created)


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
        created = await contacts.create_contact(clients, user, body)
    except HTTPException as refused:
        if refused.status_code != 422:
            raise
        errors = profile_view.field_errors(refused.detail, prefix=("body",))
        return await _refused_contact(request, user, clients, form, errors)
    target = urlencode({"q": created.last_name, "created": created.name})
    return RedirectResponse(f"/contacts?{target}", status_code=303)


async def _refused_contact(
    request: Request,
    user: User,
    clients: ServiceClients,
    form: dict[str, Any],
    errors: dict[str, str],
) -> HTMLResponse:
    params = ContactListQuery()
    page = await contacts.list_contacts(clients, user, params)
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
        page = await contacts.list_contacts(clients, user, params)
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
    clients: ServiceClients,
    params: ContactListQuery,
    page: ContactPage,
    *,
    created: str | None = None,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    columns_error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    statistics = await analytics.contact_statistics(clients, user)
    pending = await invitations.pending_tasks_summary(clients, user)
    layout = preferences.contacts_table_layout(user.preferences)
    hidden = [key for key in TABLE_COLUMNS if key not in layout.columns]
    filters = {
        "q": params.q or "",
        "kind": params.kind.value if params.kind else "",
        "account_type": params.account_type.value if params.account_type else "",
        "status": params.status.value if params.status else "",
        "group_id": str(params.group_id) if params.group_id else "",
    }
    listed = await groups.list_groups(clients, user)
    return render(
        request, "contacts.html", user=user, active="contacts", status_code=status_code,
        params=params, page=page, labels=TABLE_COLUMN_LABELS, created=created,
        shown=layout.columns, hidden=hidden, columns_open=bool(request.query_params.get("columns")
                                                               or columns_error),
        columns_error=columns_error, filters=filters, back=urlencode(request.query_params),
        form=form or {}, errors=errors or {}, statistics=statistics, stages=list(ApplicationStage),
        pending_tasks=pending["contacts"],
        kinds=list(ContactKind), account_types=list(AccountType), groups=listed.items,
        pages=max(1, -(-page.total // page.page_size)),
    )  # fmt: skip
