"""Routes: client reports (A10) — statements and performance reports of one account (JSON, PDF,
CSV), deliveries and schedules, and the statements of a group or segment built in the
background."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from contracts.access import AccountNumber, Right
from contracts.api.reports import (
    ConsolidationOut,
    DeliveryIn,
    DeliveryList,
    DeliveryOut,
    PerformanceOut,
    Period,
    ScheduleIn,
    ScheduleList,
    ScheduleOut,
    StatementOut,
    StatementQuery,
    StatementRunIn,
    StatementRunList,
    StatementRunOut,
)
from services.analytics.api.deps import DatabaseDep
from services.analytics.service_layer import report_documents as documents
from services.analytics.service_layer import reports, statement_runs
from services.runtime.caller import CallerDep, requires
from services.runtime.service import ClockDep

router = APIRouter(
    prefix="/reports",
    tags=["reports"],
    dependencies=[Depends(requires(Right.ACTIVITY_STATEMENT, Right.PORTFOLIO_ANALYST))],
)
Account = AccountNumber


def _file(content: bytes, media_type: str, name: str) -> Response:
    return Response(content, media_type=media_type,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip


def _statement_name(account: str, query: StatementQuery, suffix: str) -> str:
    what = "consolidated-statement" if query.consolidated else "statement"
    return f"{what}-{account}-{query.period_start}-{query.period_end}.{suffix}"


@router.get("/accounts/{account}/consolidation")
async def consolidation(
    account: Account, caller: CallerDep, database: DatabaseDep
) -> ConsolidationOut:
    async with database.unit_of_work() as uow:
        return await reports.consolidation(uow, caller.master_account_id, account, access=caller.access)  # fmt: skip


@router.get("/accounts/{account}/statement")
async def statement(
    account: Account, query: Annotated[StatementQuery, Query()], caller: CallerDep,
    database: DatabaseDep,
) -> StatementOut:  # fmt: skip
    async with database.unit_of_work() as uow:
        return await reports.statement(uow, caller.master_account_id, account, query, access=caller.access)  # fmt: skip


@router.get("/accounts/{account}/statement.pdf")
async def statement_pdf(
    account: Account, query: Annotated[StatementQuery, Query()], caller: CallerDep,
    database: DatabaseDep,
) -> Response:  # fmt: skip
    async with database.unit_of_work() as uow:
        view = await reports.statement(uow, caller.master_account_id, account, query, access=caller.access)  # fmt: skip
    return _file(documents.statement_pdf(view, caller.master_account_id), "application/pdf",
                 _statement_name(account, query, "pdf"))  # fmt: skip


@router.get("/accounts/{account}/statement.csv")
async def statement_csv(
    account: Account, query: Annotated[StatementQuery, Query()], caller: CallerDep,
    database: DatabaseDep,
) -> Response:  # fmt: skip
    async with database.unit_of_work() as uow:
        view = await reports.statement(uow, caller.master_account_id, account, query, access=caller.access)  # fmt: skip
    return _file(documents.statement_csv(view), "text/csv; charset=utf-8",
                 _statement_name(account, query, "csv"))  # fmt: skip


@router.get("/accounts/{account}/performance")
async def performance(
    account: Account, query: Annotated[Period, Query()], caller: CallerDep, database: DatabaseDep
) -> PerformanceOut:
    async with database.unit_of_work() as uow:
        return await reports.build_performance_report(uow, caller.master_account_id, account, query, access=caller.access)  # fmt: skip


@router.get("/accounts/{account}/performance.pdf")
async def performance_pdf(
    account: Account, query: Annotated[Period, Query()], caller: CallerDep, database: DatabaseDep
) -> Response:
    async with database.unit_of_work() as uow:
        view = await reports.build_performance_report(uow, caller.master_account_id, account, query, access=caller.access)  # fmt: skip
    return _file(documents.performance_pdf(view, caller.master_account_id), "application/pdf",
                 f"performance-{account}-{query.period_start}-{query.period_end}.pdf")  # fmt: skip


@router.get("/accounts/{account}/performance.csv")
async def performance_csv(
    account: Account, query: Annotated[Period, Query()], caller: CallerDep, database: DatabaseDep
) -> Response:
    async with database.unit_of_work() as uow:
        view = await reports.build_performance_report(uow, caller.master_account_id, account, query, access=caller.access)  # fmt: skip
    return _file(documents.performance_csv(view), "text/csv; charset=utf-8",
                 f"performance-{account}-{query.period_start}-{query.period_end}.csv")  # fmt: skip


@router.get("/accounts/{account}/deliveries")
async def deliveries(account: Account, caller: CallerDep, database: DatabaseDep) -> DeliveryList:
    async with database.unit_of_work() as uow:
        return await reports.deliveries(uow, caller.master_account_id, account, access=caller.access)  # fmt: skip


@router.post("/accounts/{account}/deliveries", status_code=201)
async def deliver(
    account: Account, command: DeliveryIn, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> DeliveryOut:
    async with database.transaction() as uow:
        return await reports.deliver_now(uow, caller.master_account_id, caller.user_id, account, command,
                                         access=caller.access, now=clock.now())  # fmt: skip


@router.get("/accounts/{account}/schedules")
async def schedules(account: Account, caller: CallerDep, database: DatabaseDep) -> ScheduleList:
    async with database.unit_of_work() as uow:
        return await reports.schedules(uow, caller.master_account_id, account, access=caller.access)  # fmt: skip


@router.post("/accounts/{account}/schedules", status_code=201)
async def add_schedule(
    account: Account, command: ScheduleIn, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> ScheduleOut:
    async with database.transaction() as uow:
        return await reports.add_schedule(uow, caller.master_account_id, caller.user_id, account, command,
                                          access=caller.access, now=clock.now())  # fmt: skip


@router.delete("/accounts/{account}/schedules/{schedule_id}", status_code=204)
async def cancel_schedule(
    account: Account, schedule_id: UUID, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> Response:
    async with database.transaction() as uow:
        await reports.cancel_schedule(uow, caller.master_account_id, account, schedule_id,
                                      access=caller.access, now=clock.now())  # fmt: skip
    return Response(status_code=204)


@router.get("/statement-runs")
async def runs(caller: CallerDep, database: DatabaseDep) -> StatementRunList:
    async with database.unit_of_work() as uow:
        return await statement_runs.runs(uow, caller.master_account_id, caller.user_id, access=caller.access)  # fmt: skip


@router.post("/statement-runs", status_code=202)
async def request_run(
    command: StatementRunIn, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> StatementRunOut:
    async with database.transaction() as uow:
        return await statement_runs.request_run(uow, caller.master_account_id, caller.user_id, command,
                                                access=caller.access, now=clock.now())  # fmt: skip


@router.get("/statement-runs/{run_id}")
async def run(run_id: UUID, caller: CallerDep, database: DatabaseDep) -> StatementRunOut:
    async with database.unit_of_work() as uow:
        return await statement_runs.run(uow, caller.master_account_id, caller.user_id, run_id, access=caller.access)  # fmt: skip


@router.get("/statement-runs/{run_id}/result")
async def run_result(run_id: UUID, caller: CallerDep, database: DatabaseDep) -> Response:
    async with database.unit_of_work() as uow:
        content, name = await statement_runs.result(uow, caller.master_account_id, caller.user_id, run_id,
                                                    access=caller.access)  # fmt: skip
    media = "application/zip" if name.endswith(".zip") else "application/pdf"
    return _file(content, media, name)
