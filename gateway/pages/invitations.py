"""Pages: sending an account invitation from a contact (C8), the pending registration tasks,
and the public page behind an invitation's link where the client reads the prefilled
application."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from contracts.access import Right
from contracts.accounts import AccountType
from contracts.api.invitations import InvitationCreate, PendingTasksQuery, token_master
from contracts.crm import InvitationMethod
from gateway.auth.rights import needs, public
from gateway.clients import contacts, invitations
from gateway.clients.http import ServiceClients
from gateway.deps import ClientsDep, DatabaseDep
from gateway.pages.deps import CheckedForm, PageUser
from gateway.pages.forms import refusal_errors
from gateway.pages.rendering import render
from gateway.people import master_name
from gateway.store.users import User

router = APIRouter(include_in_schema=False)

TASKS_SHOWN = 3
NOTICES = {
    "fully_electronic": "Invitation recorded: the email goes out right away.",
    "semi_electronic": "The prefilled application is ready: download it, print it and have it "
    "signed.",
}
METHOD_LABELS = {
    InvitationMethod.FULLY_ELECTRONIC: "Fully electronic — email the client a link to the "
    "prefilled application",
    InvitationMethod.SEMI_ELECTRONIC: "Semi-electronic — print the prefilled application for "
    "the client to sign",
}


# --- invitations of a contact -------------------------------------------------------------


@router.get("/contacts/{contact_id:uuid}/invitations", dependencies=[needs(Right.CRM)])
async def invitations_page(
    request: Request, contact_id: UUID, user: PageUser, clients: ClientsDep
) -> Response:
    return await _invitations_view(request, user, clients, contact_id)


async def _invitations_view(
    request: Request,
    user: User,
    clients: ServiceClients,
    contact_id: UUID,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    contact = await contacts.get_contact(clients, user, contact_id)
    listed = await invitations.list_invitations(clients, user, contact_id)
    prospect = contact.profile.get("prospect") or {}
    account_type = contact.account_type or prospect.get("account_type") or ""
    form = form or {
        "method": "fully_electronic" if contact.email else "semi_electronic",
        "account_type": str(account_type),
    }
    return render(
        request, "invitations.html", user=user, active="contacts",
        status_code=422 if errors else 200, contact=contact, invitations=listed.items,
        form=form, errors=errors or {}, methods=METHOD_LABELS, account_types=list(AccountType),
        notice=NOTICES.get(request.query_params.get("done", "")),
    )  # fmt: skip


@router.post("/contacts/{contact_id:uuid}/invitations", dependencies=[needs(Right.CRM)])
async def send_invitation(
    request: Request,
    contact_id: UUID,
    user: PageUser,
    data: CheckedForm,
    clients: ClientsDep,
    database: DatabaseDep,
) -> Response:
    form = {
        "method": str(data.get("method") or ""),
        "account_type": str(data.get("account_type") or ""),
    }
    try:
        body = InvitationCreate.model_validate({key: value or None for key, value in form.items()})
        await invitations.invite(
            clients, user, contact_id, body, master_name=await master_name(database, user)
        )
    except (ValidationError, HTTPException) as error:
        return await _invitations_view(request, user, clients, contact_id, form=form,
                                       errors=refusal_errors(error))  # fmt: skip
    return RedirectResponse(
        f"/contacts/{contact_id}/invitations?done={body.method.value}", status_code=303
    )


# --- pending registration tasks -----------------------------------------------------------


@router.get(
    "/contacts/pending-tasks",
    dependencies=[needs(Right.ACCOUNT_INFORMATION, Right.FUNDING_AUTHORIZER)],
)
async def pending_tasks_page(request: Request, user: PageUser, clients: ClientsDep) -> Response:
    try:
        params = PendingTasksQuery.model_validate(
            {key: value for key, value in request.query_params.items() if value}
        )
    except ValidationError as error:
        raise HTTPException(400, error.errors(include_url=False, include_context=False)) from error
    page = await invitations.list_pending_tasks(clients, user, params)
    return render(
        request, "pending_tasks.html", user=user, active="contacts", params=params, page=page,
        shown=TASKS_SHOWN, pages=max(1, -(-page.total // page.page_size)),
    )  # fmt: skip


# --- the invited client's page ------------------------------------------------------------


def _applicant(token: str) -> User | None:
    """Who reads the application: nobody logged in, only the token's master account (the
    contacts service finds the invitation by the token within that master)."""
    master = token_master(token)
    if master is None:
        return None
    return User(id=UUID(int=0), master_account_id=master, username="applicant",
                display_name="Applicant", password_hash="")  # fmt: skip


@router.get("/apply/{token}", dependencies=[public()])
async def application_page(request: Request, token: str, clients: ClientsDep) -> Response:
    applicant = _applicant(token) if len(token) <= 200 else None
    if applicant is None:
        return _link_problem(request, 404, "This invitation link is not valid.")
    try:
        view = await invitations.get_application(clients, applicant, token)
    except HTTPException as error:
        if error.status_code == 410:
            return _link_problem(request, 410, str(error.detail))
        if error.status_code in (404, 422):
            return _link_problem(request, 404, "This invitation link is not valid.")
        raise
    response = render(request, "apply.html", user=None, application=view)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _link_problem(request: Request, status_code: int, message: str) -> Response:
    return render(request, "apply.html", user=None, status_code=status_code, problem=message)
