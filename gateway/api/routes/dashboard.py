"""/api/v1/dashboard: the dashboard's read models (owned by the analytics service)."""

from __future__ import annotations

from fastapi import APIRouter

from contracts.access import Right
from contracts.api.analytics import ContactStatistics
from gateway.api.responses import SERVICE_CALL
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import analytics
from gateway.deps import ClientsDep

router = APIRouter(
    prefix="/dashboard", tags=["dashboard"], responses=SERVICE_CALL, dependencies=[needs(Right.CRM)]
)


@router.get("/statistics")
async def statistics(user: CurrentUser, clients: ClientsDep) -> ContactStatistics:
    return await analytics.contact_statistics(clients, user)
