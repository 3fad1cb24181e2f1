"""Routes of the transaction history (A2) and the client timeline (X6)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from contracts.access import Right
from contracts.api.analytics_history import (
    TimelinePage,
    TimelineQuery,
    TransactionPage,
    TransactionQuery,
)
from services.analytics.api.deps import DatabaseDep
from services.analytics.service_layer import history
from services.runtime.caller import CallerDep, requires
from services.runtime.service import ClockDep

router = APIRouter(tags=["history"])

HISTORY = Depends(requires(Right.ACCOUNT_INFORMATION, Right.FUNDING_AUTHORIZER))


@router.get("/transactions", dependencies=[HISTORY])
async def transactions(
    params: Annotated[TransactionQuery, Query()], caller: CallerDep, database: DatabaseDep,
    clock: ClockDep,
) -> TransactionPage:  # fmt: skip
    async with database.unit_of_work() as uow:
        return await history.transactions(
            uow, caller.master_account_id, caller.access, params, today=clock.now().date()
        )


@router.get("/transactions.csv", dependencies=[HISTORY])
async def transactions_csv(
    params: Annotated[TransactionQuery, Query()], caller: CallerDep, database: DatabaseDep,
    clock: ClockDep,
) -> Response:  # fmt: skip
    async with database.unit_of_work() as uow:
        text = await history.transactions_csv(
            uow, caller.master_account_id, caller.access, params, today=clock.now().date()
        )
    return Response(
        text, media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="transactions.csv"'},
    )  # fmt: skip


@router.get("/contacts/{contact_id}/timeline", dependencies=[Depends(requires(Right.CRM))])
async def timeline(
    contact_id: UUID, params: Annotated[TimelineQuery, Query()], caller: CallerDep,
    database: DatabaseDep,
) -> TimelinePage:  # fmt: skip
    async with database.unit_of_work() as uow:
        return await history.contact_timeline(
            uow, caller.master_account_id, caller.access, contact_id, params
        )
