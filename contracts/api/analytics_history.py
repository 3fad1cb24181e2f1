"""Analytics API: transaction history (A2) and the client timeline (X6)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

HISTORY_DAYS = 90
"""The transaction history reaches back this many days."""

Day = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2999, 12, 31))]
SearchText = Annotated[str, Field(max_length=100)]


class TransactionType(StrEnum):
    DEPOSIT = "deposit"
    WITHDRAWAL = "withdrawal"
    POSITION_TRANSFER_IN = "position_transfer_in"
    POSITION_TRANSFER_OUT = "position_transfer_out"
    INTERNAL_TRANSFER = "internal_transfer"


class TransactionView(BaseModel):
    transaction_id: str
    account_number: str
    account_title: str | None
    type: TransactionType
    booked_on: date
    amount: Decimal = Field(description="cash amount, or the market value of the positions")
    currency: str
    method: str | None
    status: str
    symbol: str | None
    quantity: Decimal | None
    counterparty_account: str | None


class TransactionQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date_from: Day | None = None
    date_to: Day | None = None
    text: SearchText | None = Field(
        default=None, description="in the account number, title, transaction id or symbol"
    )
    type: list[TransactionType] = Field(default_factory=list, max_length=5)
    method: Annotated[str, Field(max_length=32)] | None = None
    status: Annotated[str, Field(max_length=32)] | None = None
    sort: Literal["booked_on", "account_number", "amount", "type", "status"] = "booked_on"
    order: Literal["asc", "desc"] = "desc"
    page: int = Field(default=1, ge=1, le=100_000)
    page_size: int = Field(default=50, ge=1, le=500)

    @model_validator(mode="after")
    def _range_in_order(self) -> Self:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise ValueError("date_to must not be before date_from")
        return self


class TransactionPage(BaseModel):
    items: list[TransactionView]
    total: int
    page: int
    page_size: int
    date_from: date = Field(description="the range applied (never more than 90 days back)")
    date_to: date
    methods: list[str] = Field(default_factory=list, description="methods found, for the filter")
    statuses: list[str] = Field(default_factory=list)


class TimelineCategory(StrEnum):
    PROFILE = "profile"  # the contact record changed
    NOTE = "note"
    TASK = "task"
    EVENT = "event"  # calendar
    DOCUMENT = "document"
    INVITATION = "invitation"
    GROUP = "group"  # groups and households
    MESSAGE = "message"  # sent from the communication center or by the broker, and delivery
    STAGING = "staging"  # held broker messages and the decisions on them
    ACCOUNT = "account"  # application stages, opened, closed, reopened
    TRANSACTION = "transaction"  # funding, transfers, trades, dividends, interest
    DEVICE = "device"  # security devices, temporary codes and code cards
    LINK = "link"  # account linkage: requests, links executed, usernames deactivated
    FULL_SERVICE = "full_service"  # the Full Service program: enrolment and requests (C12)


class TimelineEntry(BaseModel):
    occurred_at: datetime
    category: TimelineCategory
    kind: str = Field(description="the event type")
    summary: str
    account_number: str | None


class TimelineQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: list[TimelineCategory] = Field(default_factory=list, max_length=len(TimelineCategory))
    text: SearchText | None = None
    date_from: Day | None = None
    date_to: Day | None = None
    page: int = Field(default=1, ge=1, le=100_000)
    page_size: int = Field(default=50, ge=1, le=500)


class TimelinePage(BaseModel):
    items: list[TimelineEntry]
    total: int
    page: int
    page_size: int
