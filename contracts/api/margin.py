"""Analytics API, margin requirements (A11): one client account's requirements and the positions
that drive them, and the accounts of a master in margin deficit (within the caller's scope).

Amounts are Decimal in the account's currency, to the cent as the back office reported them.
Shares are percentages rounded half up to two decimals (0.01 %)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.margin import AssetClass, MarginType

ACCOUNT_NUMBER_PATTERN = r"^[A-Za-z]{1,2}\d{5,9}$"
MarginAccountNumber = Annotated[str, Field(pattern=ACCOUNT_NUMBER_PATTERN, max_length=12)]
"""An account number as a path names it (either case; the back office's are upper case)."""


class MarginPositionView(BaseModel):
    symbol: str
    asset_class: AssetClass
    quantity: Decimal
    price: Decimal
    market_value: Decimal
    initial_requirement: Decimal
    maintenance_requirement: Decimal
    share_of_maintenance: Decimal = Field(
        description="this position's part of the summed maintenance contributions, in percent"
    )


class MarginAccountView(BaseModel):
    account_number: str
    account_title: str | None = None
    contact_id: UUID | None = Field(default=None, description="the client's contact record")
    as_of: datetime
    margin_type: MarginType
    currency: str
    cash: Decimal = Field(description="negative: the margin loan")
    equity_with_loan_value: Decimal
    initial_requirement: Decimal
    maintenance_requirement: Decimal
    excess_liquidity: Decimal = Field(description="equity with loan value less maintenance")
    available_funds: Decimal = Field(description="equity with loan value less initial")
    cushion: Decimal | None = Field(
        description="excess liquidity as a percentage of equity with loan value (none when "
        "there is no equity)"
    )
    in_deficit: bool
    deficit: Decimal = Field(description="what the account lacks: 0 unless in deficit")
    positions: list[MarginPositionView] = Field(
        description="largest maintenance contribution first: the positions that drive it"
    )


class MarginDeficit(BaseModel):
    account_number: str
    account_title: str | None = None
    contact_id: UUID | None = None
    as_of: datetime
    currency: str
    equity_with_loan_value: Decimal
    maintenance_requirement: Decimal
    excess_liquidity: Decimal
    deficit: Decimal


class MarginDeficitQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=500)


class MarginDeficitList(BaseModel):
    items: list[MarginDeficit] = Field(description="the largest deficit first")
    total: int = Field(description="accounts in deficit within the caller's scope")
