"""/api/v1/dashboard: the dashboard's read models (owned by the analytics service)."""

from __future__ import annotations

from fastapi import APIRouter

from contracts.api.analytics import ContactStatistics
from gateway.api.deps import ClientsDep
from gateway.auth.deps import CurrentUser

router = APIRouter(prefix="/dashboard", tags=["dashboard"])


@router.get("/statistics")
async def statistics(user: CurrentUser, clients: ClientsDep) -> ContactStatistics:
    return ContactStatistics.model_validate(
        await clients.analytics.json("GET", "/statistics/contacts", user)
    )
