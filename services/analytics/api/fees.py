"""Routes: fee administration (A9)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Depends, Response

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
from services.analytics.api.deps import DatabaseDep
from services.analytics.service_layer import fees
from services.runtime.caller import CallerDep, requires
from services.runtime.service import ClockDep

router = APIRouter(
    prefix="/fees", tags=["fees"], dependencies=[Depends(requires(Right.FEE_ADMINISTRATION))]
)


@router.get("/templates")
async def templates(caller: CallerDep, database: DatabaseDep) -> FeeTemplateList:
    async with database.unit_of_work() as uow:
        return await fees.templates(uow, caller.master_account_id)


@router.post("/templates", status_code=201)
async def add_template(
    command: FeeTemplateIn, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> FeeTemplateOut:
    async with database.transaction() as uow:
        return await fees.add_template(uow, caller.master_account_id, command, now=clock.now())


@router.get("/clients")
async def client_fees(caller: CallerDep, database: DatabaseDep) -> ClientFeeList:
    async with database.unit_of_work() as uow:
        return await fees.client_fees(uow, caller.master_account_id, scope=caller.access.scope)


@router.put("/clients")
async def configure(
    command: ClientFeeIn, caller: CallerDep, database: DatabaseDep
) -> ClientFeeList:
    async with database.transaction() as uow:
        return await fees.configure(
            uow, caller.master_account_id, command, scope=caller.access.scope
        )


@router.post("/invoices")
async def generate(
    command: InvoiceRun, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> InvoiceList:
    async with database.transaction() as uow:
        return await fees.generate_invoices(
            uow, caller.master_account_id, command, scope=caller.access.scope, now=clock.now()
        )


@router.get("/invoices")
async def invoices(caller: CallerDep, database: DatabaseDep) -> InvoiceList:
    async with database.unit_of_work() as uow:
        return await fees.invoices(uow, caller.master_account_id, scope=caller.access.scope)


@router.get("/invoices.csv")
async def invoices_csv(caller: CallerDep, database: DatabaseDep) -> Response:
    async with database.unit_of_work() as uow:
        listing = await fees.invoices(uow, caller.master_account_id, scope=caller.access.scope)
    return Response(fees.invoices_csv(listing), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="invoices.csv"'})  # fmt: skip


@router.get("/invoices/{invoice_id}")
async def invoice(invoice_id: UUID, caller: CallerDep, database: DatabaseDep) -> InvoiceOut:
    async with database.unit_of_work() as uow:
        return await fees.invoice(
            uow, caller.master_account_id, invoice_id, scope=caller.access.scope
        )


@router.get("/invoices/{invoice_id}/pdf")
async def invoice_pdf(invoice_id: UUID, caller: CallerDep, database: DatabaseDep) -> Response:
    async with database.unit_of_work() as uow:
        found = await fees.invoice(
            uow, caller.master_account_id, invoice_id, scope=caller.access.scope
        )
    return Response(fees.invoice_pdf(found, caller.master_account_id), media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{found.number}.pdf"'})  # fmt: skip


@router.post("/invoices/{invoice_id}/reimbursements", status_code=201)
async def reimburse(
    invoice_id: UUID,
    command: ReimbursementIn,
    caller: CallerDep,
    database: DatabaseDep,
    clock: ClockDep,
) -> InvoiceOut:
    async with database.transaction() as uow:
        return await fees.reimburse(uow, caller.master_account_id, caller.user_id, invoice_id, command,
                                    scope=caller.access.scope, now=clock.now())  # fmt: skip
