"""The time-weighted return against worked examples computed by hand (outside the code).

Convention (``services/analytics/domain/twr.py``): a day's external flow is invested from the
start of that day, g_t = V_t / (V_prev + F_t), and the period's return is the product of the
days' factors minus one.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal

import pytest

from services.analytics.domain.twr import AccountDay, growth, linked_returns, period_return, relink

D = Decimal


def test_the_worked_example_with_a_deposit_and_a_withdrawal() -> None:
    """By hand:
    2 Jan  value 100,000                      (the start)
    3 Jan  deposit 10,000, value 112,000      g = 112,000 / (100,000 + 10,000) = 1.0181818...
    4 Jan  withdrawal 5,000, value 105,500    g = 105,500 / (112,000 -  5,000) = 0.9859813...
    5 Jan  no flow, value 108,000             g = 108,000 / 105,500            = 1.0236967...
    TWR = 112,000/110,000 x 105,500/107,000 x 108,000/105,500 - 1
        = (112,000 x 108,000) / (110,000 x 107,000) - 1      (105,500 cancels)
        = 12,096,000,000 / 11,770,000,000 - 1 = 0.0276975361...  (2.7698 %)
    The simple return (108,000 - 100,000) / 100,000 = 8 % would count the net 5,000 deposited."""
    points = [
        (date(2025, 1, 3), D(112_000), D(10_000)),
        (date(2025, 1, 4), D(105_500), D(-5_000)),
        (date(2025, 1, 5), D(108_000), D(0)),
    ]
    linked = linked_returns(points, base_nav=D(100_000))
    assert linked[-1][2] == pytest.approx(12_096_000_000 / 11_770_000_000 - 1, abs=1e-12)
    assert linked[-1][2] == pytest.approx(0.0276975361, abs=1e-10)
    assert linked[0][2] == pytest.approx(112_000 / 110_000 - 1, abs=1e-12)  # 1.8182 %


def test_a_weekend_deposit_belongs_to_the_next_reported_day() -> None:
    """Fri value 50,000; Sat deposit 25,000 (no report); Mon value 76,500.
    g(Mon) = 76,500 / (50,000 + 25,000) = 1.02 -> 2 % exactly."""
    base = AccountDay(date(2025, 3, 7), D(50_000), cum_log=0.0)
    days = [AccountDay(date(2025, 3, 8), None, D(25_000)), AccountDay(date(2025, 3, 10), D(76_500))]
    (monday,) = relink(base, days)
    assert monday.day == date(2025, 3, 10)
    assert period_return(0.0, monday.cum_log or 0.0) == pytest.approx(0.02, abs=1e-12)


def test_the_running_log_growth_gives_any_periods_return_from_two_lookups() -> None:
    """An account funded with 1,000 on day 1 (value 1,010: +1 % on the day it was funded),
    then +10 %, then -5 %: over days 2..3 the return is 1.10 x 0.95 - 1 = 4.5 %."""
    days = [
        AccountDay(date(2025, 2, 3), D(1010), D(1000)),
        AccountDay(date(2025, 2, 4), D(1111)),
        AccountDay(date(2025, 2, 5), D("1055.45")),
    ]
    first, second, third = relink(None, days)
    assert math.expm1(first.cum_log or 0) == pytest.approx(0.01)
    assert period_return(first.cum_log, third.cum_log or 0) == pytest.approx(0.045, abs=1e-12)
    assert period_return(None, third.cum_log or 0) == pytest.approx(1.01 * 1.10 * 0.95 - 1)
    # nothing changed: nothing to write back
    assert relink(None, [first, second, third]) == []


def test_a_late_value_reprices_only_what_follows_it() -> None:
    """A value for day 2 that arrives after day 3 was linked: day 3's factor is redone."""
    base = AccountDay(date(2025, 2, 3), D(1000), cum_log=0.0)
    day3 = AccountDay(date(2025, 2, 5), D(1210), cum_log=math.log(1.21))
    late = AccountDay(date(2025, 2, 4), D(1100))
    changed = relink(base, [late, day3])
    assert [row.day for row in changed] == [date(2025, 2, 4)]  # day 3's total is unchanged
    assert changed[0].cum_log == pytest.approx(math.log(1.1))


def test_nothing_invested_has_no_return() -> None:
    assert growth(D(0), D(0), D(0)) == 1.0
    assert growth(D(100), D(-100), D(0)) == 1.0  # everything withdrawn
    assert growth(D(100), D(0), D(90)) == pytest.approx(0.9)
