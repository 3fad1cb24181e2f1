"""Events of the analytical tools (A4-A8), and the back office's account profile they segment by.

- ``InvestorProfileReported`` (topic ``accounts.investor-profiles``) comes from the broker's back
  office (the simulator in demos): what the account application collected about the investor
  beyond the holder's identity and address (those come on ``accounts.profiles``) — application
  and margin type, permissions, family, finances, objectives, experience. Whole state: the
  newest ``as_of`` wins.
- ``SegmentMembershipChanged`` (topic ``tools.segments``) is published by analytics whenever a
  saved segment (an account data query) is saved, refreshed or deleted: its whole membership, so
  the communication center offers it as a recipient list without reading analytics' database.
  Consumers keep the highest ``version`` per ``segment_id``; ``deleted`` empties it.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field

from contracts.accounts import AccountNumber
from contracts.envelope import ContractModel, Envelope, Event

SEGMENT_MEMBERS_MAX = 50_000

ShortText = Annotated[str, Field(min_length=1, max_length=100)]
Amount = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]
Years = Annotated[int, Field(ge=0, le=100)]


class InvestorProfile(ContractModel):
    application_type: ShortText | None = None
    margin_type: ShortText | None = None
    base_currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    trading_permissions: list[ShortText] = Field(default_factory=list, max_length=20)
    citizenship: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    tax_residence: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    language: Annotated[str, Field(pattern=r"^[a-z]{2}$")] | None = None
    marital_status: ShortText | None = None
    dependents: Years | None = None
    spouse_date_of_birth: date | None = None
    spouse_sole_beneficiary: bool = False
    employment_status: ShortText | None = None
    occupation: ShortText | None = None
    annual_net_income: Amount | None = None
    net_worth: Amount | None = None
    liquid_net_worth: Amount | None = None
    source_of_funds: list[ShortText] = Field(default_factory=list, max_length=20)
    investment_objectives: list[ShortText] = Field(default_factory=list, max_length=20)
    risk_tolerance: ShortText | None = None
    time_horizon: ShortText | None = None
    stock_experience_years: Years | None = None
    options_experience_years: Years | None = None
    futures_experience_years: Years | None = None
    professional: bool = False


class InvestorProfileReported(Event):
    type: Literal["account.investor_profile_reported"] = "account.investor_profile_reported"
    account_number: AccountNumber
    as_of: date
    profile: InvestorProfile

    def partition_key(self) -> str:
        return self.account_number


class SegmentMembershipChanged(Event):
    type: Literal["tools.segment_membership_changed"] = "tools.segment_membership_changed"
    segment_id: UUID
    version: int = Field(ge=1, description="increases with every change; keep the highest")
    name: str = Field(min_length=1, max_length=100)
    account_numbers: list[AccountNumber] = Field(
        default_factory=list, max_length=SEGMENT_MEMBERS_MAX
    )
    contact_ids: list[UUID] = Field(
        default_factory=list, max_length=SEGMENT_MEMBERS_MAX,
        description="the clients behind the accounts, when known",
    )  # fmt: skip
    deleted: bool = False
    created_by: str | None = Field(default=None, max_length=64, description="user id")

    def partition_key(self) -> str:
        return str(self.segment_id)


InvestorProfileEnvelope = Envelope[InvestorProfileReported]
SegmentEnvelope = Envelope[SegmentMembershipChanged]
