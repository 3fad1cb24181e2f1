"""HTTP commands and views of the analytical tools (A4-A8): account data queries and segments,
risk scores, goal tracker, ESG impact preferences, RMD calculator."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field, StringConstraints

from contracts.accounts import AccountType

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
AccountNo = Annotated[str, StringConstraints(strip_whitespace=True, to_upper=True, pattern=r"^[A-Z]{1,2}\d{5,9}$")]  # fmt: skip
Money = Annotated[Decimal, Field(ge=0, le=Decimal("1e13"), max_digits=16, decimal_places=2)]

# --- A4 account data queries and segments -------------------------------------------------


class FieldOut(BaseModel):
    name: str
    label: str
    kind: str
    group: str
    choices: list[str]
    ops: list[str]


class FieldList(BaseModel):
    items: list[FieldOut]


class CriterionIn(BaseModel):
    field: str = Field(max_length=64)
    op: str = Field(max_length=16)
    value: Any = Field(description="a value, a list (in, any_of, all_of) or a pair (between)")


class AccountQuery(BaseModel):
    criteria: list[CriterionIn] = Field(default_factory=list, max_length=40)
    match: Literal["all", "any"] = "all"


class SegmentSave(AccountQuery):
    name: Name


class AccountRow(BaseModel):
    account_number: str
    name: str | None
    account_type: str | None
    status: str | None
    country: str | None
    date_of_birth: date | None
    net_asset_value: Decimal | None
    risk_score: Decimal | None


class QueryResult(BaseModel):
    total: int
    items: list[AccountRow] = Field(description="the first 500 accounts, by account number")


class SegmentOut(BaseModel):
    id: UUID
    name: str
    criteria: list[CriterionIn]
    match: Literal["all", "any"]
    version: int
    member_count: int
    refreshed_at: datetime
    created_by: str


class SegmentList(BaseModel):
    items: list[SegmentOut]


class SegmentDetail(SegmentOut):
    members: list[AccountRow]


# --- A5 risk scores -----------------------------------------------------------------------


class RiskAnswerOut(BaseModel):
    id: str
    text: str
    default_value: int
    value: Decimal


class RiskQuestionOut(BaseModel):
    id: str
    text: str
    answers: list[RiskAnswerOut]


class RiskQuestionnaire(BaseModel):
    scale_low: int
    scale_high: int
    questions: list[RiskQuestionOut]


class RiskScaleChange(BaseModel):
    low: int = Field(ge=0, le=100)
    high: int = Field(ge=0, le=100)


class RiskValuesChange(BaseModel):
    values: dict[Annotated[str, Field(max_length=40)], Annotated[Decimal, Field(ge=0, le=100, max_digits=6, decimal_places=2)]] = Field(max_length=100)  # fmt: skip


class RiskAnswers(BaseModel):
    answers: dict[Annotated[str, Field(max_length=40)], Annotated[str, Field(max_length=40)]] = Field(max_length=20)  # fmt: skip


class RiskScoreOut(BaseModel):
    account_number: str
    name: str | None
    score: Decimal
    scale_low: int
    scale_high: int
    answers: dict[str, str]
    answered_at: datetime


class RiskScoreList(BaseModel):
    items: list[RiskScoreOut]


# --- A6 goal tracker ----------------------------------------------------------------------


class GoalInputs(BaseModel):
    current_value: Money
    monthly_contribution: Money = Decimal(0)
    annual_return: Decimal = Field(ge=Decimal("-0.5"), le=Decimal("0.5"), max_digits=6, decimal_places=4, description="e.g. 0.06 for 6% a year")  # fmt: skip
    annual_volatility: Decimal = Field(ge=0, le=1, max_digits=6, decimal_places=4)
    years: int = Field(ge=1, le=60)
    goal_amount: Annotated[Decimal, Field(gt=0, le=Decimal("1e13"), max_digits=16, decimal_places=2)]  # fmt: skip


class GoalIn(GoalInputs):
    account_number: AccountNo
    name: Name


class Projection(BaseModel):
    probability: float = Field(description="share of simulated paths at or above the goal")
    closed_form_probability: float | None = Field(
        description="the lognormal probability, when there are no contributions"
    )
    paths: int
    seed: int
    years: list[int]
    percentiles: dict[str, list[float]] = Field(description="p5, p25, p50, p75, p95 per year end")
    median_final: float
    goal_amount: float


class GoalOut(GoalIn):
    id: UUID
    created_at: datetime
    projection: Projection


class GoalList(BaseModel):
    items: list[GoalOut]


# --- A7 ESG impact preferences ------------------------------------------------------------


class ImpactValue(BaseModel):
    value: str
    label: str


class EsgInvite(BaseModel):
    account_numbers: list[AccountNo] = Field(min_length=1, max_length=500)


class EsgInvitationOut(BaseModel):
    id: UUID
    account_number: str
    name: str | None
    status: Literal["sent", "answered"]
    sent_at: datetime
    answered_at: datetime | None
    values: list[str]
    link_token: str | None = Field(
        default=None, description="only when just created: the client's link is /esg/<token>"
    )


class EsgInvitationList(BaseModel):
    items: list[EsgInvitationOut]


class ImpactCount(BaseModel):
    value: str
    label: str
    count: int


class EsgResults(BaseModel):
    invited: int
    answered: int
    counts: list[ImpactCount]
    clients: list[EsgInvitationOut]


class EsgForm(BaseModel):
    """What the invited client's page shows."""

    values: list[ImpactValue]
    chosen: list[str]
    answered: bool


class EsgAnswer(BaseModel):
    values: list[Annotated[str, Field(max_length=40)]] = Field(max_length=13)


# --- A8 RMD -------------------------------------------------------------------------------


class RmdInputs(BaseModel):
    account_type: AccountType
    owner_birth_date: date = Field(ge=date(1900, 1, 1), le=date(2100, 1, 1))
    prior_year_end_balance: Money
    year: int = Field(ge=2022, le=2100)
    spouse_birth_date: date | None = Field(default=None, ge=date(1900, 1, 1), le=date(2100, 1, 1))
    spouse_sole_beneficiary: bool = False
    withdrawn_to_date: Money = Decimal(0)


class RmdOut(BaseModel):
    account_number: str | None = None
    name: str | None = None
    year: int
    eligible: bool
    required: bool
    reason: str
    owner_age: int | None
    prior_year_end_balance: Decimal | None
    table: str | None
    table_effective_year: int | None
    divisor: Decimal | None
    required_amount: Decimal
    withdrawn_to_date: Decimal
    remaining: Decimal


class RmdList(BaseModel):
    year: int
    items: list[RmdOut]
