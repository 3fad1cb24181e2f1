"""Sent By Broker API (M7): the master's copies of broker-originated messages about its clients,
each with its template, variables and recipient accounts; email me the details; inquiries;
delete."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.accounts import Channel
from contracts.messaging import DeliveryStatus

BROKER_PAGE_SIZE = 50
INQUIRY_MAX = 2000
BROKER_MESSAGE_ID = r"^[A-Za-z0-9._:-]{1,64}$"
"""What a broker message id looks like (it travels in paths)."""


class InquiryStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


class BrokerMessageSummary(BaseModel):
    """A row of Sent By Broker (counts are of the recipients the caller may see)."""

    id: str
    received_at: datetime
    subject: str
    message_type: str
    recipient_count: int
    channels: list[Channel]
    review_required: bool
    delivered: bool
    refused_reason: str | None = None
    statuses: dict[DeliveryStatus, int] = Field(
        default_factory=dict, description="deliveries per status, when delivered here"
    )
    inquiry_status: InquiryStatus | None = Field(
        default=None, description="the status of the latest inquiry about it, if any"
    )
    staging_status: Literal["held", "released", "rejected"] | None = Field(
        default=None, description="for a message flagged for review: what staging decided"
    )
    staging_deadline: datetime | None = Field(
        default=None, description="a held message is delivered then unless decided"
    )


class BrokerMessagePage(BaseModel):
    items: list[BrokerMessageSummary]
    page: int
    page_size: int
    total: int


class BrokerRecipientOut(BaseModel):
    account_number: str
    variables: dict[str, str]


class BrokerMessageDetail(BrokerMessageSummary):
    template: str
    variable_names: list[str]
    recipients: list[BrokerRecipientOut]


class BrokerRendered(BaseModel):
    """The message as one recipient account receives it on one channel."""

    message_id: str
    account_number: str
    channel: Channel
    subject: str
    html: str | None
    text: str


class EmailedDetails(BaseModel):
    """What ``email-me`` sent: to whom, and how many recipients the attachment covers."""

    to: str
    recipient_count: int


class InquiryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=INQUIRY_MAX)


class InquiryOut(BaseModel):
    id: UUID
    broker_message_id: str
    user_id: str
    text: str
    status: InquiryStatus
    created_at: datetime
    updated_at: datetime
    answer: str | None = Field(default=None, description="the broker's answer, once given")
    answered_at: datetime | None = None
