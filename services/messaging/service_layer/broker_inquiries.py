"""Inquiries about Sent By Broker copies (M7): a master user asks the broker about one of its
copies; the broker's answer arrives as an external event (``broker_message.inquiry_answered``);
a user closes an inquiry when there is nothing more to ask. Open -> answered -> closed (an
open one may be closed too); each change is kept with its time and announced."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import structlog

from contracts import topics
from contracts.accounts import BrokerInquiryAnswered
from contracts.api.broker_messages import InquiryOut
from contracts.messaging import BrokerInquiryClosed, BrokerInquiryCreated
from services.messaging.domain.broker_messages import BrokerInquiry, new_inquiry
from services.messaging.service_layer.broker_messages import reachable_copy
from services.messaging.service_layer.unit_of_work import MessagingUnitOfWork
from services.runtime.caller import Caller
from services.runtime.consumers import Delivery
from services.runtime.errors import NotFound

log = structlog.get_logger(__name__)


def inquiry_out(inquiry: BrokerInquiry) -> InquiryOut:
    return InquiryOut(id=inquiry.id, broker_message_id=inquiry.broker_message_id,
                      user_id=inquiry.user_id, text=inquiry.text, status=inquiry.status,
                      created_at=inquiry.created_at, updated_at=inquiry.updated_at,
                      answer=inquiry.answer, answered_at=inquiry.answered_at)  # fmt: skip


async def submit_inquiry(
    uow: MessagingUnitOfWork, caller: Caller, message_id: str, text: str, *, now: datetime
) -> InquiryOut:
    copy = await reachable_copy(uow, caller, message_id)
    inquiry = new_inquiry(master_account_id=caller.master_account_id,
                          broker_message_id=copy.message_id, user_id=caller.user_id, text=text,
                          now=now)  # fmt: skip
    await uow.broker_messages.add_inquiry(inquiry)
    await uow.publish(
        topics.MESSAGING.name,
        BrokerInquiryCreated(
            inquiry_id=inquiry.id,
            broker_message_id=copy.message_id,
            master_account_id=caller.master_account_id,
            user_id=caller.user_id,
            text=inquiry.text,
        ),
        master_account_id=caller.master_account_id,
    )
    return inquiry_out(inquiry)


async def inquiries_of(
    uow: MessagingUnitOfWork, caller: Caller, message_id: str
) -> list[InquiryOut]:
    copy = await reachable_copy(uow, caller, message_id)
    found = await uow.broker_messages.inquiries(master_account_id=caller.master_account_id,
                                                message_id=copy.message_id)  # fmt: skip
    return [inquiry_out(i) for i in found]


async def close_inquiry(
    uow: MessagingUnitOfWork, caller: Caller, message_id: str, inquiry_id: UUID, *, now: datetime
) -> InquiryOut:
    """Close one of the copy's inquiries; closing a closed one, or another's, is not found."""
    copy = await reachable_copy(uow, caller, message_id)
    closed = await uow.broker_messages.close_inquiry(
        inquiry_id=inquiry_id, master_account_id=caller.master_account_id,
        message_id=copy.message_id, at=now,
    )  # fmt: skip
    if closed is None:
        raise NotFound("open inquiry")
    await uow.publish(
        topics.MESSAGING.name,
        BrokerInquiryClosed(inquiry_id=inquiry_id, broker_message_id=copy.message_id,
                            master_account_id=caller.master_account_id, user_id=caller.user_id),
        master_account_id=caller.master_account_id,
    )  # fmt: skip
    return inquiry_out(closed)


async def apply_inquiry_answers(
    deliveries: Sequence[Delivery[Any]], uow: MessagingUnitOfWork
) -> None:
    """The broker's answers: an open inquiry of that master becomes answered (a repeat, or an
    answer to a closed or unknown inquiry, changes nothing)."""
    for delivery in deliveries:
        event: BrokerInquiryAnswered = delivery.event
        answered = await uow.broker_messages.answer_inquiry(
            inquiry_id=event.inquiry_id, master_account_id=event.master_account_id,
            answer=event.answer, at=event.answered_at,
        )  # fmt: skip
        if not answered:
            log.info("answer to no open inquiry", inquiry_id=str(event.inquiry_id))
