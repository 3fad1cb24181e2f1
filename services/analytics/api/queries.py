"""Routes of the client data queries (A3), behind the Tools right."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from contracts.access import Right
from contracts.api.analytics_queries import (
    PerformanceQuery,
    PerformanceResult,
    RmdQuery,
    RmdResult,
    SymbolQuery,
    SymbolResult,
    TransactionCountQuery,
    TransactionCountResult,
)
from services.analytics.api.deps import DatabaseDep
from services.analytics.service_layer import client_queries
from services.runtime.caller import CallerDep, requires

router = APIRouter(
    prefix="/queries", tags=["queries"], dependencies=[Depends(requires(Right.TOOLS))]
)


@router.get("/performance")
async def performance(
    params: Annotated[PerformanceQuery, Query()], caller: CallerDep, database: DatabaseDep
) -> PerformanceResult:
    async with database.unit_of_work() as uow:
        return await client_queries.performance(
            uow, caller.master_account_id, caller.access, params
        )


@router.get("/symbol")
async def symbol(
    params: Annotated[SymbolQuery, Query()], caller: CallerDep, database: DatabaseDep
) -> SymbolResult:
    async with database.unit_of_work() as uow:
        return await client_queries.symbol(uow, caller.master_account_id, caller.access, params)


@router.get("/transaction-count")
async def transaction_count(
    params: Annotated[TransactionCountQuery, Query()], caller: CallerDep, database: DatabaseDep
) -> TransactionCountResult:
    async with database.unit_of_work() as uow:
        return await client_queries.transaction_count(
            uow, caller.master_account_id, caller.access, params
        )


@router.get("/rmd")
async def rmd(
    params: Annotated[RmdQuery, Query()], caller: CallerDep, database: DatabaseDep
) -> RmdResult:
    async with database.unit_of_work() as uow:
        return await client_queries.rmd_due(uow, caller.master_account_id, caller.access, params)
