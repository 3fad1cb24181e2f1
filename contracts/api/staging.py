"""Message staging API (S1-S5, X5): the master's staging election and its cut-over, the held
broker messages (To Be Sent By Broker) with their deadline, recipients and decisions, and the
message types always rejected."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from contracts.accounts import Channel
from contracts.staging import RejectReason, ReleaseReason

HOLD_PAGE_SIZE = 50
MESSAGE_TYPE = r"^[A-Za-z0-9._:-]{1,64}$"
"""What a broker message type looks like (it travels in paths)."""


class HoldStatus(StrEnum):
    HELD = "held"
    RELEASED = "released"
    REJECTED = "rejected"


class Decision(StrEnum):
    SEND_AS_IS = "send_as_is"
    REJECT_ONCE = "reject_once"
    ALWAYS_REJECT = "always_reject"


class ElectionChange(BaseModel):
    """Enable or disable staging; it takes effect at the next daily cut-over."""

    enabled: bool


class ElectionOut(BaseModel):
    enabled: bool
    effective_at: datetime
    changed_by_user_id: str
    changed_at: datetime


class StagingStatus(BaseModel):
    """Where the master's staging stands now, and what is still to take effect."""

    enabled_now: bool = Field(description="whether staging is in effect at this moment")
    effective_since: datetime | None = Field(
        default=None, description="when the election in effect took effect (none: never enabled)"
    )
    pending: ElectionOut | None = Field(
        default=None, description="an election made since, taking effect at the next cut-over"
    )
    next_cutover: datetime = Field(description="the next daily cut-over, in UTC")
    time_zone: str = Field(description="the master's IANA zone that cut-overs and deadlines use")
    cutover_time: str = Field(description="the daily cut-over as local HH:MM")
    hold_days: int = Field(description="days a held message waits before it is delivered")
    history: list[ElectionOut] = Field(default_factory=list, description="newest first")


class AlwaysRejectOut(BaseModel):
    message_type: str
    active: bool
    applied_now: bool = Field(description="active and staging in effect")
    changed_by_user_id: str
    changed_at: datetime


class HoldSummary(BaseModel):
    """A row of To Be Sent By Broker (counts are of the recipients the caller may see)."""

    id: str = Field(description="the broker's message id")
    message_type: str
    subject: str
    received_at: datetime = Field(description="when the broker sent it")
    deadline: datetime | None = Field(description="delivered automatically then (held ones)")
    recipient_count: int
    channels: list[Channel]
    status: HoldStatus
    release_reason: ReleaseReason | None = None
    reject_reason: RejectReason | None = None
    decided_by_user_id: str | None = None
    decided_at: datetime | None = None


class HoldPage(BaseModel):
    items: list[HoldSummary]
    page: int
    page_size: int
    total: int


class HoldRecipient(BaseModel):
    account_number: str
    name: str | None = Field(default=None, description="the client's name, when known")


class HoldDecisionOut(BaseModel):
    """One entry of a hold's history: held, released or rejected, by whom and when."""

    action: str = Field(description="held, send_as_is, reject_once, always_reject, deadline, …")
    user_id: str | None = Field(description="who decided; none for the system")
    at: datetime


class HoldDetail(HoldSummary):
    recipients: list[HoldRecipient]
    history: list[HoldDecisionOut]


class DecisionCommand(BaseModel):
    decision: Decision
