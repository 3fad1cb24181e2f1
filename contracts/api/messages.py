"""Communication center API (M1-M5, M8): sending a message, Sent By Me, per-recipient statuses,
the content as delivered, and the clients' Message Center."""

from __future__ import annotations

from datetime import datetime
from typing import Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, EmailStr, Field, model_validator

from contracts.accounts import Channel
from contracts.api.recipients import RecipientSelection
from contracts.messaging import DeliveryStatus, MessageOrigin

IDEMPOTENCY_KEY_MAX = 128
PAGE_SIZE = 50
BODY_MAX = 20_000


class MessageSend(BaseModel):
    """A message to send now: a template source (``body``) or a saved template (``template_id``),
    on one or more channels, to the recipients the selection names."""

    model_config = ConfigDict(extra="forbid")

    subject: str = Field(min_length=1, max_length=300)
    body: str | None = Field(default=None, min_length=1, max_length=BODY_MAX)
    template_id: UUID | None = None
    channels: list[Channel] = Field(min_length=1, max_length=3)
    recipients: RecipientSelection
    reply_to: EmailStr | None = None
    signature: str | None = Field(default=None, max_length=2000)
    with_banner: bool = False
    with_footer: bool = False
    master_name: str | None = Field(
        default=None,
        max_length=200,
        description="the firm's name for the master_name variable: set by the portal itself",
    )

    @model_validator(mode="after")
    def _one_source(self) -> Self:
        if (self.body is None) == (self.template_id is None):
            raise ValueError("give either body or template_id")
        self.channels = list(dict.fromkeys(self.channels))
        return self


class MessageAccepted(BaseModel):
    """What ``POST /messages`` answers: 202 for a new send, 200 for a repeated idempotency key."""

    id: UUID
    recipient_count: int
    channels: list[Channel]
    created_at: datetime
    resend_of: UUID | None = None


class MessageSummary(BaseModel):
    """A row of Sent By Me."""

    id: UUID
    subject: str
    origin: MessageOrigin
    channels: list[Channel]
    recipient_count: int
    created_at: datetime
    created_by_user_id: str | None
    resend_of: UUID | None
    statuses: dict[DeliveryStatus, int] = Field(
        default_factory=dict, description="deliveries per status (recipients x channels)"
    )


class MessagePage(BaseModel):
    items: list[MessageSummary]
    page: int
    page_size: int
    total: int


class RecipientDelivery(BaseModel):
    """One recipient on one channel."""

    contact_id: UUID
    account_number: str | None
    name: str
    channel: Channel
    status: DeliveryStatus | None = Field(description="None: not yet fanned out")
    attempts: int = 0
    reason: str | None = None
    updated_at: datetime | None = None


class MessageDetail(MessageSummary):
    body: str
    reply_to: str | None
    signature: str | None
    with_banner: bool
    with_footer: bool
    deliveries: list[RecipientDelivery]
    page: int
    page_size: int
    total_recipients: int


class RenderedContent(BaseModel):
    """One recipient's content on one channel, rendered again from the frozen inputs."""

    message_id: UUID
    contact_id: UUID
    channel: Channel
    subject: str
    html: str | None
    text: str
    sha256: str
    delivered_sha256: str | None
    matches_delivered: bool


class InboxItem(BaseModel):
    message_id: UUID
    subject: str
    html: str
    text: str
    created_at: datetime
    read_at: datetime | None


class InboxPage(BaseModel):
    contact_id: UUID
    items: list[InboxItem]
    unread: int
    page: int
    page_size: int
    total: int
