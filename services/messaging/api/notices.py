"""Routes: the signed-in user's own Message Center (X3 reminders and other notices). Any user
of the master reaches their own notices; no right is needed, and another user's is not found."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from contracts.api.notices import NoticeList, NoticeOut
from services.messaging.api.deps import DatabaseDep
from services.messaging.service_layer import notices
from services.runtime.caller import CallerDep
from services.runtime.service import ClockDep

router = APIRouter(prefix="/notices", tags=["notices"])


@router.get("")
async def list_notices(caller: CallerDep, database: DatabaseDep) -> NoticeList:
    async with database.queries() as uow:
        return await notices.my_notices(uow, caller)


@router.post("/{notice_id}/read")
async def read_notice(
    notice_id: UUID, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> NoticeOut:
    async with database.transaction() as uow:
        return await notices.read_notice(uow, caller, notice_id, now=clock.now())
