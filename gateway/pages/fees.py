"""Pages: fee administration (A9) — templates, client fee configuration, invoices for a period
(with their PDF and the CSV of all) and reimbursements."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from contracts.access import Right
from contracts.api.fees import ClientFeeIn, FeeTemplateIn, InvoiceRun, ReimbursementIn
from gateway.auth.rights import needs
from gateway.clients import tools
from gateway.deps import ClientsDep
from gateway.downloads import passthrough_download
from gateway.pages.deps import PageUser, PostedForm
from gateway.pages.forms import refusal_errors
from gateway.pages.rendering import render
from gateway.store.users import User

router = APIRouter(include_in_schema=False, dependencies=[needs(Right.FEE_ADMINISTRATION)])


async def _view(
    request: Request, user: User, clients: Any, errors: dict[str, str] | None = None
) -> Response:
    return render(request, "tools/fees.html", user=user, active="fees", errors=errors or {},
                  templates_=(await tools.fee_templates(clients, user)).items,
                  client_fees=(await tools.client_fees(clients, user)).items,
                  invoices=(await tools.list_invoices(clients, user)).items,
                  status_code=422 if errors else 200)  # fmt: skip


@router.get("/fees")
async def fees_page(request: Request, user: PageUser, clients: ClientsDep) -> Response:
    return await _view(request, user, clients)


async def _attempt(request: Request, user: User, clients: Any, call: Any) -> Response:
    try:
        await call()
    except (ValidationError, HTTPException) as error:
        if isinstance(error, HTTPException) and error.status_code == 404:
            return await _view(request, user, clients, {"": "No such client account or invoice."})
        return await _view(request, user, clients, refusal_errors(error) or {"": "Check the form."})
    return RedirectResponse("/fees", status_code=303)


@router.post("/fees/templates")
async def add_template(
    request: Request, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    def command() -> FeeTemplateIn:
        tiers = []
        for line in form.get("tiers", "").splitlines():
            if line.strip():
                up_to, _, percent = line.partition(":")
                tiers.append({"up_to": up_to.strip() or None, "annual_percent": percent.strip()})
        return FeeTemplateIn.model_validate({"name": form.get("name", ""), "kind": form.get("kind", ""),
                                             "amount": form.get("amount") or "0",
                                             "minimum": form.get("minimum") or "0", "tiers": tiers})  # fmt: skip

    return await _attempt(
        request, user, clients, lambda: tools.add_fee_template(clients, user, command())
    )


@router.post("/fees/clients")
async def configure(
    request: Request, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    return await _attempt(request, user, clients, lambda: tools.configure_client_fee(
        clients, user, ClientFeeIn.model_validate(form)))  # fmt: skip


@router.post("/fees/invoices")
async def generate(
    request: Request, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    return await _attempt(request, user, clients, lambda: tools.generate_invoices(
        clients, user, InvoiceRun.model_validate(form)))  # fmt: skip


@router.post("/fees/invoices/{invoice_id}/reimbursements")
async def reimburse(
    request: Request, invoice_id: UUID, user: PageUser, form: PostedForm, clients: ClientsDep
) -> Response:
    return await _attempt(request, user, clients, lambda: tools.reimburse(
        clients, user, invoice_id, ReimbursementIn.model_validate(form)))  # fmt: skip


@router.get("/fees/invoices.csv")
async def invoices_csv(user: PageUser, clients: ClientsDep) -> Response:
    return passthrough_download(await tools.invoices_csv(clients, user))


@router.get("/fees/invoices/{invoice_id}.pdf")
async def invoice_pdf(invoice_id: UUID, user: PageUser, clients: ClientsDep) -> Response:
    return passthrough_download(await tools.invoice_pdf(clients, user, invoice_id))
