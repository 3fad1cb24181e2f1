"""Pages: linking a client's accounts (L1-L3) — the clients eligible to be linked, the wizard one
step at a time (accounts and the username kept, personal information reconciled, banking
instructions kept, confirmation), the requests and their Friday batch, and a client's linkage and
device history on the contact record."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from contracts.access import Right
from contracts.api.linkage import (
    AccountChoice,
    BankingChoice,
    LinkRequestView,
    LinkStart,
    Reconciliation,
)
from gateway.auth.rights import needs
from gateway.clients import linkage
from gateway.deps import ClientsDep
from gateway.pages.deps import MasterClock, PageUser, SubmittedForm
from gateway.pages.forms import refusal_errors
from gateway.pages.rendering import render

router = APIRouter(include_in_schema=False, dependencies=[needs(Right.ACCOUNT_LINKAGE)])

STEPS = (("accounts", "Accounts and username"), ("reconciliation", "Account information"),
         ("banking", "Banking instructions"), ("confirm", "Confirmation"))  # fmt: skip
NEXT_STEP = {"started": "accounts", "accounts": "reconciliation", "reconciliation": "banking",
             "banking": "confirm"}  # fmt: skip
NOTICES = {"cancelled": "The link request was cancelled.",
           "confirmed": "Confirmed: the accounts will be linked in the weekly batch."}  # fmt: skip


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


@router.get("/linkage")
async def linkage_home(request: Request, user: PageUser, clock: MasterClock,
                       clients: ClientsDep) -> Response:  # fmt: skip
    eligible = await linkage.eligible_clients(clients, user)
    requests = await linkage.list_requests(clients, user)
    return render(request, "linkage.html", user=user, active="linkage", eligible=eligible,
                  requests=requests, clock=clock, errors={},
                  notice=NOTICES.get(request.query_params.get("done", "")))  # fmt: skip


@router.post("/linkage/start")
async def start(request: Request, user: PageUser, clock: MasterClock, form: SubmittedForm,
                clients: ClientsDep) -> Response:  # fmt: skip
    try:
        command = LinkStart.model_validate({"holder_id": form.get("holder_id", "")})
        view, _ = await linkage.start_request(clients, user, command)
    except (ValidationError, HTTPException) as error:
        errors = refusal_errors(error)
        eligible = await linkage.eligible_clients(clients, user)
        requests = await linkage.list_requests(clients, user)
        return render(request, "linkage.html", user=user, active="linkage", eligible=eligible,
                      requests=requests, clock=clock, notice=None, status_code=422,
                      errors={"holder_id": errors.get("holder_id") or errors.get("")
                              or "Choose a client to link."})  # fmt: skip
    return RedirectResponse(f"/linkage/requests/{view.id}", status_code=303)


def _wizard(request: Request, user: PageUser, clock: MasterClock, view: LinkRequestView, *,
            step: str | None = None, errors: dict[str, str] | None = None,
            status_code: int = 200) -> Response:  # fmt: skip
    current = step or NEXT_STEP.get(view.step, "")
    done = list(NEXT_STEP).index(view.step) if view.step in NEXT_STEP else len(STEPS)
    instructions = [b for a in view.available if a.account_number in view.accounts
                    for b in a.banking]  # fmt: skip
    return render(request, "linkage_request.html", user=user, active="linkage", view=view,
                  step=current, steps=STEPS, done=done, errors=errors or {}, clock=clock,
                  instructions=instructions, status_code=status_code,
                  notice=NOTICES.get(request.query_params.get("done", "")))  # fmt: skip


@router.get("/linkage/requests/{request_id}")
async def request_page(request: Request, request_id: UUID, user: PageUser, clock: MasterClock,
                       clients: ClientsDep) -> Response:  # fmt: skip
    try:
        view = await linkage.get_request(clients, user, request_id)
    except HTTPException as error:
        if error.status_code != 404:
            raise
        return render(request, "linkage_missing.html", user=user, active="linkage",
                      status_code=404)  # fmt: skip
    step = request.query_params.get("step")
    allowed = [name for name, _ in STEPS][: (list(NEXT_STEP).index(view.step) + 1)
                                          if view.step in NEXT_STEP else 0]  # fmt: skip
    return _wizard(request, user, clock, view, step=step if step in allowed else None)


async def _step(request: Request, request_id: UUID, user: PageUser, clock: MasterClock,
                clients: ClientsDep, step: str, call: Any) -> Response:  # fmt: skip
    try:
        await call()
    except (ValidationError, HTTPException) as error:
        errors = refusal_errors(error)
        view = await linkage.get_request(clients, user, request_id)
        return _wizard(request, user, clock, view, step=step, errors=errors, status_code=422)
    return RedirectResponse(f"/linkage/requests/{request_id}", status_code=303)


@router.post("/linkage/requests/{request_id}/accounts")
async def accounts_step(request: Request, request_id: UUID, user: PageUser, clock: MasterClock,
                        form: SubmittedForm, clients: ClientsDep) -> Response:  # fmt: skip
    async def call() -> None:
        command = AccountChoice.model_validate({"accounts": _listed(form.get("accounts")),
                                                "surviving_account": form.get("surviving_account", "")})  # fmt: skip
        await linkage.choose_accounts(clients, user, request_id, command)

    return await _step(request, request_id, user, clock, clients, "accounts", call)


@router.post("/linkage/requests/{request_id}/reconciliation")
async def reconciliation_step(request: Request, request_id: UUID, user: PageUser,
                              clock: MasterClock, form: SubmittedForm,
                              clients: ClientsDep) -> Response:  # fmt: skip
    async def call() -> None:
        choices = {key.removeprefix("keep_"): str(value) for key, value in form.items()
                   if key.startswith("keep_") and value}  # fmt: skip
        await linkage.reconcile(clients, user, request_id,
                                Reconciliation.model_validate({"choices": choices}))  # fmt: skip

    return await _step(request, request_id, user, clock, clients, "reconciliation", call)


@router.post("/linkage/requests/{request_id}/banking")
async def banking_step(request: Request, request_id: UUID, user: PageUser, clock: MasterClock,
                       form: SubmittedForm, clients: ClientsDep) -> Response:  # fmt: skip
    async def call() -> None:
        command = BankingChoice.model_validate(
            {"instruction_ids": _listed(form.get("instruction_ids"))}
        )
        await linkage.keep_banking(clients, user, request_id, command)

    return await _step(request, request_id, user, clock, clients, "banking", call)


@router.post("/linkage/requests/{request_id}/confirm")
async def confirm_step(request: Request, request_id: UUID, user: PageUser, clock: MasterClock,
                       form: SubmittedForm, clients: ClientsDep) -> Response:  # fmt: skip
    async def call() -> None:
        await linkage.confirm(clients, user, request_id)

    response = await _step(request, request_id, user, clock, clients, "confirm", call)
    if isinstance(response, RedirectResponse):
        return RedirectResponse(f"/linkage/requests/{request_id}?done=confirmed", status_code=303)
    return response


@router.post("/linkage/requests/{request_id}/cancel")
async def cancel(request: Request, request_id: UUID, user: PageUser, clock: MasterClock,
                 form: SubmittedForm, clients: ClientsDep) -> Response:  # fmt: skip
    try:
        await linkage.cancel(clients, user, request_id)
    except HTTPException as error:
        view = await linkage.get_request(clients, user, request_id)
        return _wizard(request, user, clock, view, errors=refusal_errors(error), status_code=409)
    return RedirectResponse("/linkage?done=cancelled", status_code=303)


@router.get("/contacts/{contact_id}/linkage")
async def contact_linkage(request: Request, contact_id: UUID, user: PageUser, clock: MasterClock,
                          clients: ClientsDep) -> Response:  # fmt: skip
    accounts = await linkage.contact_accounts(clients, user, contact_id)
    found = await linkage.contact_history(clients, user, contact_id)
    return render(request, "linkage_contact.html", user=user, active="contacts",
                  contact_id=contact_id, accounts=accounts, history=found, clock=clock)  # fmt: skip
