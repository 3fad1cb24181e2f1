"""Time-weighted return (A1's year-to-date return, A3's performance query): daily-linked, with
external cash flows removed.

Convention (stated once, used everywhere): a day's external flow (deposits, withdrawals,
positions transferred in or out, internal transfers, each signed as it moves the account's value)
is available from the start of that day, so the day's growth factor is

    g_t = V_t / (V_prev + F_t)

where V_prev is the previous reported net asset value (0 before the first) and F_t the flows
booked after that report up to and including day t. A day whose denominator is not positive
(nothing invested) has no return: g_t = 1. The return over a period is the product of the
factors of the days in it, minus one. For storage each account keeps the running sum of
ln(g_t) at every report, so a period's return is exp(cum(end) - cum(start)) - 1: two lookups per
account, whatever the period's length.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import NamedTuple


def growth(previous_nav: Decimal, flow: Decimal, nav: Decimal) -> float:
    """The factor of one day: ``nav / (previous_nav + flow)``, 1 where nothing was invested."""
    invested = previous_nav + flow
    if invested <= 0 or nav < 0:
        return 1.0
    return float(nav / invested)


def log_growth(previous_nav: Decimal, flow: Decimal, nav: Decimal) -> float:
    factor = growth(previous_nav, flow, nav)
    return math.log(factor) if factor > 0 else 0.0


@dataclass(frozen=True, slots=True)
class AccountDay:
    """One day of one account: its reported value (None: only flows that day), the external
    flows booked that day, and the running log-growth kept at each reported value."""

    day: date
    nav: Decimal | None
    flow: Decimal = Decimal(0)
    cum_log: float | None = None


def relink(base: AccountDay | None, days: Sequence[AccountDay]) -> list[AccountDay]:
    """``days`` (in order, after ``base``, the last reported day before them) with their running
    log-growth recomputed; only those whose value changed are returned."""
    previous_nav = base.nav if base is not None and base.nav is not None else Decimal(0)
    cum = base.cum_log if base is not None and base.cum_log is not None else 0.0
    pending = Decimal(0)
    changed: list[AccountDay] = []
    for row in days:
        pending += row.flow
        if row.nav is None:
            continue
        cum += log_growth(previous_nav, pending, row.nav)
        if row.cum_log is None or not math.isclose(row.cum_log, cum, rel_tol=0, abs_tol=1e-12):
            changed.append(AccountDay(row.day, row.nav, row.flow, cum))
        previous_nav, pending = row.nav, Decimal(0)
    return changed


def merge(
    base: AccountDay | None,
    days: Sequence[AccountDay],
    *,
    values: Mapping[date, Decimal] | None = None,
    flows: Mapping[date, Decimal] | None = None,
) -> list[AccountDay]:
    """One account's days after ``base`` (its last reported day before the earliest change;
    ``days`` as stored, in order, flow-only days included) once new reported values (replacing
    the day's) and new external flows (added to the day's) are in: every day to write, in order
    — those given a value or flows, and those whose running log-growth changed."""
    by_day = {row.day: row for row in days}
    touched: set[date] = set()
    for day, nav in (values or {}).items():
        kept = by_day.get(day)
        by_day[day] = AccountDay(day, nav, kept.flow if kept else Decimal(0))
        touched.add(day)
    for day, flow in (flows or {}).items():
        kept = by_day.get(day)
        by_day[day] = (AccountDay(day, kept.nav, kept.flow + flow, kept.cum_log) if kept
                       else AccountDay(day, None, flow))  # fmt: skip
        touched.add(day)
    ordered = [by_day[day] for day in sorted(by_day)]
    relinked = {row.day: row for row in relink(base, ordered)}
    written = touched | relinked.keys()
    return [relinked.get(row.day, row) for row in ordered if row.day in written]


class PeriodReturn(NamedTuple):
    """An account's return over a period (the performance query's row)."""

    account_number: str
    account_title: str | None
    start_value: Decimal
    end_value: Decimal
    twr: float


def period_return(cum_start: float | None, cum_end: float) -> float:
    """The return between two running log-growths (no report before the start: from 0)."""
    return math.expm1(cum_end - (cum_start or 0.0))


def linked_returns(
    points: Iterable[tuple[date, Decimal | None, Decimal]], *, base_nav: Decimal | None = None
) -> list[tuple[date, Decimal, float]]:
    """Cumulative returns of a value series with flows: (day, value, return since the start) at
    every reported day; ``base_nav`` is the value just before the first point (0: none)."""
    previous = base_nav if base_nav is not None else Decimal(0)
    cum, pending = 0.0, Decimal(0)
    out: list[tuple[date, Decimal, float]] = []
    for day, nav, flow in points:
        pending += flow
        if nav is None:
            continue
        cum += log_growth(previous, pending, nav)
        out.append((day, nav, math.expm1(cum)))
        previous, pending = nav, Decimal(0)
    return out
