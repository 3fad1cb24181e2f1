"""Pages: the Full Service program (C12) — the "Transfer & Pay" tab of a client's record (the
enrolment: the signed Supplemental Limited Power of Attorney form recorded, accepted or refused,
revoked; requests made on the client's behalf and their status as the back office answers; a
held withdrawal cancelled, or confirmed or declined by a Funding Authorizer), and the
withdrawals a Funding Authorizer confirms or declines with the reason.

Each request form carries an idempotency key chosen when the form is shown, so a form sent twice
(a double click, a retry after a timeout) makes one request."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from contracts.access import Right
from contracts.api.full_service import (
    EnrolmentDecision,
    EnrolmentRevocation,
    RequestCancellation,
    RequestCreate,
    WithdrawalDecline,
)
from contracts.full_service import CURRENCIES, REQUEST_KIND_LABELS, RequestKind, RequestStatus
from gateway.auth.deps import check_csrf
from gateway.auth.rights import needs
from gateway.clients import contacts, full_service
from gateway.clients.http import ServiceClients
from gateway.deps import ClientsDep
from gateway.pages.deps import MasterClock, PageUser, PostedForm
from gateway.pages.record_forms import problems
from gateway.pages.rendering import render
from gateway.refusals import read_as
from gateway.store.users import User
from gateway.uploads import read_document_upload
from services.runtime.clock import Clock

router = APIRouter(include_in_schema=False)
ACCOUNT_INFORMATION = [needs(Right.ACCOUNT_INFORMATION)]
FUNDING_AUTHORIZER = [needs(Right.FUNDING_AUTHORIZER)]
REFUSALS = {404, 409, 413, 415, 422}

STATUS_LABELS = {
    RequestStatus.AWAITING_CONFIRMATION: "Awaiting Funding Authorizer",
    RequestStatus.SENT: "Sent to the back office",
    RequestStatus.ACCEPTED: "Accepted",
    RequestStatus.PROCESSED: "Processed",
    RequestStatus.REJECTED: "Rejected",
    RequestStatus.DECLINED: "Declined by a Funding Authorizer",
    RequestStatus.CANCELLED: "Cancelled",
}
FIELDS = {  # the fields of each request form, as the instruction names them
    "cash": ("kind", "amount", "currency", "method"),
    "internal": ("amount", "currency", "to_account"),
    "position": ("kind", "symbol", "quantity", "other_broker"),
    "address": ("street", "city", "state", "postal_code", "country"),
    "email": ("email",),
    "phone": ("phone",),
}
FIXED_KIND = {
    "internal": RequestKind.INTERNAL_TRANSFER,
    "address": RequestKind.ADDRESS_CHANGE,
    "email": RequestKind.EMAIL_CHANGE,
    "phone": RequestKind.PHONE_CHANGE,
}
ALLOWED_KINDS = {
    "cash": {RequestKind.DEPOSIT, RequestKind.WITHDRAWAL},
    "position": {RequestKind.POSITION_TRANSFER_IN, RequestKind.POSITION_TRANSFER_OUT},
}


async def _tab(
    request: Request, user: User, clock: Clock, clients: ServiceClients, contact_id: UUID, *,
    errors: dict[str, str] | None = None, failed: str = "", form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:  # fmt: skip
    contact = await contacts.get_contact(clients, user, contact_id)
    program = await full_service.get_full_service(clients, user, contact_id)
    return render(request, "full_service.html", user=user, active="contacts", contact=contact,
                  tab="full-service", program=program, clock=clock, errors=errors or {},
                  failed=failed, form=form or {}, key=str(uuid4()), currencies=CURRENCIES,
                  kinds=REQUEST_KIND_LABELS, statuses=STATUS_LABELS,
                  confirms=user.access.confirms_withdrawals(),
                  status_code=status_code)  # fmt: skip


def _refused(error: HTTPException) -> dict[str, str]:
    if error.status_code not in REFUSALS:
        raise error
    return problems(error, {})


@router.get("/contacts/{contact_id:uuid}/full-service", dependencies=ACCOUNT_INFORMATION)
async def full_service_tab(
    request: Request, contact_id: UUID, user: PageUser, clock: MasterClock, clients: ClientsDep
) -> Response:
    return await _tab(request, user, clock, clients, contact_id)


@router.post("/contacts/{contact_id:uuid}/full-service/form", dependencies=ACCOUNT_INFORMATION)
async def record_form(
    request: Request, contact_id: UUID, user: PageUser, clock: MasterClock, clients: ClientsDep
) -> Response:
    try:
        upload = await read_document_upload(request)
        check_csrf(request, upload.fields.get("csrf_token"))
        await full_service.record_form(clients, user, contact_id, upload)
    except HTTPException as error:
        messages = _refused(error)
        if "_" in messages:
            messages["file"] = messages.pop("_")
        return await _tab(request, user, clock, clients, contact_id, errors=messages,
                          failed="enrolment", status_code=error.status_code)  # fmt: skip
    return RedirectResponse(f"/contacts/{contact_id}/full-service", status_code=303)


@router.post("/contacts/{contact_id:uuid}/full-service/decision", dependencies=ACCOUNT_INFORMATION)
async def decide(
    request: Request, contact_id: UUID, form: PostedForm, user: PageUser, clock: MasterClock,
    clients: ClientsDep,
) -> Response:  # fmt: skip
    try:
        decision = read_as(EnrolmentDecision, {"accept": form.get("decision") == "accept",
                                               "reason": form.get("reason") or None})  # fmt: skip
        await full_service.decide_enrolment(clients, user, contact_id, decision)
    except HTTPException as error:
        return await _tab(request, user, clock, clients, contact_id, errors=_refused(error),
                          failed="enrolment", form=form, status_code=error.status_code)  # fmt: skip
    return RedirectResponse(f"/contacts/{contact_id}/full-service", status_code=303)


@router.post(
    "/contacts/{contact_id:uuid}/full-service/revocation", dependencies=ACCOUNT_INFORMATION
)
async def revoke(
    request: Request, contact_id: UUID, form: PostedForm, user: PageUser, clock: MasterClock,
    clients: ClientsDep,
) -> Response:  # fmt: skip
    try:
        revocation = read_as(EnrolmentRevocation, {"reason": form.get("reason") or None})
        await full_service.revoke_enrolment(clients, user, contact_id, revocation)
    except HTTPException as error:
        return await _tab(request, user, clock, clients, contact_id, errors=_refused(error),
                          failed="enrolment", form=form, status_code=error.status_code)  # fmt: skip
    return RedirectResponse(f"/contacts/{contact_id}/full-service", status_code=303)


def instruction_of(form: dict[str, str]) -> dict[str, Any]:
    """The instruction a request form describes (only the fields of its own form)."""
    which = form.get("form", "")
    if which not in FIELDS:
        return {"kind": ""}
    values: dict[str, Any] = {name: form.get(name, "") for name in FIELDS[which]}
    if which in FIXED_KIND:
        values["kind"] = FIXED_KIND[which]
    elif values["kind"] not in ALLOWED_KINDS[which]:
        values["kind"] = ""
    return values


@router.post("/contacts/{contact_id:uuid}/full-service/requests", dependencies=ACCOUNT_INFORMATION)
async def submit(
    request: Request, contact_id: UUID, form: PostedForm, user: PageUser, clock: MasterClock,
    clients: ClientsDep,
) -> Response:  # fmt: skip
    try:
        command = read_as(RequestCreate, {"instruction": instruction_of(form)})
        key = form.get("idempotency_key") or str(uuid4())
        await full_service.submit_request(clients, user, contact_id, command, idempotency_key=key)
    except HTTPException as error:
        messages = {name.removeprefix("instruction."): text
                    for name, text in _refused(error).items()}  # fmt: skip
        return await _tab(request, user, clock, clients, contact_id, errors=messages,
                          failed=form.get("form", ""), form=form,
                          status_code=error.status_code)  # fmt: skip
    return RedirectResponse(f"/contacts/{contact_id}/full-service#requests", status_code=303)


@router.post(
    "/contacts/{contact_id:uuid}/full-service/requests/{request_id:uuid}/confirmation",
    dependencies=FUNDING_AUTHORIZER,
)
async def confirm_on_record(
    contact_id: UUID, request_id: UUID, form: PostedForm, user: PageUser, clients: ClientsDep
) -> Response:
    await full_service.confirm_withdrawal(clients, user, request_id)
    return RedirectResponse(f"/contacts/{contact_id}/full-service#requests", status_code=303)


@router.post(
    "/contacts/{contact_id:uuid}/full-service/requests/{request_id:uuid}/decline",
    dependencies=FUNDING_AUTHORIZER,
)
async def decline_on_record(
    request: Request, contact_id: UUID, request_id: UUID, form: PostedForm, user: PageUser,
    clock: MasterClock, clients: ClientsDep,
) -> Response:  # fmt: skip
    try:
        body = read_as(WithdrawalDecline, {"reason": form.get("reason", "")})
        await full_service.decline_withdrawal(clients, user, request_id, body)
    except HTTPException as error:
        return await _tab(request, user, clock, clients, contact_id, errors=_refused(error),
                          failed=f"request-{request_id}", form=form,
                          status_code=error.status_code)  # fmt: skip
    return RedirectResponse(f"/contacts/{contact_id}/full-service#requests", status_code=303)


@router.post(
    "/contacts/{contact_id:uuid}/full-service/requests/{request_id:uuid}/cancel",
    dependencies=ACCOUNT_INFORMATION,
)
async def cancel_on_record(
    request: Request, contact_id: UUID, request_id: UUID, form: PostedForm, user: PageUser,
    clock: MasterClock, clients: ClientsDep,
) -> Response:  # fmt: skip
    try:
        cancellation = read_as(RequestCancellation, {"reason": form.get("reason") or None})
        await full_service.cancel_request(clients, user, request_id, cancellation)
    except HTTPException as error:
        return await _tab(request, user, clock, clients, contact_id, errors=_refused(error),
                          failed=f"request-{request_id}", form=form,
                          status_code=error.status_code)  # fmt: skip
    return RedirectResponse(f"/contacts/{contact_id}/full-service#requests", status_code=303)


# The Funding Authorizer's list: they may hold neither the CRM nor the Account Information right


async def _confirmations(
    request: Request, user: User, clock: Clock, clients: ServiceClients, *,
    errors: dict[str, str] | None = None, failed: str = "", status_code: int = 200,
) -> Response:  # fmt: skip
    waiting = await full_service.awaiting_confirmation(clients, user)
    return render(request, "funding_confirmations.html", user=user, active="funding",
                  waiting=waiting, clock=clock, confirmed=request.query_params.get("confirmed"),
                  declined=request.query_params.get("declined"), errors=errors or {},
                  failed=failed, status_code=status_code)  # fmt: skip


@router.get("/funding/confirmations", dependencies=FUNDING_AUTHORIZER)
async def confirmations_page(
    request: Request, user: PageUser, clock: MasterClock, clients: ClientsDep
) -> Response:
    return await _confirmations(request, user, clock, clients)


@router.post("/funding/confirmations/{request_id:uuid}/decline", dependencies=FUNDING_AUTHORIZER)
async def decline(
    request: Request, request_id: UUID, form: PostedForm, user: PageUser, clock: MasterClock,
    clients: ClientsDep,
) -> Response:  # fmt: skip
    try:
        body = read_as(WithdrawalDecline, {"reason": form.get("reason", "")})
        declined = await full_service.decline_withdrawal(clients, user, request_id, body)
    except HTTPException as error:
        return await _confirmations(request, user, clock, clients, errors=_refused(error),
                                    failed=str(request_id), status_code=error.status_code)  # fmt: skip
    return RedirectResponse(f"/funding/confirmations?declined={declined.id}", status_code=303)


@router.post("/funding/confirmations/{request_id:uuid}", dependencies=FUNDING_AUTHORIZER)
async def confirm(
    request_id: UUID, form: PostedForm, user: PageUser, clients: ClientsDep
) -> Response:
    confirmed = await full_service.confirm_withdrawal(clients, user, request_id)
    return RedirectResponse(f"/funding/confirmations?confirmed={confirmed.id}", status_code=303)
