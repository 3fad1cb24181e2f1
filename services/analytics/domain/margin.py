"""Margin requirements (A11): which snapshot of an account the read model keeps, and what an
advisor reads off it — the deficit, the cushion, the positions that drive the requirement.

The back office computes the requirements (``contracts/margin.py``); nothing here recomputes
them. Amounts stay as reported, to the cent. Percentages are rounded half up to 0.01 %."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from contracts.api.margin import MarginAccountView, MarginDeficit, MarginPositionView
from contracts.margin import AssetClass, MarginType
from services.runtime.read_models import newest

ZERO = Decimal("0.00")
PERCENT = Decimal("0.01")


def percent_of(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` as a percentage of ``whole``, half up to 0.01 %; None when ``whole`` is not
    positive (no share of nothing)."""
    if whole <= 0:
        return None
    return (part * 100 / whole).quantize(PERCENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class PositionRequirement:
    symbol: str
    asset_class: AssetClass
    quantity: Decimal
    price: Decimal
    market_value: Decimal
    initial_requirement: Decimal
    maintenance_requirement: Decimal


@dataclass(frozen=True, slots=True)
class MarginSnapshot:
    """One account's margin as the back office reported it at ``as_of``."""

    master_account_id: str
    account_number: str
    as_of: datetime
    occurred_at: datetime  # when it was published: breaks a tie between equal as-ofs
    margin_type: MarginType
    currency: str
    cash: Decimal
    equity_with_loan_value: Decimal
    initial_requirement: Decimal
    maintenance_requirement: Decimal
    excess_liquidity: Decimal
    positions: tuple[PositionRequirement, ...] = ()

    def supersedes(self, other: MarginSnapshot) -> bool:
        return (self.as_of, self.occurred_at) > (other.as_of, other.occurred_at)

    @property
    def in_deficit(self) -> bool:
        return self.excess_liquidity < 0

    @property
    def deficit(self) -> Decimal:
        return -self.excess_liquidity if self.in_deficit else ZERO

    @property
    def available_funds(self) -> Decimal:
        return self.equity_with_loan_value - self.initial_requirement

    def drivers(self) -> list[PositionRequirement]:
        """The positions, the largest maintenance contribution first (then initial, then the
        larger market value, then by symbol: a stable order)."""
        return sorted(
            self.positions,
            key=lambda p: (-p.maintenance_requirement, -p.initial_requirement,
                           -abs(p.market_value), p.symbol),
        )  # fmt: skip


Named = tuple[MarginSnapshot, str | None, UUID | None]
"""A snapshot with its account's title and its client's contact id (when known)."""


def newest_snapshots(snapshots: Iterable[MarginSnapshot]) -> list[MarginSnapshot]:
    """One snapshot per account of a master: the newest, so a batch upserts each once."""
    return newest(
        snapshots,
        key=lambda s: (s.master_account_id, s.account_number),
        supersedes=MarginSnapshot.supersedes,
    )


def account_view(
    snapshot: MarginSnapshot, *, title: str | None = None, contact_id: UUID | None = None
) -> MarginAccountView:
    contributions = sum((p.maintenance_requirement for p in snapshot.positions), ZERO)
    return MarginAccountView(
        account_number=snapshot.account_number, account_title=title, contact_id=contact_id,
        as_of=snapshot.as_of, margin_type=snapshot.margin_type, currency=snapshot.currency,
        cash=snapshot.cash, equity_with_loan_value=snapshot.equity_with_loan_value,
        initial_requirement=snapshot.initial_requirement,
        maintenance_requirement=snapshot.maintenance_requirement,
        excess_liquidity=snapshot.excess_liquidity, available_funds=snapshot.available_funds,
        cushion=percent_of(snapshot.excess_liquidity, snapshot.equity_with_loan_value),
        in_deficit=snapshot.in_deficit, deficit=snapshot.deficit,
        positions=[
            MarginPositionView(
                symbol=p.symbol, asset_class=p.asset_class, quantity=p.quantity, price=p.price,
                market_value=p.market_value, initial_requirement=p.initial_requirement,
                maintenance_requirement=p.maintenance_requirement,
                share_of_maintenance=percent_of(p.maintenance_requirement, contributions) or ZERO,
            )
            for p in snapshot.drivers()
        ],
    )  # fmt: skip


def deficit_view(
    snapshot: MarginSnapshot, *, title: str | None = None, contact_id: UUID | None = None
) -> MarginDeficit:
    return MarginDeficit(
        account_number=snapshot.account_number, account_title=title, contact_id=contact_id,
        as_of=snapshot.as_of, currency=snapshot.currency,
        equity_with_loan_value=snapshot.equity_with_loan_value,
        maintenance_requirement=snapshot.maintenance_requirement,
        excess_liquidity=snapshot.excess_liquidity, deficit=snapshot.deficit,
    )  # fmt: skip
