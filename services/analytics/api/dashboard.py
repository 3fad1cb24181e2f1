"""Routes of the dashboard's panels (A1), each re-checking the right the seed's table names."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from contracts.access import Right
from contracts.api.analytics_dashboard import (
    ActivityPage,
    ActivityQuery,
    AumSeries,
    CorporateActionList,
    ElectionSubmit,
    ElectionView,
    MasterBalance,
    MessageList,
    PendingItemsQuery,
)
from services.analytics.api.deps import DatabaseDep
from services.analytics.service_layer import dashboard
from services.runtime.caller import CallerDep, requires
from services.runtime.service import ClockDep

router = APIRouter(prefix="/dashboard", tags=["dashboard"])

PENDING = Depends(requires(Right.ACCOUNT_INFORMATION, Right.FUNDING_AUTHORIZER))
AUM = Depends(requires(Right.ACTIVITY_STATEMENT, Right.PORTFOLIO_ANALYST))
ACTIONS = Depends(requires(Right.ACCOUNT_INFORMATION))
ActionId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/pending-items", dependencies=[PENDING])
async def pending_items(
    params: Annotated[PendingItemsQuery, Query()], caller: CallerDep, database: DatabaseDep,
    clock: ClockDep,
) -> ActivityPage:  # fmt: skip
    async with database.unit_of_work() as uow:
        return await dashboard.pending_items(
            uow, caller.master_account_id, caller.access, params, now=clock.now()
        )


@router.get("/recent-activity", dependencies=[PENDING])
async def recent_activity(
    params: Annotated[ActivityQuery, Query()], caller: CallerDep, database: DatabaseDep,
    clock: ClockDep,
) -> ActivityPage:  # fmt: skip
    async with database.unit_of_work() as uow:
        return await dashboard.recent_activity(
            uow, caller.master_account_id, caller.access, params, now=clock.now()
        )


@router.get("/aum", dependencies=[AUM])
async def aum(caller: CallerDep, database: DatabaseDep, clock: ClockDep) -> AumSeries:
    async with database.unit_of_work() as uow:
        return await dashboard.aum_series(
            uow, caller.master_account_id, caller.access, now=clock.now()
        )


@router.get("/master-balance", dependencies=[AUM])
async def master_balance(caller: CallerDep, database: DatabaseDep) -> MasterBalance:
    async with database.unit_of_work() as uow:
        return await dashboard.master_balance(uow, caller.master_account_id, caller.access)


@router.get("/corporate-actions", dependencies=[ACTIONS])
async def corporate_actions(
    caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> CorporateActionList:
    async with database.unit_of_work() as uow:
        return await dashboard.corporate_actions(
            uow, caller.master_account_id, caller.access, now=clock.now()
        )


@router.post("/corporate-actions/{action_id}/elections", dependencies=[ACTIONS], status_code=201)
async def elect(
    action_id: ActionId, election: ElectionSubmit, caller: CallerDep, database: DatabaseDep,
    clock: ClockDep,
) -> ElectionView:  # fmt: skip
    async with database.transaction() as uow:
        return await dashboard.elect(
            uow, caller.master_account_id, caller.user_id, caller.access, action_id, election,
            now=clock.now(),
        )  # fmt: skip


@router.get("/messages", dependencies=[Depends(requires(Right.COMMUNICATION_CENTER))])
async def messages(caller: CallerDep, database: DatabaseDep) -> MessageList:
    async with database.unit_of_work() as uow:
        return await dashboard.recent_messages(uow, caller.master_account_id)
