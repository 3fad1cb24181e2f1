"""/api/v1: the signed-in user's own notices (X3 reminders and others); any user reaches their
own, and another user's is not found."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from contracts.api.notices import NoticeList, NoticeOut
from gateway.api.responses import NOT_FOUND, SERVICE_CALL
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs_login
from gateway.clients import messaging
from gateway.deps import ClientsDep

router = APIRouter(tags=["notices"], responses=SERVICE_CALL, dependencies=[needs_login()])


@router.get("/notices")
async def my_notices(user: CurrentUser, clients: ClientsDep) -> NoticeList:
    """The newest notices, and how many of all are unread."""
    return await messaging.my_notices(clients, user)


@router.post("/notices/{notice_id}/read", responses=NOT_FOUND)
async def read_notice(notice_id: UUID, user: CurrentUser, clients: ClientsDep) -> NoticeOut:
    return await messaging.read_notice(clients, user, notice_id)
