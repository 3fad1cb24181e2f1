"""/api/v1/reports: client reports (A10) — a client account's activity statement (custom sections
and period; JSON, PDF, CSV) and performance report (by month, quarter and year against the
benchmark; JSON, PDF, CSV), its deliveries to the client's email of record (now, or monthly or
quarterly), and the statements of a whole group or segment built in the background."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

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
from gateway.api.responses import CSV, NOT_FOUND, PDF, SERVICE_CALL, Responses
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import groups, reports
from gateway.deps import ClientsDep
from gateway.downloads import passthrough_download

router = APIRouter(prefix="/reports", tags=["reports"], responses={**SERVICE_CALL, **NOT_FOUND})
STATEMENTS = [needs(Right.ACTIVITY_STATEMENT)]
PERFORMANCE = [needs(Right.PORTFOLIO_ANALYST)]
EITHER = [needs(Right.ACTIVITY_STATEMENT, Right.PORTFOLIO_ANALYST)]
Format = Literal["pdf", "csv"]
BINARY: dict[str, Any] = {"schema": {"type": "string", "format": "binary"}}
FILES: Responses = {200: {"description": "the report as PDF or CSV (as the path names)",
               "content": {PDF: BINARY, CSV: {"schema": {"type": "string"}}}}}  # fmt: skip


@router.get("/accounts/{account}/statement", dependencies=STATEMENTS)
async def statement(
    account: AccountNumber, query: Annotated[StatementQuery, Query()], user: CurrentUser,
    clients: ClientsDep,
) -> StatementOut:  # fmt: skip
    """The activity statement: net asset value (opening, flows, income, change, closing),
    open positions, transactions with totals, fees and returns, for the sections asked; with
    ``consolidated=true`` that of the account's whole link group (404 when it is not linked or
    a linked account is outside the caller's client scope)."""
    return await reports.statement(clients, user, account, query)


@router.get("/accounts/{account}/consolidation", dependencies=STATEMENTS)
async def consolidation(
    account: AccountNumber, user: CurrentUser, clients: ClientsDep
) -> ConsolidationOut:
    """The accounts a consolidated statement of this account would sum: its link group's, when
    every one is within the caller's client scope; none otherwise."""
    return await reports.consolidation(clients, user, account)


@router.get(
    "/accounts/{account}/statement.{fmt}", dependencies=STATEMENTS, response_class=Response,
    responses=FILES,
)  # fmt: skip
async def statement_file(
    account: AccountNumber, fmt: Format, query: Annotated[StatementQuery, Query()],
    user: CurrentUser, clients: ClientsDep,
) -> Response:  # fmt: skip
    return passthrough_download(await reports.statement_file(clients, user, account, query, fmt))


@router.get("/accounts/{account}/performance", dependencies=PERFORMANCE)
async def performance(
    account: AccountNumber, query: Annotated[Period, Query()], user: CurrentUser,
    clients: ClientsDep,
) -> PerformanceOut:  # fmt: skip
    """Time- and money-weighted returns, by month, quarter and year against the benchmark,
    and the cumulative returns the charts draw."""
    return await reports.performance(clients, user, account, query)


@router.get(
    "/accounts/{account}/performance.{fmt}", dependencies=PERFORMANCE, response_class=Response,
    responses=FILES,
)  # fmt: skip
async def performance_file(
    account: AccountNumber, fmt: Format, query: Annotated[Period, Query()], user: CurrentUser,
    clients: ClientsDep,
) -> Response:  # fmt: skip
    return passthrough_download(await reports.performance_file(clients, user, account, query, fmt))


@router.get("/accounts/{account}/deliveries", dependencies=EITHER)
async def deliveries(
    account: AccountNumber, user: CurrentUser, clients: ClientsDep
) -> DeliveryList:
    """Every delivery of the account's reports, newest first, with its outcome."""
    return await reports.deliveries(clients, user, account)


@router.post(
    "/accounts/{account}/deliveries", dependencies=EITHER, status_code=status.HTTP_201_CREATED
)
async def deliver(
    account: AccountNumber, body: DeliveryIn, user: CurrentUser, clients: ClientsDep
) -> DeliveryOut:
    """Email the report (PDF) to the client's email of record now; the outcome follows."""
    return await reports.deliver(clients, user, account, body)


@router.get("/accounts/{account}/schedules", dependencies=EITHER)
async def schedules(account: AccountNumber, user: CurrentUser, clients: ClientsDep) -> ScheduleList:
    return await reports.schedules(clients, user, account)


@router.post(
    "/accounts/{account}/schedules", dependencies=EITHER, status_code=status.HTTP_201_CREATED
)
async def add_schedule(
    account: AccountNumber, body: ScheduleIn, user: CurrentUser, clients: ClientsDep
) -> ScheduleOut:
    """Deliver the report every month or quarter: each period once, the day after it ends."""
    return await reports.add_schedule(clients, user, account, body)


@router.delete(
    "/accounts/{account}/schedules/{schedule_id}", dependencies=EITHER,
    status_code=status.HTTP_204_NO_CONTENT,
)  # fmt: skip
async def cancel_schedule(
    account: AccountNumber, schedule_id: UUID, user: CurrentUser, clients: ClientsDep
) -> Response:
    await reports.cancel_schedule(clients, user, account, schedule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/statement-runs", dependencies=STATEMENTS)
async def statement_runs(user: CurrentUser, clients: ClientsDep) -> StatementRunList:
    """The caller's own group and segment statement runs, newest first."""
    return await reports.statement_runs(clients, user)


@router.post("/statement-runs", dependencies=STATEMENTS, status_code=status.HTTP_202_ACCEPTED)
async def request_statement_run(
    body: StatementRunIn, user: CurrentUser, clients: ClientsDep
) -> StatementRunOut:
    """Build the statements of every account of a group or segment within the caller's scope
    in the background; poll the run for its progress, then download its result."""
    if body.target_kind == "group":  # a group the caller cannot see is not found
        group = await groups.get_group(clients, user, body.target_id)
        body = body.model_copy(update={"target_name": group.name})
    return await reports.request_statement_run(clients, user, body)


@router.get("/statement-runs/{run_id}", dependencies=STATEMENTS)
async def statement_run(run_id: UUID, user: CurrentUser, clients: ClientsDep) -> StatementRunOut:
    return await reports.statement_run(clients, user, run_id)


@router.get(
    "/statement-runs/{run_id}/result", dependencies=STATEMENTS, response_class=Response,
    responses={200: {"description": "a zip of PDFs or one combined PDF",
                     "content": {"application/zip": BINARY, PDF: BINARY}}},
)  # fmt: skip
async def statement_run_result(run_id: UUID, user: CurrentUser, clients: ClientsDep) -> Response:
    return passthrough_download(await reports.statement_run_result(clients, user, run_id))
