"""Events of the communication center (services/messaging).

- ``messaging.message_sent``: a message was accepted for delivery (public, on ``MESSAGING``);
- ``messaging.delivery_changed``: deliveries of one message on one channel reached a status
  other systems may follow (public, on ``MESSAGING``). Batched: one event names every recipient
  of a fan-out chunk that took the status together (an email's outcome names one);
- ``messaging.broker_inquiry_created`` / ``messaging.broker_inquiry_closed`` /
  ``messaging.broker_message_deleted``: a master asked the broker about one of its Sent By
  Broker copies, closed such an inquiry, or deleted its copy (public, on ``MESSAGING``);
- ``messaging.delivery_batch``: the internal fan-out unit, one chunk of a message's recipients
  (on ``MESSAGING_FANOUT``, keyed by message id and chunk number so chunks spread over
  partitions and replicas);
- ``messaging.bulletins_posted``: trading-platform bulletins, one per account, for the accounts
  of one fan-out chunk (on ``BULLETINS``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from contracts.accounts import Channel
from contracts.envelope import ContractModel, Envelope, Event

FANOUT_CHUNK_MAX = 1000
"""Recipients in one ``messaging.delivery_batch`` at most (the sender uses 500)."""


class MessageOrigin(StrEnum):
    COMPOSED = "composed"  # by a user of the master (the communication center)
    BROKER = "broker"  # a broker-originated message delivered on the master's behalf


class DeliveryStatus(StrEnum):
    QUEUED = "queued"  # email: waiting for (another) attempt
    SENT = "sent"  # email handed to the mail server; bulletin published
    DELIVERED = "delivered"  # in the client's Message Center
    FAILED = "failed"  # given up, with the reason
    BOUNCED = "bounced"  # reported back by the mail system after sending


TERMINAL_STATUSES = frozenset(
    {DeliveryStatus.SENT, DeliveryStatus.DELIVERED, DeliveryStatus.FAILED, DeliveryStatus.BOUNCED}
)


class MessageSent(Event):
    """A message was accepted: its recipients are frozen and its fan-out is on its way."""

    type: Literal["messaging.message_sent"] = "messaging.message_sent"
    message_id: UUID
    master_account_id: str = Field(max_length=32)
    subject: str = Field(max_length=300)
    channels: list[Channel] = Field(min_length=1, max_length=3)
    recipient_count: int = Field(ge=0)
    origin: MessageOrigin = MessageOrigin.COMPOSED
    sent_by_user_id: str | None = Field(default=None, max_length=64)
    resend_of: UUID | None = None

    def partition_key(self) -> str:
        return str(self.message_id)


class DeliveryChanged(Event):
    """Deliveries of one message on one channel took ``status`` (published for statuses other
    systems may follow: Message Center delivered, bulletin sent, email sent or failed)."""

    type: Literal["messaging.delivery_changed"] = "messaging.delivery_changed"
    message_id: UUID
    contact_ids: list[UUID] = Field(min_length=1, max_length=FANOUT_CHUNK_MAX)
    channel: Channel
    status: DeliveryStatus
    reason: str | None = Field(default=None, max_length=500)
    attempt: int = Field(default=1, ge=0)

    def partition_key(self) -> str:
        return str(self.message_id)


class DeliveryBatch(Event):
    """One chunk of a message's recipients to deliver on every channel of the message."""

    type: Literal["messaging.delivery_batch"] = "messaging.delivery_batch"
    message_id: UUID
    master_account_id: str = Field(max_length=32)
    chunk: int = Field(ge=0)
    contact_ids: list[UUID] = Field(min_length=1, max_length=FANOUT_CHUNK_MAX)

    def partition_key(self) -> str:
        return f"{self.message_id}/{self.chunk}"


class Bulletin(ContractModel):
    """A trading-platform bulletin for one client account (plain text)."""

    account_number: str | None = Field(default=None, max_length=32)
    contact_id: UUID
    subject: str = Field(max_length=300)
    text: str


class BulletinsPosted(Event):
    """Bulletins of one message for several client accounts (those of one fan-out chunk, split
    so that an event stays well under the broker's message size limit)."""

    type: Literal["messaging.bulletins_posted"] = "messaging.bulletins_posted"
    master_account_id: str = Field(max_length=32)
    message_id: UUID
    part: str = Field(max_length=80, description="which chunk and part: unique per message")
    bulletins: list[Bulletin] = Field(min_length=1, max_length=FANOUT_CHUNK_MAX)

    def partition_key(self) -> str:
        return f"{self.message_id}/{self.part}"


class BrokerInquiryCreated(Event):
    """A master user submitted an inquiry about a broker message (for the broker to answer)."""

    type: Literal["messaging.broker_inquiry_created"] = "messaging.broker_inquiry_created"
    inquiry_id: UUID
    broker_message_id: str = Field(max_length=64)
    master_account_id: str = Field(max_length=32)
    user_id: str = Field(max_length=64)
    text: str = Field(max_length=2000)

    def partition_key(self) -> str:
        return self.broker_message_id


class BrokerInquiryClosed(Event):
    """A master user closed an inquiry (answered or not: nothing more to ask)."""

    type: Literal["messaging.broker_inquiry_closed"] = "messaging.broker_inquiry_closed"
    inquiry_id: UUID
    broker_message_id: str = Field(max_length=64)
    master_account_id: str = Field(max_length=32)
    user_id: str = Field(max_length=64)

    def partition_key(self) -> str:
        return self.broker_message_id


class BrokerMessageDeleted(Event):
    """A master deleted its copy of a broker message (hidden from its lists from now on)."""

    type: Literal["messaging.broker_message_deleted"] = "messaging.broker_message_deleted"
    broker_message_id: str = Field(max_length=64)
    master_account_id: str = Field(max_length=32)
    deleted_by_user_id: str = Field(max_length=64)

    def partition_key(self) -> str:
        return self.broker_message_id


MessagingEvent = Annotated[
    MessageSent
    | DeliveryChanged
    | BrokerInquiryCreated
    | BrokerInquiryClosed
    | BrokerMessageDeleted,
    Field(discriminator="type"),
]
MessagingEnvelope = Envelope[MessagingEvent]
FanoutEnvelope = Envelope[DeliveryBatch]
BulletinEnvelope = Envelope[BulletinsPosted]
