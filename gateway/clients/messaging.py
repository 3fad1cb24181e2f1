"""The messaging service (the communication center): templates and branding (M4, M6), sending a
message and following its deliveries (M1-M5), the recipients to choose from, a client's Message
Center, and the signed-in user's own notices (X3)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote
from uuid import UUID

from pydantic import TypeAdapter

from contracts.accounts import Channel
from contracts.api.broker_messages import (
    BrokerMessageDetail,
    BrokerMessagePage,
    BrokerRendered,
    EmailedDetails,
    InquiryCreate,
    InquiryOut,
)
from contracts.api.message_templates import (
    BrandingOut,
    BrandingUpdate,
    TemplateCheck,
    TemplateCheckOut,
    TemplateCreate,
    TemplateList,
    TemplateOut,
    TemplateUpdate,
    VariableList,
)
from contracts.api.messages import (
    InboxItem,
    InboxPage,
    MessageAccepted,
    MessageDetail,
    MessagePage,
    MessageSend,
    RenderedContent,
)
from contracts.api.notices import NoticeList, NoticeOut
from contracts.api.recipients import (
    RecipientGroupOut,
    RecipientPage,
    RecipientSelection,
    ResolvedRecipients,
    SignatureOption,
)
from gateway.clients.http import Download, NamedFile, ServiceClients, multipart
from gateway.store.users import User

GROUPS = TypeAdapter(list[RecipientGroupOut])
INQUIRIES = TypeAdapter(list[InquiryOut])
SIGNATURES = TypeAdapter(list[SignatureOption])


@dataclass(frozen=True)
class Accepted:
    """A send the service took: ``new`` is false when the idempotency key was seen before (the
    message of the first send, nothing sent again)."""

    message: MessageAccepted
    new: bool


# Templates (M6)


async def list_templates(clients: ServiceClients, user: User) -> TemplateList:
    return TemplateList.model_validate(await clients.messaging.json("GET", "/templates", user))


async def list_variables(clients: ServiceClients, user: User) -> VariableList:
    """The variables a template may use, with what each holds and a sample."""
    found = await clients.messaging.json("GET", "/templates/variables", user)
    return VariableList.model_validate(found)


async def create_template(
    clients: ServiceClients, user: User, template: TemplateCreate
) -> TemplateOut:
    body = template.model_dump(mode="json")
    return TemplateOut.model_validate(
        await clients.messaging.json("POST", "/templates", user, json=body)
    )


async def get_template(clients: ServiceClients, user: User, template_id: UUID) -> TemplateOut:
    found = await clients.messaging.json("GET", f"/templates/{template_id}", user)
    return TemplateOut.model_validate(found)


async def update_template(
    clients: ServiceClients, user: User, template_id: UUID, template: TemplateUpdate
) -> TemplateOut:
    body = template.model_dump(mode="json")
    return TemplateOut.model_validate(
        await clients.messaging.json("PUT", f"/templates/{template_id}", user, json=body)
    )


async def delete_template(clients: ServiceClients, user: User, template_id: UUID) -> None:
    await clients.messaging.call("DELETE", f"/templates/{template_id}", user)


async def check_template(
    clients: ServiceClients, user: User, check: TemplateCheck
) -> TemplateCheckOut:
    """422 naming each problem; else the message on each channel for a sample recipient."""
    body = check.model_dump(mode="json")
    return TemplateCheckOut.model_validate(
        await clients.messaging.json("POST", "/templates/check", user, json=body)
    )


# White branding (M4)


async def get_branding(clients: ServiceClients, user: User) -> BrandingOut:
    return BrandingOut.model_validate(await clients.messaging.json("GET", "/branding", user))


async def change_branding(
    clients: ServiceClients, user: User, branding: BrandingUpdate
) -> BrandingOut:
    body = branding.model_dump(mode="json")
    return BrandingOut.model_validate(
        await clients.messaging.json("PUT", "/branding", user, json=body)
    )


async def upload_logo(clients: ServiceClients, user: User, file: NamedFile) -> BrandingOut:
    return BrandingOut.model_validate(
        await clients.messaging.json("PUT", "/branding/logo", user, files=multipart(file))
    )


async def branding_logo(clients: ServiceClients, user: User) -> Download:
    return await clients.messaging.download("/branding/logo", user)


# Messages (M1-M5)


async def send_message(
    clients: ServiceClients, user: User, message: MessageSend, *, idempotency_key: str,
    master_name: str,
) -> Accepted:  # fmt: skip
    """Send once per ``idempotency_key``: the same key again answers the first send. The firm's
    name fills the ``master_name`` variable (whatever the caller gave)."""
    message = message.model_copy(update={"master_name": master_name})
    answer = await clients.messaging.call(
        "POST", "/messages", user, json=message.model_dump(mode="json", exclude_none=True),
        headers={"Idempotency-Key": idempotency_key},
    )  # fmt: skip
    return Accepted(MessageAccepted.model_validate(answer.json()), answer.status_code == 202)


async def list_messages(
    clients: ServiceClients, user: User, *, page: int = 1, mine: bool = True
) -> MessagePage:
    """Sent By Me (``mine``), newest first; else every message of the master."""
    params = {"page": page, "mine": str(mine).lower()}
    return MessagePage.model_validate(
        await clients.messaging.json("GET", "/messages", user, params=params)
    )


async def get_message(
    clients: ServiceClients, user: User, message_id: UUID, *, page: int = 1
) -> MessageDetail:
    """A message with one page of its deliveries (recipients x channels)."""
    found = await clients.messaging.json(
        "GET", f"/messages/{message_id}", user, params={"page": page}
    )
    return MessageDetail.model_validate(found)


async def rendered_content(
    clients: ServiceClients, user: User, message_id: UUID, contact_id: UUID, channel: Channel
) -> RenderedContent:
    """What the recipient got on ``channel``, rendered again, and whether it hashes the same."""
    path = f"/messages/{message_id}/recipients/{contact_id}/rendered"
    found = await clients.messaging.json("GET", path, user, params={"channel": channel.value})
    return RenderedContent.model_validate(found)


async def resend_message(
    clients: ServiceClients, user: User, message_id: UUID, *, idempotency_key: str
) -> Accepted:
    """The message again, to all its recipients, as a new message (once per key)."""
    answer = await clients.messaging.call(
        "POST", f"/messages/{message_id}/resend", user,
        headers={"Idempotency-Key": idempotency_key},
    )  # fmt: skip
    return Accepted(MessageAccepted.model_validate(answer.json()), answer.status_code == 202)


async def export_message(clients: ServiceClients, user: User, message_id: UUID) -> Download:
    """Every delivery of the message as CSV."""
    return await clients.messaging.download(f"/messages/{message_id}/export.csv", user)


# Sent By Broker (M7)


def _broker(message_id: str) -> str:
    return f"/broker-messages/{quote(message_id, safe='')}"


async def list_broker_messages(
    clients: ServiceClients, user: User, *, page: int = 1
) -> BrokerMessagePage:
    """The master's copies of broker messages about its clients, newest first."""
    found = await clients.messaging.json("GET", "/broker-messages", user, params={"page": page})
    return BrokerMessagePage.model_validate(found)


async def get_broker_message(
    clients: ServiceClients, user: User, message_id: str
) -> BrokerMessageDetail:
    """A copy's template, variables and recipient accounts (those in the user's scope)."""
    found = await clients.messaging.json("GET", _broker(message_id), user)
    return BrokerMessageDetail.model_validate(found)


async def broker_rendered(
    clients: ServiceClients, user: User, message_id: str, account_number: str, channel: Channel
) -> BrokerRendered:
    """The broker message as one recipient account receives it on ``channel``."""
    path = f"{_broker(message_id)}/recipients/{quote(account_number, safe='')}/rendered"
    found = await clients.messaging.json("GET", path, user, params={"channel": channel.value})
    return BrokerRendered.model_validate(found)


async def email_broker_message(
    clients: ServiceClients, user: User, message_id: str
) -> EmailedDetails:
    """Email the user the full details (each recipient's content attached)."""
    found = await clients.messaging.json("POST", f"{_broker(message_id)}/email-me", user)
    return EmailedDetails.model_validate(found)


async def submit_broker_inquiry(
    clients: ServiceClients, user: User, message_id: str, inquiry: InquiryCreate
) -> InquiryOut:
    found = await clients.messaging.json(
        "POST", f"{_broker(message_id)}/inquiries", user, json=inquiry.model_dump(mode="json")
    )
    return InquiryOut.model_validate(found)


async def broker_inquiries(
    clients: ServiceClients, user: User, message_id: str
) -> list[InquiryOut]:
    found = await clients.messaging.json("GET", f"{_broker(message_id)}/inquiries", user)
    return INQUIRIES.validate_python(found)


async def close_broker_inquiry(
    clients: ServiceClients, user: User, message_id: str, inquiry_id: UUID
) -> InquiryOut:
    found = await clients.messaging.json(
        "POST", f"{_broker(message_id)}/inquiries/{inquiry_id}/close", user
    )
    return InquiryOut.model_validate(found)


async def delete_broker_message(clients: ServiceClients, user: User, message_id: str) -> None:
    await clients.messaging.call("DELETE", _broker(message_id), user)


# Recipients (M3, X4) and signatures (M4)


async def list_recipients(
    clients: ServiceClients,
    user: User,
    *,
    q: str | None = None,
    group_id: UUID | None = None,
    page: int = 1,
    page_size: int = 50,
) -> RecipientPage:
    """Open client accounts the user may message, found by account number, name or title."""
    params: dict[str, str | int] = {"page": page, "page_size": page_size}
    if q:
        params["q"] = q
    if group_id:
        params["group_id"] = str(group_id)
    return RecipientPage.model_validate(
        await clients.messaging.json("GET", "/recipients", user, params=params)
    )


async def recipient_groups(clients: ServiceClients, user: User) -> list[RecipientGroupOut]:
    return GROUPS.validate_python(await clients.messaging.json("GET", "/recipient-groups", user))


async def resolve_recipients(
    clients: ServiceClients, user: User, selection: RecipientSelection
) -> ResolvedRecipients:
    """Who the selection reaches, each once (a household folded into its head)."""
    body = selection.model_dump(mode="json")
    return ResolvedRecipients.model_validate(
        await clients.messaging.json("POST", "/recipients/resolve", user, json=body)
    )


async def signatures(clients: ServiceClients, user: User) -> list[SignatureOption]:
    """The master's active users: who may sign a message and receive its replies."""
    return SIGNATURES.validate_python(await clients.messaging.json("GET", "/signatures", user))


# A client's Message Center


async def client_inbox(
    clients: ServiceClients, user: User, contact_id: UUID, *, unread: bool = False, page: int = 1
) -> InboxPage:
    params = {"unread": str(unread).lower(), "page": page}
    found = await clients.messaging.json("GET", f"/clients/{contact_id}/inbox", user, params=params)
    return InboxPage.model_validate(found)


async def client_inbox_item(
    clients: ServiceClients, user: User, contact_id: UUID, message_id: UUID
) -> InboxItem:
    found = await clients.messaging.json("GET", f"/clients/{contact_id}/inbox/{message_id}", user)
    return InboxItem.model_validate(found)


async def mark_inbox_read(
    clients: ServiceClients, user: User, contact_id: UUID, message_id: UUID
) -> None:
    await clients.messaging.call("POST", f"/clients/{contact_id}/inbox/{message_id}/read", user)


# The signed-in user's own notices (X3)


async def my_notices(clients: ServiceClients, user: User) -> NoticeList:
    return NoticeList.model_validate(await clients.messaging.json("GET", "/notices", user))


async def read_notice(clients: ServiceClients, user: User, notice_id: UUID) -> NoticeOut:
    found = await clients.messaging.json("POST", f"/notices/{notice_id}/read", user)
    return NoticeOut.model_validate(found)
