"""The PortfolioAnalyst-style performance report (A10): time-weighted returns by month, quarter
and year against a benchmark, the cumulative returns the charts draw, and the period's MWR.

A sub-period's return links the account's daily factors (``domain/statements.py``) from its last
report before the sub-period to its last report in it; the benchmark's is the ratio of its last
level in the sub-period to its last level before it (the first in the report when it has none
before). Sub-periods are calendar months, quarters and years cut to the report's period. Returns
are fractions rounded half up to 6 decimal places; ``excess`` is the account's minus the
benchmark's (of the rounded figures).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from services.analytics.domain.statements import (
    ONE,
    Day,
    Returns,
    check_period,
    linked_factors,
    period_returns,
    rate,
)

MAX_REPORT_DAYS = 10 * 366


class Frequency(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class PeriodReturn:
    frequency: Frequency
    label: str
    start: date
    end: date
    account: Decimal | None
    benchmark: Decimal | None

    @property
    def excess(self) -> Decimal | None:
        if self.account is None or self.benchmark is None:
            return None
        return self.account - self.benchmark


@dataclass(frozen=True, slots=True)
class Point:
    day: date
    account: Decimal | None
    benchmark: Decimal | None


@dataclass(frozen=True, slots=True)
class Performance:
    account_number: str
    period_start: date
    period_end: date
    benchmark: str | None
    returns: Returns
    benchmark_return: Decimal | None
    periods: tuple[PeriodReturn, ...]
    points: tuple[Point, ...]


def _next_boundary(day: date, frequency: Frequency) -> date:
    """The first day of the calendar month, quarter or year after the one holding ``day``."""
    if frequency is Frequency.YEAR:
        return date(day.year + 1, 1, 1)
    months = 1 if frequency is Frequency.MONTH else 3
    first = (day.month - 1) // months * months + 1
    month = first + months
    return date(day.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def _label(day: date, frequency: Frequency) -> str:
    if frequency is Frequency.MONTH:
        return f"{day:%Y-%m}"
    if frequency is Frequency.QUARTER:
        return f"{day.year} Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def calendar_periods(start: date, end: date, frequency: Frequency) -> list[tuple[str, date, date]]:
    """(label, first day, last day) of each calendar period meeting [start, end], cut to it."""
    out = []
    day = start
    while day <= end:
        following = _next_boundary(day, frequency)
        out.append((_label(day, frequency), day, min(end, following - timedelta(days=1))))
        day = following
    return out


class _Series:
    """A step series: the value at the last point on or before a day."""

    def __init__(self, points: Sequence[tuple[date, Decimal]]) -> None:
        self.days = [d for d, _ in points]
        self.values = [v for _, v in points]

    def at(self, day: date) -> Decimal | None:
        index = bisect.bisect_right(self.days, day)
        return self.values[index - 1] if index else None

    def first_after(self, day: date) -> Decimal | None:
        index = bisect.bisect_right(self.days, day)
        return self.values[index] if index < len(self.values) else None


def _ratio(
    series: _Series, start: date, end: date, *, base_before: Decimal | None
) -> Decimal | None:
    before = series.at(start - timedelta(days=1))
    if before is None:
        before = base_before
    last = series.at(end)
    if before is None or last is None or before == 0:
        return None
    if series.days and series.days[-1] < start:
        return None  # nothing reported in the sub-period
    return last / before - ONE


def build_performance(
    account_number: str, start: date, end: date, *, base_nav: Decimal | None, days: Sequence[Day],
    benchmark: str | None, levels: Sequence[tuple[date, Decimal]],
) -> Performance:  # fmt: skip
    """The report for ``[start, end]``: ``days`` are the account's days after its last report
    before ``start`` (valued ``base_nav``), ``levels`` the benchmark's from before ``start``."""
    check_period(start, end, longest=MAX_REPORT_DAYS)
    in_period = [d for d in days if d.day <= end]
    account = _Series(linked_factors(base_nav, in_period))
    index = _Series([(d, v) for d, v in levels if d <= end])
    first_level = index.first_after(start - timedelta(days=1))
    periods = [
        PeriodReturn(
            frequency,
            label,
            s,
            e,
            rate(_ratio(account, s, e, base_before=ONE)),
            rate(_ratio(index, s, e, base_before=first_level)),
        )
        for frequency in Frequency
        for label, s, e in calendar_periods(start, end, frequency)
    ]
    base_level = index.at(start - timedelta(days=1)) or first_level
    points = []
    for day, factor in zip(account.days, account.values, strict=True):
        if day < start:
            continue
        level = index.at(day)
        bench = level / base_level - ONE if level is not None and base_level else None
        points.append(Point(day, rate(factor - ONE), rate(bench)))
    return Performance(
        account_number=account_number, period_start=start, period_end=end, benchmark=benchmark,
        returns=period_returns(base_nav, in_period, start, end),
        benchmark_return=rate(_ratio(index, start, end, base_before=first_level)),
        periods=tuple(periods), points=tuple(points),
    )  # fmt: skip
