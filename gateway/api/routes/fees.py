"""/api/v1/fees: fee templates, client fees, invoices (JSON, CSV, PDF) and reimbursements (A9)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Response, status

from contracts.access import Right
from contracts.api.fees import (  # fmt: skip
    ClientFeeIn,
    ClientFeeList,
    FeeTemplateIn,
    FeeTemplateList,
    FeeTemplateOut,
    InvoiceList,
    InvoiceOut,
    InvoiceRun,
    ReimbursementIn,
)
from gateway.api.responses import CSV, NOT_FOUND, PDF, SERVICE_CALL, file_download
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import tools
from gateway.deps import ClientsDep
from gateway.downloads import passthrough_download

router = APIRouter(
    prefix="/fees",
    tags=["fees"],
    responses=SERVICE_CALL,
    dependencies=[needs(Right.FEE_ADMINISTRATION)],
)


@router.get("/templates")
async def templates(user: CurrentUser, clients: ClientsDep) -> FeeTemplateList:
    return await tools.fee_templates(clients, user)


@router.post("/templates", status_code=status.HTTP_201_CREATED)
async def add_template(
    body: FeeTemplateIn, user: CurrentUser, clients: ClientsDep
) -> FeeTemplateOut:
    return await tools.add_fee_template(clients, user, body)


@router.get("/clients")
async def client_fees(user: CurrentUser, clients: ClientsDep) -> ClientFeeList:
    return await tools.client_fees(clients, user)


@router.put("/clients", responses=NOT_FOUND)
async def configure(body: ClientFeeIn, user: CurrentUser, clients: ClientsDep) -> ClientFeeList:
    return await tools.configure_client_fee(clients, user, body)


@router.post("/invoices")
async def generate(body: InvoiceRun, user: CurrentUser, clients: ClientsDep) -> InvoiceList:
    return await tools.generate_invoices(clients, user, body)


@router.get("/invoices")
async def invoices(user: CurrentUser, clients: ClientsDep) -> InvoiceList:
    return await tools.list_invoices(clients, user)


@router.get(
    "/invoices.csv", response_class=Response, responses=file_download(CSV, "every invoice line")
)
async def invoices_csv(user: CurrentUser, clients: ClientsDep) -> Response:
    return passthrough_download(await tools.invoices_csv(clients, user))


@router.get("/invoices/{invoice_id}", responses=NOT_FOUND)
async def invoice(invoice_id: UUID, user: CurrentUser, clients: ClientsDep) -> InvoiceOut:
    return await tools.get_invoice(clients, user, invoice_id)


@router.get(
    "/invoices/{invoice_id}/pdf",
    response_class=Response,
    responses={**NOT_FOUND, **file_download(PDF, "the invoice")},
)
async def invoice_pdf(invoice_id: UUID, user: CurrentUser, clients: ClientsDep) -> Response:
    return passthrough_download(await tools.invoice_pdf(clients, user, invoice_id))


@router.post(
    "/invoices/{invoice_id}/reimbursements",
    status_code=status.HTTP_201_CREATED,
    responses=NOT_FOUND,
)
async def reimburse(
    invoice_id: UUID, body: ReimbursementIn, user: CurrentUser, clients: ClientsDep
) -> InvoiceOut:
    return await tools.reimburse(clients, user, invoice_id, body)
