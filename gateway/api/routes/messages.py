"""/api/v1: sending a message (once per Idempotency-Key), Sent By Me, a message's deliveries and
their content as delivered, resending, the CSV export (M1-M5); the recipients to choose from
and the users who may sign (M3, M4, X4); a client's Message Center. Owned by the messaging
service."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Response, status

from contracts.access import Right
from contracts.accounts import Channel
from contracts.api.messages import (
    IDEMPOTENCY_KEY_MAX,
    InboxItem,
    InboxPage,
    MessageAccepted,
    MessageDetail,
    MessagePage,
    MessageSend,
    RenderedContent,
)
from contracts.api.recipients import (
    MAX_PAGE_SIZE,
    RecipientGroupOut,
    RecipientPage,
    RecipientSelection,
    ResolvedRecipients,
    SignatureOption,
)
from gateway.api.responses import CSV, NOT_FOUND, SERVICE_CALL, Responses, file_download
from gateway.auth.deps import CurrentUser
from gateway.auth.rights import needs
from gateway.clients import messaging
from gateway.clients.messaging import Accepted
from gateway.deps import ClientsDep, DatabaseDep
from gateway.downloads import passthrough_download
from gateway.people import master_name

router = APIRouter(
    tags=["messages"], responses=SERVICE_CALL, dependencies=[needs(Right.COMMUNICATION_CENTER)]
)

IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=IDEMPOTENCY_KEY_MAX,
        pattern=r"^[\x21-\x7e]+$",
        description="chosen by the caller (a UUID): the same key again sends nothing more and "
        "answers the first send",
    ),
]
Page = Annotated[int, Query(ge=1, le=100_000)]
REPEATED: Responses = {
    200: {"description": "the key was used before: the message of the first send"}
}


def _answer(accepted: Accepted, response: Response) -> MessageAccepted:
    response.status_code = status.HTTP_202_ACCEPTED if accepted.new else status.HTTP_200_OK
    return accepted.message


@router.post("/messages", status_code=status.HTTP_202_ACCEPTED, responses=REPEATED)
async def send_message(
    body: MessageSend, idempotency_key: IdempotencyKey, user: CurrentUser, clients: ClientsDep,
    response: Response, database: DatabaseDep,
) -> MessageAccepted:  # fmt: skip
    """Send a message now (a body or a saved template) on its channels to the recipients
    selected; delivery goes on in the background (follow it at ``GET /messages/{id}``)."""
    accepted = await messaging.send_message(clients, user, body, idempotency_key=idempotency_key,
                                            master_name=await master_name(database, user))  # fmt: skip
    return _answer(accepted, response)


@router.get("/messages")
async def list_messages(
    user: CurrentUser, clients: ClientsDep, mine: bool = True, page: Page = 1
) -> MessagePage:
    """Sent By Me (``mine=false``: every message of the master), newest first."""
    return await messaging.list_messages(clients, user, page=page, mine=mine)


@router.get("/messages/{message_id}", responses=NOT_FOUND)
async def get_message(
    message_id: UUID, user: CurrentUser, clients: ClientsDep, page: Page = 1
) -> MessageDetail:
    """The message, its status counts and a page of its deliveries (recipient x channel)."""
    return await messaging.get_message(clients, user, message_id, page=page)


@router.get("/messages/{message_id}/recipients/{contact_id}/rendered", responses=NOT_FOUND)
async def rendered_content(
    message_id: UUID, contact_id: UUID, channel: Channel, user: CurrentUser, clients: ClientsDep
) -> RenderedContent:
    """What the recipient got on the channel, and whether it hashes as delivered."""
    return await messaging.rendered_content(clients, user, message_id, contact_id, channel)


@router.post(
    "/messages/{message_id}/resend", status_code=status.HTTP_202_ACCEPTED,
    responses={**REPEATED, **NOT_FOUND},
)  # fmt: skip
async def resend_message(
    message_id: UUID, idempotency_key: IdempotencyKey, user: CurrentUser, clients: ClientsDep,
    response: Response,
) -> MessageAccepted:  # fmt: skip
    """The message again, to all its recipients, as a new message."""
    accepted = await messaging.resend_message(
        clients, user, message_id, idempotency_key=idempotency_key
    )
    return _answer(accepted, response)


@router.get(
    "/messages/{message_id}/export.csv",
    response_class=Response,
    responses={**file_download(CSV, "every delivery of the message"), **NOT_FOUND},
)
async def export_message(message_id: UUID, user: CurrentUser, clients: ClientsDep) -> Response:
    return passthrough_download(await messaging.export_message(clients, user, message_id))


@router.get("/recipients")
async def list_recipients(
    user: CurrentUser,
    clients: ClientsDep,
    q: Annotated[
        str | None, Query(max_length=100, description="account number, name or title")
    ] = None,
    group_id: UUID | None = None,
    page: Page = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> RecipientPage:
    """Open client accounts the user may message (within their client scope)."""
    return await messaging.list_recipients(
        clients, user, q=q, group_id=group_id, page=page, page_size=page_size
    )


@router.get("/recipient-groups")
async def recipient_groups(user: CurrentUser, clients: ClientsDep) -> list[RecipientGroupOut]:
    """Groups to select recipients by, with their open client accounts."""
    return await messaging.recipient_groups(clients, user)


@router.post("/recipients/resolve")
async def resolve_recipients(
    body: RecipientSelection, user: CurrentUser, clients: ClientsDep
) -> ResolvedRecipients:
    """Who a selection reaches, each once (with ``per_household``, a household's head)."""
    return await messaging.resolve_recipients(clients, user, body)


@router.get("/signatures")
async def signatures(user: CurrentUser, clients: ClientsDep) -> list[SignatureOption]:
    """The master's active users: a message's signature, and its reply-to address."""
    return await messaging.signatures(clients, user)


@router.get("/contacts/{contact_id}/message-center", responses=NOT_FOUND)
async def client_message_center(
    contact_id: UUID, user: CurrentUser, clients: ClientsDep, unread: bool = False, page: Page = 1
) -> InboxPage:
    """The client's Message Center: what was delivered to them, read or unread."""
    return await messaging.client_inbox(clients, user, contact_id, unread=unread, page=page)


@router.get("/contacts/{contact_id}/message-center/{message_id}", responses=NOT_FOUND)
async def client_message(
    contact_id: UUID, message_id: UUID, user: CurrentUser, clients: ClientsDep
) -> InboxItem:
    """One message in the client's Message Center, as delivered."""
    return await messaging.client_inbox_item(clients, user, contact_id, message_id)


@router.post(
    "/contacts/{contact_id}/message-center/{message_id}/read",
    status_code=status.HTTP_204_NO_CONTENT, responses=NOT_FOUND,
)  # fmt: skip
async def mark_read(
    contact_id: UUID, message_id: UUID, user: CurrentUser, clients: ClientsDep
) -> None:
    await messaging.mark_inbox_read(clients, user, contact_id, message_id)
