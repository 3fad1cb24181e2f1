"""Margin requirements (A11): what the broker's back office reports about each margin account.

``MarginRequirementsReported`` (topic ``accounts.margin``, keyed by account number) comes from
the back office (the simulator in demos) each time it computes an account's requirement: the
whole snapshot of the account as of ``as_of`` —

- ``equity_with_loan_value``: cash (negative: a margin loan) plus the positions' market value;
- ``initial_requirement`` and ``maintenance_requirement``: what opening and keeping the positions
  need (Reg T or portfolio margin, ``margin_type``);
- ``excess_liquidity``: equity with loan value less the maintenance requirement. Below zero the
  account is in *margin deficit* (a margin call: deposit, or positions are sold);
- ``positions``: each position (an ``accounts.Position`` with its price and asset class) and what
  it contributes to each requirement, so an advisor sees which positions drive it.

Amounts are in the account's base currency (``currency``) as the back office rounds them, to the
cent; a position's contributions are rounded on their own and the account's requirements are
what the back office says they are (portfolio margin offsets positions, so they need not be the
sum). Consumers keep the newest ``as_of`` per account: a late, older snapshot changes nothing.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from contracts.accounts import AccountNumber, Currency, Money, Position
from contracts.envelope import Envelope, Event

POSITIONS_MAX = 5000
Requirement = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2)]
Quantity = Annotated[Decimal, Field(max_digits=24, decimal_places=6)]
Price = Annotated[Decimal, Field(ge=0, max_digits=24, decimal_places=6)]


class MarginType(StrEnum):
    """How the account's requirement is computed (the investor profile's margin types)."""

    REG_T = "reg_t_margin"  # Regulation T: a rate per position (50 % initial, 25 % and up kept)
    PORTFOLIO = "portfolio_margin"  # risk based: the loss of the portfolio under stress moves


class AssetClass(StrEnum):
    STOCK = "stock"
    ETF = "etf"
    BOND = "bond"
    OPTION = "option"
    FUTURE = "future"
    FOREX = "forex"


class MarginPosition(Position):
    """One position (symbol, quantity — negative when short — and market value) and its share of
    the account's requirements."""

    symbol: str = Field(min_length=1, max_length=20)
    quantity: Quantity
    asset_class: AssetClass
    price: Price
    initial_requirement: Requirement
    maintenance_requirement: Requirement


class MarginRequirementsReported(Event):
    type: Literal["account.margin_reported"] = "account.margin_reported"
    account_number: AccountNumber
    as_of: AwareDatetime
    margin_type: MarginType
    currency: Currency = "USD"
    cash: Money = Field(description="negative: the margin loan")
    equity_with_loan_value: Money
    initial_requirement: Requirement
    maintenance_requirement: Requirement
    excess_liquidity: Money = Field(description="equity with loan value less maintenance")
    positions: list[MarginPosition] = Field(default_factory=list, max_length=POSITIONS_MAX)

    def partition_key(self) -> str:
        return self.account_number


MarginEnvelope = Envelope[MarginRequirementsReported]
