"""/api/v1/contacts/{id}/timeline: one client's timeline across every service (X6)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from contracts.access import Right
from contracts.api.analytics_history import TimelinePage, TimelineQuery
from gateway.api.responses import SERVICE_CALL
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import analytics
from gateway.deps import ClientsDep

router = APIRouter(tags=["timeline"], responses=SERVICE_CALL, dependencies=[needs(Right.CRM)])


@router.get("/contacts/{contact_id}/timeline")
async def contact_timeline(
    contact_id: UUID,
    params: Annotated[TimelineQuery, Query()],
    user: CurrentUser,
    clients: ClientsDep,
) -> TimelinePage:
    return await analytics.contact_timeline(clients, user, contact_id, params)
