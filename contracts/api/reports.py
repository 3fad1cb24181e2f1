"""HTTP commands and views of client reports (A10): activity statements (custom sections and
period) as JSON, PDF and CSV; performance reports against a benchmark; deliveries to the
client's email of record, now or on a schedule; statements of a whole group or segment built in
the background. Amounts are decimals to the cent; returns are fractions (0.0123 is 1.23 %)
rounded half up to 6 decimal places."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

from contracts.reports import ReportKind

SectionName = Literal["summary", "positions", "transactions", "fees", "performance"]
SECTIONS: tuple[SectionName, ...] = ("summary", "positions", "transactions", "fees", "performance")
Frequency = Literal["monthly", "quarterly"]
RunOutput = Literal["zip", "combined"]
RunStatus = Literal["queued", "running", "done", "failed"]
DeliveryStatus = Literal["requested", "sent", "failed"]
EARLIEST, LATEST = date(2000, 1, 1), date(2100, 1, 1)


class Period(BaseModel):
    period_start: date = Field(ge=EARLIEST, le=LATEST)
    period_end: date = Field(ge=EARLIEST, le=LATEST)

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.period_end < self.period_start:
            raise ValueError("the period ends before it starts")
        return self


class StatementQuery(Period):
    sections: list[SectionName] = Field(
        default_factory=lambda: list(SECTIONS), max_length=5, description="none: every section"
    )
    consolidated: bool = Field(
        default=False,
        description="the consolidated statement of the account's link group (L3): every linked "
        "account summed; 404 when the account is not linked or a linked account is out of reach",
    )


class SummaryOut(BaseModel):
    opening_nav: Decimal
    opening_as_of: date | None
    net_flows: Decimal = Field(description="deposits, withdrawals and transfers (completed)")
    dividends: Decimal
    interest: Decimal
    change_in_value: Decimal = Field(description="the rest: market moves and anything unlisted")
    closing_nav: Decimal
    closing_as_of: date | None


class KindTotalOut(BaseModel):
    kind: str
    count: int
    amount: Decimal


class StatementTransactionOut(BaseModel):
    transaction_id: str
    booked_on: date
    kind: str
    description: str
    amount: Decimal
    flow: Decimal
    status: str
    symbol: str | None = None
    quantity: Decimal | None = None
    account_number: str | None = Field(default=None, description="a consolidated statement's")


class PositionOut(BaseModel):
    symbol: str
    quantity: Decimal
    market_value: Decimal


class StatementFeeOut(BaseModel):
    number: str
    period_start: date
    period_end: date
    description: str
    amount: Decimal
    reimbursed: Decimal


class ReturnsOut(BaseModel):
    twr: Decimal | None
    mwr: Decimal | None
    twr_annualized: Decimal | None = None
    mwr_annualized: Decimal | None = None


class StatementOut(BaseModel):
    account_number: str
    title: str | None
    period_start: date
    period_end: date
    sections: list[SectionName]
    summary: SummaryOut
    totals: list[KindTotalOut]
    transactions: list[StatementTransactionOut]
    positions: list[PositionOut]
    positions_as_of: date | None
    fees: list[StatementFeeOut]
    fees_total: Decimal
    returns: ReturnsOut
    rounding: str
    accounts: list[str] = Field(
        default_factory=list, description="a consolidated statement: the linked accounts it sums"
    )


class ConsolidationOut(BaseModel):
    """Whether the account's consolidated statement can be asked for: the accounts of its link
    group (L3) when it is linked and every one of them is within the caller's reach, else none."""

    account_number: str
    accounts: list[str]


class PeriodReturnOut(BaseModel):
    frequency: Literal["month", "quarter", "year"]
    label: str
    start: date
    end: date
    account: Decimal | None
    benchmark: Decimal | None
    excess: Decimal | None


class PointOut(BaseModel):
    day: date
    account: Decimal | None
    benchmark: Decimal | None


class PerformanceOut(BaseModel):
    account_number: str
    title: str | None
    period_start: date
    period_end: date
    benchmark: str | None
    returns: ReturnsOut
    benchmark_return: Decimal | None
    periods: list[PeriodReturnOut]
    points: list[PointOut]
    rounding: str


class DeliveryIn(Period):
    report: ReportKind = ReportKind.STATEMENT
    sections: list[SectionName] = Field(default_factory=lambda: list(SECTIONS), max_length=5)


class DeliveryOut(BaseModel):
    id: UUID
    account_number: str
    report: ReportKind
    period_start: date
    period_end: date
    sections: list[SectionName]
    schedule_id: UUID | None
    requested_by: str | None
    requested_at: datetime
    status: DeliveryStatus
    reason: str | None
    updated_at: datetime


class DeliveryList(BaseModel):
    items: list[DeliveryOut]


class ScheduleIn(BaseModel):
    report: ReportKind = ReportKind.STATEMENT
    frequency: Frequency
    sections: list[SectionName] = Field(default_factory=lambda: list(SECTIONS), max_length=5)


class ScheduleOut(BaseModel):
    id: UUID
    account_number: str
    report: ReportKind
    frequency: Frequency
    sections: list[SectionName]
    starts_on: date = Field(description="the first period delivered is the one holding this day")
    created_by: str
    created_at: datetime


class ScheduleList(BaseModel):
    items: list[ScheduleOut]


class StatementRunIn(Period):
    target_kind: Literal["group", "segment"]
    target_id: UUID
    sections: list[SectionName] = Field(default_factory=lambda: list(SECTIONS), max_length=5)
    output: RunOutput = "zip"
    target_name: str | None = Field(
        default=None, max_length=200, description="a group's name (the portal fills it in)"
    )


class StatementRunOut(BaseModel):
    id: UUID
    target_kind: Literal["group", "segment"]
    target_id: UUID
    target_name: str
    period_start: date
    period_end: date
    sections: list[SectionName]
    output: RunOutput
    total: int
    done: int
    status: RunStatus
    created_at: datetime
    finished_at: datetime | None
    reason: str | None
    result_name: str | None


class StatementRunList(BaseModel):
    items: list[StatementRunOut]
