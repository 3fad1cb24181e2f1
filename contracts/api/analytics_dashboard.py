"""Analytics API, the dashboard (A1): pending items, recent activity, assets under management
with the year-to-date return, the master account's balance, corporate actions and elections,
and the messages panel."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.accounts import Channel, CorporateActionKind
from contracts.analytics import ElectionChoice

AccountSearch = Annotated[str, Field(max_length=32)]
PENDING_DAYS = 10
"""Pending items are the funding, application and transfer activity of the last ten days."""


class ItemType(StrEnum):
    """What an activity is about (the Pending Items panel filters on the first three)."""

    FUNDING = "funding"  # deposits, withdrawals, internal transfers
    APPLICATION = "application"  # an account application's stage changed
    TRANSFER = "transfer"  # positions transferred in or out
    ACCOUNT = "account"  # an account opened, closed or reopened


PENDING_TYPES = (ItemType.FUNDING, ItemType.APPLICATION, ItemType.TRANSFER)


class ActivityItem(BaseModel):
    occurred_at: datetime
    account_number: str | None
    account_title: str | None
    username: str | None = None
    item_type: ItemType
    description: str
    status: str | None


class PendingItemsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_type: ItemType | None = None
    account: AccountSearch | None = Field(default=None, description="account number, or its start")
    limit: int = Field(default=50, ge=1, le=500)


class ActivityQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sort: Literal["occurred_at", "account_number", "account_title", "item_type", "status"] = (
        "occurred_at"
    )
    order: Literal["asc", "desc"] = "desc"
    page: int = Field(default=1, ge=1, le=10_000)
    page_size: int = Field(default=20, ge=1, le=200)


class ActivityPage(BaseModel):
    items: list[ActivityItem]
    total: int
    days: int = Field(description="how many days back the list reaches")


class AumPoint(BaseModel):
    day: date
    assets: Decimal = Field(description="net asset value summed over the accessible clients")
    ytd_return: float = Field(description="time-weighted return since the year's first value")


class AumSeries(BaseModel):
    year: int
    points: list[AumPoint]
    accounts: int = Field(description="client accounts counted on the last day")


class MasterBalance(BaseModel):
    """The master account's own net asset value, sub-accounts excluded."""

    account_number: str
    as_of: date | None
    net_asset_value: Decimal | None


class CorporateActionView(BaseModel):
    action_id: str
    kind: CorporateActionKind
    symbol: str
    description: str
    ex_date: date
    election_deadline: date | None
    accounts: list[str] = Field(description="affected accounts the caller sees")
    elections: dict[str, ElectionChoice] = Field(default_factory=dict)
    open_for_election: bool


class CorporateActionList(BaseModel):
    items: list[CorporateActionView]


class ElectionSubmit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    account_number: Annotated[str, Field(pattern=r"^[A-Z]{1,2}\d{5,9}$", max_length=12)]
    choice: ElectionChoice
    quantity: int | None = Field(default=None, ge=1, le=1_000_000_000)


class ElectionView(BaseModel):
    election_id: UUID
    action_id: str
    account_number: str
    choice: ElectionChoice
    quantity: int | None
    submitted_at: datetime


class MessageSummary(BaseModel):
    message_id: UUID
    subject: str
    origin: str
    channels: list[Channel]
    recipient_count: int
    sent_at: datetime
    delivered: int = Field(description="recipient deliveries reported delivered or sent so far")
    failed: int


class MessageList(BaseModel):
    items: list[MessageSummary]
