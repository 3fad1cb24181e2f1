"""Analytics API: client data queries (A3) — performance, symbol, transaction count, RMD."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

Day = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2999, 12, 31))]
Percent = Annotated[float, Field(ge=-100.0, le=100_000.0, allow_inf_nan=False)]


class _Period(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date_from: Day
    date_to: Day

    @model_validator(mode="after")
    def _range_in_order(self) -> Self:
        if self.date_to <= self.date_from:
            raise ValueError("date_to must be after date_from")
        return self


class PerformanceQuery(_Period):
    """Accounts whose time-weighted return over the period is above ``above`` and/or below
    ``below`` (percent); at least one threshold."""

    above: Percent | None = None
    below: Percent | None = None
    limit: int = Field(default=500, ge=1, le=20_000)

    @model_validator(mode="after")
    def _a_threshold(self) -> Self:
        if self.above is None and self.below is None:
            raise ValueError("give a threshold: above, below or both")
        return self


class PerformanceRow(BaseModel):
    account_number: str
    account_title: str | None
    start_value: Decimal
    end_value: Decimal
    twr_percent: float


class SymbolQuery(_Period):
    symbol: Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9.\-]+$")]


class SymbolRow(BaseModel):
    account_number: str
    account_title: str | None
    trades: int
    held: bool = Field(description="a position was held at some point of the period")


class TransactionCountQuery(_Period):
    threshold: int = Field(ge=0, le=1_000_000_000)


class TransactionCountRow(BaseModel):
    account_number: str
    account_title: str | None
    trades: int
    dividends: int
    position_transfers: int
    total: int


class RmdQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tax_year: int = Field(ge=2000, le=2200)


class RmdRow(BaseModel):
    account_number: str
    account_title: str | None
    account_type: str
    date_of_birth: date | None
    age_at_year_end: int | None
    reason: str


class PerformanceResult(BaseModel):
    rows: list[PerformanceRow]
    total: int


class SymbolResult(BaseModel):
    rows: list[SymbolRow]
    total: int


class TransactionCountResult(BaseModel):
    rows: list[TransactionCountRow]
    total: int


class RmdResult(BaseModel):
    rows: list[RmdRow]
    total: int
