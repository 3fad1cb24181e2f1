"""/api/v1/queries: client data queries (A3) — performance, symbol, transaction count, RMD."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

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
from gateway.api.responses import SERVICE_CALL
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import analytics
from gateway.deps import ClientsDep

router = APIRouter(
    prefix="/queries", tags=["queries"], responses=SERVICE_CALL, dependencies=[needs(Right.TOOLS)]
)


@router.get("/performance")
async def performance(
    params: Annotated[PerformanceQuery, Query()], user: CurrentUser, clients: ClientsDep
) -> PerformanceResult:
    """Accounts whose time-weighted return (percent) is above and/or below the thresholds."""
    return await analytics.performance_query(clients, user, params)


@router.get("/symbol")
async def symbol(
    params: Annotated[SymbolQuery, Query()], user: CurrentUser, clients: ClientsDep
) -> SymbolResult:
    return await analytics.symbol_query(clients, user, params)


@router.get("/transaction-count")
async def transaction_count(
    params: Annotated[TransactionCountQuery, Query()], user: CurrentUser, clients: ClientsDep
) -> TransactionCountResult:
    return await analytics.transaction_count_query(clients, user, params)


@router.get("/rmd")
async def rmd(
    params: Annotated[RmdQuery, Query()], user: CurrentUser, clients: ClientsDep
) -> RmdResult:
    return await analytics.rmd_query(clients, user, params)
