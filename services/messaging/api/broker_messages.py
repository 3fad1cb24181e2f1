"""Routes: Sent By Broker (M7) — the master's copies of broker messages, one copy's template and
recipients, the content as one account receives it, email me the details, inquiries, delete."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, status

from contracts.access import Right
from contracts.accounts import Channel
from contracts.api.broker_messages import (
    BROKER_MESSAGE_ID,
    BrokerMessageDetail,
    BrokerMessagePage,
    BrokerRendered,
    EmailedDetails,
    InquiryCreate,
    InquiryOut,
)
from services.messaging.api.deps import DatabaseDep, EmailSenderDep
from services.messaging.service_layer import broker_inquiries, broker_messages
from services.runtime.caller import CallerDep, requires
from services.runtime.service import ClockDep

router = APIRouter(tags=["broker messages"])
sent_by_broker = APIRouter(
    prefix="/broker-messages", dependencies=[Depends(requires(Right.COMMUNICATION_CENTER))]
)
# what an account receives: shown in Sent By Broker and in To Be Sent By Broker (staging)
content = APIRouter(
    prefix="/broker-messages",
    dependencies=[Depends(requires(Right.COMMUNICATION_CENTER, Right.MESSAGE_STAGING))],
)

MessageId = Annotated[str, Path(pattern=BROKER_MESSAGE_ID)]
Account = Annotated[str, Path(min_length=1, max_length=32)]
Page = Annotated[int, Query(ge=1, le=100_000)]


@sent_by_broker.get("")
async def list_broker_messages(
    caller: CallerDep, database: DatabaseDep, page: Page = 1
) -> BrokerMessagePage:
    async with database.queries() as uow:
        return await broker_messages.broker_message_page(uow, caller, page=page)


@sent_by_broker.get("/{message_id}")
async def get_broker_message(
    message_id: MessageId, caller: CallerDep, database: DatabaseDep
) -> BrokerMessageDetail:
    async with database.queries() as uow:
        return await broker_messages.broker_message_detail(uow, caller, message_id)


@content.get("/{message_id}/recipients/{account_number}/rendered")
async def get_rendered(
    message_id: MessageId, account_number: Account, channel: Channel, caller: CallerDep,
    database: DatabaseDep,
) -> BrokerRendered:  # fmt: skip
    async with database.queries() as uow:
        return await broker_messages.rendered_for_account(
            uow, caller, message_id, account_number, channel
        )


@sent_by_broker.post("/{message_id}/email-me")
async def email_me(
    message_id: MessageId, caller: CallerDep, database: DatabaseDep, sender: EmailSenderDep,
    clock: ClockDep,
) -> EmailedDetails:  # fmt: skip
    async with database.queries() as uow:
        return await broker_messages.email_me(uow, caller, message_id, transport=sender.transport,
                                              sender=sender.sender, now=clock.now())  # fmt: skip


@sent_by_broker.post("/{message_id}/inquiries", status_code=status.HTTP_201_CREATED)
async def submit_inquiry(
    message_id: MessageId, command: InquiryCreate, caller: CallerDep, database: DatabaseDep,
    clock: ClockDep,
) -> InquiryOut:  # fmt: skip
    async with database.transaction() as uow:
        return await broker_inquiries.submit_inquiry(uow, caller, message_id, command.text,
                                                     now=clock.now())  # fmt: skip


@sent_by_broker.get("/{message_id}/inquiries")
async def list_inquiries(
    message_id: MessageId, caller: CallerDep, database: DatabaseDep
) -> list[InquiryOut]:
    async with database.queries() as uow:
        return await broker_inquiries.inquiries_of(uow, caller, message_id)


@sent_by_broker.post("/{message_id}/inquiries/{inquiry_id}/close")
async def close_inquiry(
    message_id: MessageId, inquiry_id: UUID, caller: CallerDep, database: DatabaseDep,
    clock: ClockDep,
) -> InquiryOut:  # fmt: skip
    async with database.transaction() as uow:
        return await broker_inquiries.close_inquiry(uow, caller, message_id, inquiry_id,
                                                    now=clock.now())  # fmt: skip


@sent_by_broker.delete("/{message_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_broker_message(
    message_id: MessageId, caller: CallerDep, database: DatabaseDep, clock: ClockDep
) -> None:
    async with database.transaction() as uow:
        await broker_messages.delete_broker_message(uow, caller, message_id, now=clock.now())


router.include_router(sent_by_broker)
router.include_router(content)
