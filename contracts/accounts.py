"""External account events: what the broker's back office publishes about client accounts.

These come from outside the product (the simulator stands in for the back office); every
service that needs account facts consumes them from the topics in :mod:`contracts.topics`.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal
from uuid import UUID

from pydantic import EmailStr, Field

from contracts.envelope import ContractModel, Envelope, Event

AccountNumber = Annotated[str, Field(pattern=r"^[A-Z]{1,2}\d{5,9}$", max_length=12)]
Money = Annotated[Decimal, Field(max_digits=18, decimal_places=2)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]


class ApplicationStage(StrEnum):
    """The six stages of account or application progress."""

    INVITED = "invited"
    STARTED = "started"
    SUBMITTED = "submitted"
    PENDING = "pending"
    OPEN = "open"
    CLOSED = "closed"


class AccountType(StrEnum):
    INDIVIDUAL = "individual"
    JOINT = "joint"
    TRUST = "trust"
    TRADITIONAL_IRA = "traditional_ira"
    ROTH_IRA = "roth_ira"
    ROLLOVER_IRA = "rollover_ira"
    SEP_IRA = "sep_ira"
    ORGANIZATION = "organization"
    HEDGE_FUND = "hedge_fund"
    FAMILY_OFFICE = "family_office"


class Applicant(ContractModel):
    """Who the application is for, as the applicant entered it."""

    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    username: str | None = Field(default=None, max_length=64)


class _AccountEvent(Event):
    account_number: AccountNumber

    def partition_key(self) -> str:
        return self.account_number


class ApplicationStatusChanged(_AccountEvent):
    type: Literal["account.application_status_changed"] = "account.application_status_changed"
    stage: ApplicationStage
    account_type: AccountType
    applicant: Applicant
    pending_tasks: list[str] = Field(default_factory=list, max_length=50)


class AccountOpened(_AccountEvent):
    type: Literal["account.opened"] = "account.opened"
    account_type: AccountType
    opened_on: date


class AccountClosed(_AccountEvent):
    type: Literal["account.closed"] = "account.closed"
    closed_on: date


class AccountReopened(_AccountEvent):
    type: Literal["account.reopened"] = "account.reopened"
    reopened_on: date


class CashDirection(StrEnum):
    IN = "in"
    OUT = "out"


class Deposit(_AccountEvent):
    type: Literal["account.deposit"] = "account.deposit"
    transaction_id: str
    amount: Money
    currency: Currency = "USD"
    method: str = "wire"
    status: str = "completed"
    booked_on: date


class Withdrawal(_AccountEvent):
    type: Literal["account.withdrawal"] = "account.withdrawal"
    transaction_id: str
    amount: Money
    currency: Currency = "USD"
    method: str = "wire"
    status: str = "completed"
    booked_on: date


class PositionTransfer(_AccountEvent):
    type: Literal["account.position_transfer"] = "account.position_transfer"
    transaction_id: str
    direction: CashDirection
    symbol: str = Field(min_length=1, max_length=20)
    quantity: Decimal
    market_value: Money
    method: str = "acats"
    status: str = "completed"
    booked_on: date


class InternalTransfer(_AccountEvent):
    type: Literal["account.internal_transfer"] = "account.internal_transfer"
    transaction_id: str
    counterparty_account: AccountNumber
    amount: Money
    currency: Currency = "USD"
    status: str = "completed"
    booked_on: date


class TradeSide(StrEnum):
    BUY = "buy"
    SELL = "sell"


class TradeExecuted(_AccountEvent):
    type: Literal["account.trade_executed"] = "account.trade_executed"
    trade_id: str
    symbol: str = Field(min_length=1, max_length=20)
    side: TradeSide
    quantity: Decimal
    price: Decimal
    traded_on: date


class DividendPaid(_AccountEvent):
    type: Literal["account.dividend_paid"] = "account.dividend_paid"
    transaction_id: str
    symbol: str
    amount: Money
    paid_on: date


class InterestPaid(_AccountEvent):
    type: Literal["account.interest_paid"] = "account.interest_paid"
    transaction_id: str
    amount: Money
    paid_on: date


class NetAssetValueReported(_AccountEvent):
    type: Literal["account.nav_reported"] = "account.nav_reported"
    as_of: date
    net_asset_value: Money
    currency: Currency = "USD"


class Position(ContractModel):
    symbol: str
    quantity: Decimal
    market_value: Money


class PositionsReported(_AccountEvent):
    type: Literal["account.positions_reported"] = "account.positions_reported"
    as_of: date
    positions: list[Position] = Field(max_length=5000)


class CorporateActionKind(StrEnum):
    MANDATORY = "mandatory"
    VOLUNTARY = "voluntary"


class CorporateActionAnnounced(Event):
    type: Literal["corporate_action.announced"] = "corporate_action.announced"
    action_id: str
    kind: CorporateActionKind
    symbol: str
    description: str = Field(max_length=2000)
    ex_date: date
    election_deadline: date | None = None
    affected_accounts: list[AccountNumber] = Field(max_length=10000)

    def partition_key(self) -> str:
        return self.action_id


class Channel(StrEnum):
    MESSAGE_CENTER = "W"
    EMAIL = "E"
    BULLETIN = "B"


class BrokerMessageIssued(Event):
    type: Literal["broker_message.issued"] = "broker_message.issued"
    message_id: str
    message_type: str = Field(max_length=64)
    subject: str = Field(max_length=300)
    template: str = Field(max_length=20000)
    variables: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="per recipient account number: variable name -> value"
    )
    recipient_accounts: list[AccountNumber] = Field(min_length=1, max_length=10000)
    channels: list[Channel] = Field(min_length=1)
    review_required: bool = False

    def partition_key(self) -> str:
        return self.message_id


class BrokerInquiryAnswered(Event):
    """The broker answered a master's inquiry about one of its messages."""

    type: Literal["broker_message.inquiry_answered"] = "broker_message.inquiry_answered"
    inquiry_id: UUID
    message_id: str = Field(max_length=64, description="the broker message asked about")
    master_account_id: str = Field(min_length=1, max_length=32)
    answer: str = Field(min_length=1, max_length=4000)
    answered_at: datetime

    def partition_key(self) -> str:
        return self.message_id


class SecurityDeviceShipped(_AccountEvent):
    type: Literal["security_device.shipped"] = "security_device.shipped"
    request_id: str
    device_kind: str
    serial_number: str
    shipped_on: date


AccountLifecycleEvent = Annotated[
    ApplicationStatusChanged | AccountOpened | AccountClosed | AccountReopened,
    Field(discriminator="type"),
]
AccountTransactionEvent = Annotated[
    Deposit
    | Withdrawal
    | PositionTransfer
    | InternalTransfer
    | TradeExecuted
    | DividendPaid
    | InterestPaid,
    Field(discriminator="type"),
]
AccountValuationEvent = Annotated[
    NetAssetValueReported | PositionsReported, Field(discriminator="type")
]

AccountLifecycleEnvelope = Envelope[AccountLifecycleEvent]
AccountTransactionEnvelope = Envelope[AccountTransactionEvent]
AccountValuationEnvelope = Envelope[AccountValuationEvent]
CorporateActionEnvelope = Envelope[CorporateActionAnnounced]
BrokerMessageEvent = Annotated[
    BrokerMessageIssued | BrokerInquiryAnswered, Field(discriminator="type")
]
BrokerMessageEnvelope = Envelope[BrokerMessageEvent]
SecurityDeviceEnvelope = Envelope[SecurityDeviceShipped]
