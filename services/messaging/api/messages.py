"""Routes: send a message (once per idempotency key), Sent By Me, one message's deliveries, the
content as delivered, resend, and the CSV export."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Header, Query, Response, status

from contracts.access import Right
from contracts.accounts import Channel
from contracts.api.messages import (
    IDEMPOTENCY_KEY_MAX,
    MessageAccepted,
    MessageDetail,
    MessagePage,
    MessageSend,
    RenderedContent,
)
from services.messaging.api.deps import DatabaseDep
from services.messaging.domain.messages import Message
from services.messaging.service_layer import sending, sent_messages
from services.runtime.caller import CallerDep, requires
from services.runtime.service import ClockDep

router = APIRouter(
    prefix="/messages",
    tags=["messages"],
    dependencies=[Depends(requires(Right.COMMUNICATION_CENTER))],
)

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=IDEMPOTENCY_KEY_MAX,
        pattern=r"^[\x21-\x7e]+$",
    ),
]
Page = Annotated[int, Query(ge=1, le=100_000)]


def _accepted(message: Message, new: bool, response: Response) -> MessageAccepted:
    response.status_code = status.HTTP_202_ACCEPTED if new else status.HTTP_200_OK
    return MessageAccepted(id=message.id, recipient_count=message.recipient_count,
                           channels=list(message.channels), created_at=message.created_at,
                           resend_of=message.resend_of)  # fmt: skip


@router.post("", status_code=status.HTTP_202_ACCEPTED)
async def send_message(
    command: MessageSend, idempotency_key: IdempotencyKey, caller: CallerDep,
    database: DatabaseDep, clock: ClockDep, response: Response,
) -> MessageAccepted:  # fmt: skip
    async with database.transaction() as uow:
        message, new = await sending.send_message(
            uow, caller, command, idempotency_key=idempotency_key, now=clock.now()
        )
    return _accepted(message, new, response)


@router.get("")
async def list_messages(
    caller: CallerDep, database: DatabaseDep, mine: bool = True, page: Page = 1
) -> MessagePage:
    async with database.queries() as uow:
        return await sent_messages.sent_messages(uow, caller, mine=mine, page=page)


@router.get("/{message_id}")
async def get_message(
    message_id: UUID, caller: CallerDep, database: DatabaseDep, page: Page = 1
) -> MessageDetail:
    async with database.queries() as uow:
        return await sent_messages.message_detail(uow, caller, message_id, page=page)


@router.get("/{message_id}/recipients/{contact_id}/rendered")
async def get_rendered(
    message_id: UUID, contact_id: UUID, channel: Channel, caller: CallerDep, database: DatabaseDep
) -> RenderedContent:
    async with database.queries() as uow:
        return await sent_messages.rendered_for(uow, caller, message_id, contact_id, channel)


@router.post("/{message_id}/resend", status_code=status.HTTP_202_ACCEPTED)
async def resend_message(
    message_id: UUID, idempotency_key: IdempotencyKey, caller: CallerDep, database: DatabaseDep,
    clock: ClockDep, response: Response,
) -> MessageAccepted:  # fmt: skip
    async with database.transaction() as uow:
        message, new = await sending.resend_message(
            uow, caller, message_id, idempotency_key=idempotency_key, now=clock.now()
        )
    return _accepted(message, new, response)


@router.get("/{message_id}/export.csv")
async def export_message(message_id: UUID, caller: CallerDep, database: DatabaseDep) -> Response:
    async with database.queries() as uow:
        body = await sent_messages.export_csv(uow, caller, message_id)
    return Response(body, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="message-{message_id}.csv"'})  # fmt: skip
