"""The back office's margin desk (A11), beside the simulator's book: how much margin accounts
borrow, what their positions require, house requirements raised now and then, and margin calls
met by a deposit or by selling.

An account is a margin account when its application said so (the investor profile's margin
type, Reg T or portfolio margin; IRAs are cash accounts). It borrows to a gross exposure of
``leverage`` times its equity, drawn once per account from a generator of its own: most stay
near 1 to 1.3 (Reg T) or 1.2 to 2 (portfolio margin); about a third run close to what their
margin type allows (up to 1.95 and 4). Its cash goes below zero: that is the margin loan, and
the net asset value the book reports is the equity with loan value.

Requirements, per long position (the simulated book holds stocks and funds, long only):

- Reg T: maintenance 25 % of the market value, 30 % for a volatile stock (a daily volatility of
  2 % or more); initial 50 %, and never below maintenance;
- portfolio margin: the loss under a stress move of its class (stocks 15 %, broad index funds
  8 %, bond funds 5 %, other funds 10 %), at least six days of its volatility; initial 125 % of
  maintenance;
- house requirements: on some business days the desk raises the maintenance rate of one symbol
  that leveraged accounts hold (volatile and large holdings first) to 50, 75 or 100 % for three
  to eight business days, as brokers do for concentrated or volatile names. This is what pushes
  a leveraged account into deficit from time to time.

A rate is never above 100 %. Each position's requirement is rounded half up to the cent and the
account's requirements are their sums; excess liquidity is the equity with loan value less the
maintenance requirement. An account whose excess liquidity is below zero at the close is in
margin deficit: its client has one to four business days (drawn per call) to deposit, and at
the deadline the desk sells from the position that requires the most until it is covered.

Everything is drawn from generators of the desk's own, so the rest of the book draws what it
drew before margin was simulated; the book is as deterministic as before for a given seed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from random import Random
from typing import Any

from contracts.margin import AssetClass, MarginType

CENT = Decimal("0.01")
ONE = Decimal(1)
REG_T_INITIAL = Decimal("0.50")
REG_T_MAINTENANCE = Decimal("0.25")
REG_T_VOLATILE = Decimal("0.30")
VOLATILE = 0.02  # daily volatility from which a stock's Reg T maintenance is 30 %
PM_STRESS = {"stock": Decimal("0.15"), "broad": Decimal("0.08"), "bond": Decimal("0.05"),
             "fund": Decimal("0.10")}  # fmt: skip
PM_INITIAL = Decimal("1.25")
BROAD_FUNDS = frozenset({"VTI", "VOO", "VXUS"})
BOND_FUNDS = frozenset({"BND", "AGG", "TLT"})
HOUSE_RATES = (Decimal("0.50"), Decimal("0.75"), Decimal("1.00"))
HOUSE_RAISE_CHANCE = 0.5  # per business day, broker-wide
AGGRESSIVE_SHARE = 0.35
DEPOSIT_CHANCE = 0.45  # per business day before the deadline


@dataclass(frozen=True)
class Security:
    """What the desk needs of a security: its volatility and whether it is a fund."""

    volatility: float
    fund: bool


@dataclass(frozen=True)
class Remedy:
    """What meets a margin call today: a deposit of ``amount``, or selling ``amount`` worth of
    ``symbol``."""

    amount: Decimal
    symbol: str | None = None


@dataclass
class _Call:
    deadline: date
    deficit: Decimal
    symbol: str | None  # the position requiring the most
    rate: Decimal  # its maintenance rate


@dataclass
class MarginDesk:
    seed: int
    house: dict[str, tuple[Decimal, date]] = field(default_factory=dict)
    calls: dict[str, _Call] = field(default_factory=dict)
    rng: Random = field(init=False)

    def __post_init__(self) -> None:
        self.rng = Random(f"{self.seed}:margin-desk")

    # ---- leverage

    def leverage(self, account_number: str, margin_type: str) -> Decimal:
        """The gross exposure the account keeps, as a multiple of its equity (1 for cash)."""
        if margin_type not in (MarginType.REG_T, MarginType.PORTFOLIO):
            return ONE
        rng = Random(f"{self.seed}:{account_number}:margin")
        aggressive = rng.random() < AGGRESSIVE_SHARE
        if margin_type == MarginType.PORTFOLIO:
            low, high = (2.5, 4.0) if aggressive else (1.2, 2.0)
        else:
            low, high = (1.6, 1.95) if aggressive else (1.0, 1.3)
        return Decimal(f"{rng.uniform(low, high):.2f}")

    def spendable(self, account_number: str, margin_type: str, cash: Decimal,
                  positions_value: Decimal) -> Decimal:  # fmt: skip
        """What the account may spend on a purchase: its cash, or for a margin account what
        takes its positions up to its leverage (negative: it is above it)."""
        equity = cash + positions_value
        return equity * self.leverage(account_number, margin_type) - positions_value

    # ---- house requirements

    def open_day(self, day: date, held: Mapping[str, Decimal],
                 securities: Mapping[str, Security]) -> None:  # fmt: skip
        """Drop the house requirements that ended; now and then raise one on a symbol that
        leveraged accounts hold (``held``: symbol -> market value held on margin)."""
        self.house = {s: (rate, last) for s, (rate, last) in self.house.items() if last >= day}
        candidates = sorted(s for s in held if s not in self.house and held[s] > 0)
        if not candidates or self.rng.random() >= HOUSE_RAISE_CHANCE:
            return
        weights = [float(held[s]) * (1 + 20 * securities[s].volatility) for s in candidates]
        symbol = self.rng.choices(candidates, weights=weights)[0]
        rate = self.rng.choice(HOUSE_RATES)
        self.house[symbol] = (rate, _business_days_after(day, self.rng.randint(3, 8) - 1))

    # ---- requirements

    def rates(self, symbol: str, margin_type: str, security: Security) -> tuple[Decimal, Decimal]:
        """(initial, maintenance) rates of a long position in ``symbol``."""
        house = self.house.get(symbol, (Decimal(0), date.min))[0]
        if margin_type == MarginType.PORTFOLIO:
            stress = PM_STRESS[_stress_class(symbol, security)]
            moved = Decimal(f"{security.volatility * 6:.4f}")
            maintenance = min(ONE, max(stress, moved, house))
            return min(ONE, maintenance * PM_INITIAL), maintenance
        volatile = not security.fund and security.volatility >= VOLATILE
        maintenance = min(ONE, max(REG_T_VOLATILE if volatile else REG_T_MAINTENANCE, house))
        return max(REG_T_INITIAL, maintenance), maintenance

    def report(self, account_number: str, margin_type: str, cash: Decimal,
               positions: Iterable[tuple[str, Decimal, Decimal, Decimal]],
               securities: Mapping[str, Security], as_of: datetime) -> dict[str, Any]:  # fmt: skip
        """The fields of the account's ``MarginRequirementsReported`` at ``as_of``, from its
        cash and ``positions`` (symbol, quantity, price, market value)."""
        rows: list[dict[str, Any]] = []
        for symbol, quantity, price, value in positions:
            initial_rate, maintenance_rate = self.rates(symbol, margin_type, securities[symbol])
            rows.append({
                "symbol": symbol, "quantity": quantity, "price": price, "market_value": value,
                "asset_class": AssetClass.ETF if securities[symbol].fund else AssetClass.STOCK,
                "initial_requirement": _cents(initial_rate * value),
                "maintenance_requirement": _cents(maintenance_rate * value),
            })  # fmt: skip
        equity = cash + sum((row["market_value"] for row in rows), Decimal(0))
        initial = sum((row["initial_requirement"] for row in rows), Decimal(0))
        maintenance = sum((row["maintenance_requirement"] for row in rows), Decimal(0))
        return {
            "as_of": as_of, "margin_type": MarginType(margin_type), "cash": cash,
            "equity_with_loan_value": equity, "initial_requirement": initial,
            "maintenance_requirement": maintenance, "excess_liquidity": equity - maintenance,
            "positions": rows,
        }  # fmt: skip

    # ---- margin calls

    def note(self, account_number: str, fields: Mapping[str, Any], day: date) -> None:
        """Open (or update) a margin call for an account in deficit; close a met one."""
        excess: Decimal = fields["excess_liquidity"]
        if excess >= 0:
            self.calls.pop(account_number, None)
            return
        top = max(fields["positions"], key=lambda p: p["maintenance_requirement"], default=None)
        rate = (top["maintenance_requirement"] / top["market_value"]) if top else ONE
        deadline = self.calls[account_number].deadline if account_number in self.calls else (
            _business_days_after(day, self.rng.randint(1, 4)))  # fmt: skip
        self.calls[account_number] = _Call(deadline, -excess, top and top["symbol"], rate)

    def remedy(self, account_number: str, day: date) -> Remedy | None:
        """What meets the account's call today, if anything: the client's deposit (the deficit
        and a cushion, in hundreds) or, at the deadline, the desk's sale."""
        call = self.calls.get(account_number)
        if call is None:
            return None
        if day >= call.deadline and call.symbol is not None:
            # selling V of a position at rate r frees r * V of maintenance (the loan shrinks by V)
            value = call.deficit / max(call.rate, Decimal("0.05")) * Decimal("1.25")
            return Remedy(_cents(value), call.symbol)
        if day >= call.deadline or self.rng.random() < DEPOSIT_CHANCE:
            cushion = call.deficit * Decimal(f"{self.rng.uniform(1.2, 2.0):.2f}")
            return Remedy(Decimal(math.ceil(cushion / 100) * 100).quantize(CENT))
        return None


def _cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _stress_class(symbol: str, security: Security) -> str:
    if not security.fund:
        return "stock"
    if symbol in BOND_FUNDS:
        return "bond"
    return "broad" if symbol in BROAD_FUNDS else "fund"


def _business_days_after(day: date, count: int) -> date:
    while count > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            count -= 1
    return day
