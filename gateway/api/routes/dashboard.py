"""/api/v1/dashboard: the dashboard's read models (owned by the analytics service), each panel
behind the rights the seed's table names (A1)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from contracts.access import Right
from contracts.api.analytics import ContactStatistics
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
from gateway.api.responses import SERVICE_CALL
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import analytics
from gateway.deps import ClientsDep

router = APIRouter(prefix="/dashboard", tags=["dashboard"], responses=SERVICE_CALL)

PENDING = needs(Right.ACCOUNT_INFORMATION, Right.FUNDING_AUTHORIZER)
AUM = needs(Right.ACTIVITY_STATEMENT, Right.PORTFOLIO_ANALYST)
ActionId = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("/statistics", dependencies=[needs(Right.CRM)])
async def statistics(user: CurrentUser, clients: ClientsDep) -> ContactStatistics:
    return await analytics.contact_statistics(clients, user)


@router.get("/pending-items", dependencies=[PENDING])
async def pending_items(
    params: Annotated[PendingItemsQuery, Query()], user: CurrentUser, clients: ClientsDep
) -> ActivityPage:
    """Funding, application and transfer items of the last ten days (filter, account search)."""
    return await analytics.pending_items(clients, user, params)


@router.get("/recent-activity", dependencies=[PENDING])
async def recent_activity(
    params: Annotated[ActivityQuery, Query()], user: CurrentUser, clients: ClientsDep
) -> ActivityPage:
    return await analytics.recent_activity(clients, user, params)


@router.get("/aum", dependencies=[AUM])
async def aum(user: CurrentUser, clients: ClientsDep) -> AumSeries:
    """Assets under management of the clients the user sees, with the year-to-date TWR."""
    return await analytics.aum(clients, user)


@router.get("/master-balance", dependencies=[AUM])
async def master_balance(user: CurrentUser, clients: ClientsDep) -> MasterBalance:
    """The master account's own value, sub-accounts excluded (needs master-account access)."""
    return await analytics.master_balance(clients, user)


@router.get("/corporate-actions", dependencies=[needs(Right.ACCOUNT_INFORMATION)])
async def corporate_actions(user: CurrentUser, clients: ClientsDep) -> CorporateActionList:
    return await analytics.corporate_actions(clients, user)


@router.post(
    "/corporate-actions/{action_id}/elections",
    status_code=201,
    dependencies=[needs(Right.ACCOUNT_INFORMATION)],
)
async def elect(
    action_id: ActionId, election: ElectionSubmit, user: CurrentUser, clients: ClientsDep
) -> ElectionView:
    """Submit an election on a voluntary corporate action for one affected account."""
    return await analytics.elect(clients, user, action_id, election)


@router.get("/messages", dependencies=[needs(Right.COMMUNICATION_CENTER)])
async def messages(user: CurrentUser, clients: ClientsDep) -> MessageList:
    return await analytics.recent_messages(clients, user)
