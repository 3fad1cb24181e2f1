"""Random books of daily values and external flows, and the time-weighted return computed
from them by its definition with exact fractions: the reference the kept running sums (unit
tests) and the performance query (integration tests) are compared with."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from contracts.accounts import Deposit, NetAssetValueReported, Withdrawal
from contracts.envelope import Event
from tests.unit.analytics.ledger_fakes import money

MASTER = "F1000001"
DAY0 = date(2026, 1, 5)

Series = dict[date, tuple[Decimal | None, Decimal]]
"""One account's days: (value reported or None, external flows booked that day)."""


def reference_return(series: Series, date_from: date, date_to: date) -> float:
    """The definition, exactly: the product over the reported days t in (start, end] of
    V_t / (V_prev + F_t) (1 when that is not positive), minus one; start and end are the last
    reported days on or before each end of the period."""
    product, previous, pending = Fraction(1), Fraction(0), Fraction(0)
    reported = [d for d in sorted(series) if series[d][0] is not None]
    start = max((d for d in reported if d <= date_from), default=None)
    end = max(d for d in reported if d <= date_to)
    for day in sorted(series):
        nav, flow = series[day]
        pending += Fraction(flow)
        if nav is None:
            continue
        invested = previous + pending
        if (start is None or day > start) and day <= end and invested > 0 and nav >= 0:
            product *= Fraction(nav) / invested
        previous, pending = Fraction(nav), Fraction(0)
    return float(product - 1)


def a_book(
    rng: random.Random, accounts: int, days: int, *, prefix: str = "U71", day0: date = DAY0
) -> dict[str, Series]:
    book: dict[str, Series] = {}
    for k in range(accounts):
        series: Series = {}
        value = rng.uniform(1_000, 200_000)
        first = rng.choice([0, 0, 0, rng.randrange(days // 2)])  # some open later
        for offset in range(first, days):
            day = day0 + timedelta(days=offset)
            flow = Decimal(0)
            if rng.random() < 0.12:
                flow = money(rng.uniform(-0.4, 1.0) * value * 0.2)
                value += float(flow)
            value *= rng.gauss(1.0004, 0.02)
            reported = rng.random() < 0.75 or offset == first
            if reported or flow:
                series[day] = (money(value) if reported else None, flow)
        book[f"{prefix}{k:05d}"] = series
    return book


def events_of(book: dict[str, Series]) -> list[Event]:
    events: list[Event] = []
    for account, series in book.items():
        for day, (nav, flow) in series.items():
            if nav is not None:
                events.append(NetAssetValueReported(account_number=account, as_of=day,
                                                    net_asset_value=nav))  # fmt: skip
            if flow:
                kind = Deposit if flow > 0 else Withdrawal
                events.append(kind(account_number=account, transaction_id=f"T-{account}-{day}",
                                   amount=abs(flow), booked_on=day))  # fmt: skip
    return events
