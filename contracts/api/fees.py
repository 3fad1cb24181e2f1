"""HTTP commands and views of fee administration (A9): templates, client fees, invoices and
reimbursements. Amounts are decimals; invoice lines are rounded half up to the cent."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
AccountNo = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z]{1,2}\d{5,9}$")]  # fmt: skip
Amount = Annotated[Decimal, Field(ge=0, le=Decimal("1e12"), max_digits=16, decimal_places=2)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=7, decimal_places=4)]
FeeKindName = Literal["aum", "flat", "per_trade"]


class Tier(BaseModel):
    up_to: Amount | None = Field(default=None, description="None: everything above")
    annual_percent: Percent


class FeeTemplateIn(BaseModel):
    name: Name
    kind: FeeKindName
    tiers: list[Tier] = Field(default_factory=list, max_length=20)
    amount: Amount = Field(default=Decimal(0), description="flat: per year; per_trade: per trade")
    minimum: Amount = Field(
        default=Decimal(0),
        description="aum and per_trade: the least charged a year, prorated to the period like a "
        "flat fee; accounts linked under one username share one minimum (0: none)",
    )


class FeeTemplateOut(FeeTemplateIn):
    id: UUID
    created_at: datetime


class FeeTemplateList(BaseModel):
    items: list[FeeTemplateOut]


class ClientFeeIn(BaseModel):
    account_number: AccountNo
    template_id: UUID


class ClientFeeOut(BaseModel):
    account_number: str
    name: str | None
    template_id: UUID
    template_name: str
    linked_accounts: list[str] = Field(
        default_factory=list,
        description="the other accounts of its link group within reach: they share its minimum",
    )


class ClientFeeList(BaseModel):
    items: list[ClientFeeOut]


class InvoiceRun(BaseModel):
    period_start: date = Field(ge=date(2000, 1, 1), le=date(2100, 1, 1))
    period_end: date = Field(ge=date(2000, 1, 1), le=date(2100, 1, 1))


class InvoiceLineOut(BaseModel):
    description: str
    basis: str
    amount: Decimal


class ReimbursementIn(BaseModel):
    amount: Annotated[Decimal, Field(gt=0, le=Decimal("1e12"), max_digits=16, decimal_places=2)]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class ReimbursementOut(BaseModel):
    id: UUID
    amount: Decimal
    reason: str
    created_at: datetime
    created_by: str


class InvoiceOut(BaseModel):
    id: UUID
    number: str
    account_number: str
    name: str | None
    template_name: str
    period_start: date
    period_end: date
    lines: list[InvoiceLineOut]
    total: Decimal
    reimbursed: Decimal
    reimbursements: list[ReimbursementOut]
    created_at: datetime


class InvoiceList(BaseModel):
    items: list[InvoiceOut]
    rounding: str = "each line rounded half up to the cent; the total is the sum of the lines"
