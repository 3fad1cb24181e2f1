"""Routes: a client's Message Center (what messages delivered to them, read or unread)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, status

from contracts.access import Right
from contracts.api.messages import InboxItem, InboxPage
from services.messaging.api.deps import DatabaseDep
from services.messaging.service_layer import sent_messages
from services.runtime.caller import CallerDep, requires
from services.runtime.service import ClockDep

router = APIRouter(
    prefix="/clients/{contact_id}/inbox", tags=["inbox"],
    dependencies=[Depends(requires(Right.COMMUNICATION_CENTER))],
)  # fmt: skip


@router.get("")
async def client_inbox(
    contact_id: UUID, caller: CallerDep, database: DatabaseDep, unread: bool = False,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> InboxPage:  # fmt: skip
    async with database.queries() as uow:
        return await sent_messages.client_inbox(uow, caller, contact_id, unread_only=unread,
                                                page=page)  # fmt: skip


@router.get("/{message_id}")
async def client_inbox_item(
    contact_id: UUID, message_id: UUID, caller: CallerDep, database: DatabaseDep
) -> InboxItem:
    async with database.queries() as uow:
        return await sent_messages.client_inbox_item(uow, caller, contact_id, message_id)


@router.post("/{message_id}/read", status_code=status.HTTP_204_NO_CONTENT)
async def mark_read(
    contact_id: UUID, message_id: UUID, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> None:
    async with database.transaction() as uow:
        await sent_messages.mark_inbox_read(uow, caller, contact_id, message_id, now=clock.now())
