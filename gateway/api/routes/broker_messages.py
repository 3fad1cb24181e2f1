"""/api/v1: Sent By Broker (M7) — the master's copies of broker-originated messages about its
clients (template, variables, recipient accounts), the content as one account receives it,
email me the details, inquiries, delete. Owned by the messaging service."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Query, status

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
from gateway.api.responses import NOT_FOUND, SERVICE_CALL
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import messaging
from gateway.deps import ClientsDep

router = APIRouter(tags=["broker messages"], responses=SERVICE_CALL)
sent_by_broker = APIRouter(
    prefix="/broker-messages", dependencies=[needs(Right.COMMUNICATION_CENTER)]
)
# what an account receives is shown in Sent By Broker and in To Be Sent By Broker (staging)
content = APIRouter(
    prefix="/broker-messages",
    dependencies=[needs(Right.COMMUNICATION_CENTER, Right.MESSAGE_STAGING)],
)

MessageId = Annotated[str, Path(pattern=BROKER_MESSAGE_ID, description="the broker's id")]
Account = Annotated[str, Path(min_length=1, max_length=32)]
Page = Annotated[int, Query(ge=1, le=100_000)]


@sent_by_broker.get("")
async def list_broker_messages(
    user: CurrentUser, clients: ClientsDep, page: Page = 1
) -> BrokerMessagePage:
    """Sent By Broker, newest first: the messages about clients in the user's scope."""
    return await messaging.list_broker_messages(clients, user, page=page)


@sent_by_broker.get("/{message_id}", responses=NOT_FOUND)
async def get_broker_message(
    message_id: MessageId, user: CurrentUser, clients: ClientsDep
) -> BrokerMessageDetail:
    """The template with its variables and the recipient accounts (in the user's scope)."""
    return await messaging.get_broker_message(clients, user, message_id)


@content.get("/{message_id}/recipients/{account_number}/rendered", responses=NOT_FOUND)
async def broker_rendered(
    message_id: MessageId, account_number: Account, channel: Channel, user: CurrentUser,
    clients: ClientsDep,
) -> BrokerRendered:  # fmt: skip
    """The message as the account receives it on the channel."""
    return await messaging.broker_rendered(clients, user, message_id, account_number, channel)


@sent_by_broker.post("/{message_id}/email-me", responses=NOT_FOUND)
async def email_broker_message(
    message_id: MessageId, user: CurrentUser, clients: ClientsDep
) -> EmailedDetails:
    """Email the full details to the user's own address (422 if they have none)."""
    return await messaging.email_broker_message(clients, user, message_id)


@sent_by_broker.post(
    "/{message_id}/inquiries", status_code=status.HTTP_201_CREATED, responses=NOT_FOUND
)
async def submit_inquiry(
    message_id: MessageId, body: InquiryCreate, user: CurrentUser, clients: ClientsDep
) -> InquiryOut:
    """Ask the broker about the message (at most 2,000 characters)."""
    return await messaging.submit_broker_inquiry(clients, user, message_id, body)


@sent_by_broker.get("/{message_id}/inquiries", responses=NOT_FOUND)
async def list_inquiries(
    message_id: MessageId, user: CurrentUser, clients: ClientsDep
) -> list[InquiryOut]:
    return await messaging.broker_inquiries(clients, user, message_id)


@sent_by_broker.post("/{message_id}/inquiries/{inquiry_id}/close", responses=NOT_FOUND)
async def close_inquiry(
    message_id: MessageId, inquiry_id: UUID, user: CurrentUser, clients: ClientsDep
) -> InquiryOut:
    """Close an inquiry (answered by the broker, or no longer needed); 404 once closed."""
    return await messaging.close_broker_inquiry(clients, user, message_id, inquiry_id)


@sent_by_broker.delete("/{message_id}", status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND)
async def delete_broker_message(
    message_id: MessageId, user: CurrentUser, clients: ClientsDep
) -> None:
    """Delete the master's copy (hidden from its lists; other masters keep theirs)."""
    await messaging.delete_broker_message(clients, user, message_id)


router.include_router(sent_by_broker)
router.include_router(content)
