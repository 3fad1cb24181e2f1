"""Activity statements (A10): what a client account did in a period, its totals, and its
time-weighted and money-weighted returns.

Rounding (stated once, used everywhere): amounts are ``Decimal`` at full precision until shown;
each total is the sum of the amounts listed (already to the cent), and the change in value is
what is left of the closing value once the opening value and the listed flows and income are
taken away, so that ``opening + flows + dividends + interest + change = closing`` to the cent.
Returns are fractions rounded half up to 6 decimal places (0.0001 %).

Time-weighted return (TWR): daily-linked with the convention of ``domain/twr.py`` (a day's
external flow is there from the start of that day: ``g_t = V_t / (V_prev + F_t)``, 1 where
nothing is invested), here in ``Decimal``. The base is the last value reported before the
period; flows booked after that report and before the period are the first day's flows.

Money-weighted return (MWR): the internal rate of return of the period, not annualised: the
rate ``R`` for which the opening value and each flow, grown at ``R`` for the share of the
period it was invested, come to the closing value,

    V_0 (1 + R) + sum_i F_i (1 + R) ** ((T - t_i) / T) = V_1,

with ``T`` the period's days and ``t_i`` the days from the period's start to the start of the
flow's day. Solver: bisection on ``R`` in (-1, 10**6] in ``Decimal`` (28 digits), from a bracket
where the two sides change sign, until the bracket is narrower than 1e-12 (it always converges
where a root is bracketed; none: no MWR). Periods of a year or more also show both returns
annualised, ``(1 + r) ** (365 / T) - 1``.

Consolidated statement (linked accounts, L3): the statements of every account of the link group
for the same period, combined. Its net asset value section is the sum of the accounts' own
(opening, flows, income, change and closing, each to the cent, so it reconciles as each does);
the transactions of all the accounts are listed with their account number and totalled by kind;
positions are merged by symbol (quantities and market values summed, as of the latest report);
fees are listed together. Its returns are not an average of the accounts' returns: TWR and MWR
are computed as above on the group's summed daily values and summed external flows
(``combine_days``: on a day any account reports a value, the group's value is the sum of each
account's value that day or, for an account not reporting, its last value plus its flows since).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum

from services.runtime.errors import Invalid

CENT = Decimal("0.01")
RATE = Decimal("0.000001")
ZERO = Decimal(0)
ONE = Decimal(1)
MAX_PERIOD_DAYS = 3 * 366 + 1
"""A statement covers at most three years (a performance report: ten)."""
ROUNDING_NOTE = (
    "Amounts in USD to the cent; totals are sums of the amounts listed; the change in value is "
    "the rest of the closing value. Returns are fractions rounded half up to 6 decimals; TWR "
    "daily-linked, MWR the period's internal rate of return (bisection), not annualised."
)


class Section(StrEnum):
    SUMMARY = "summary"
    POSITIONS = "positions"
    TRANSACTIONS = "transactions"
    FEES = "fees"
    PERFORMANCE = "performance"


SECTION_LABELS = {
    Section.SUMMARY: "Net asset value",
    Section.POSITIONS: "Open positions",
    Section.TRANSACTIONS: "Transactions",
    Section.FEES: "Fees",
    Section.PERFORMANCE: "Performance",
}


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def rate(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(RATE, ROUND_HALF_UP)


def check_period(start: date, end: date, *, longest: int = MAX_PERIOD_DAYS) -> int:
    """The period's days (both ends included); refuses an empty or too long period."""
    if end < start:
        raise Invalid("the period ends before it starts", field="period_end")
    days = (end - start).days + 1
    if days > longest:
        raise Invalid(f"a period is at most {longest} days", field="period_end")
    return days


@dataclass(frozen=True, slots=True)
class Day:
    """One day of an account: its reported value (None: only flows) and its external flows."""

    day: date
    nav: Decimal | None
    flow: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class Transaction:
    transaction_id: str
    booked_on: date
    kind: str
    description: str
    amount: Decimal
    flow: Decimal
    status: str
    symbol: str | None = None
    quantity: Decimal | None = None
    account_number: str | None = None  # named in a consolidated statement


@dataclass(frozen=True, slots=True)
class Holding:
    symbol: str
    quantity: Decimal
    market_value: Decimal


@dataclass(frozen=True, slots=True)
class Fee:
    number: str
    period_start: date
    period_end: date
    description: str
    amount: Decimal
    reimbursed: Decimal


@dataclass(frozen=True, slots=True)
class KindTotal:
    kind: str
    count: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Summary:
    opening_nav: Decimal
    opening_as_of: date | None
    net_flows: Decimal
    dividends: Decimal
    interest: Decimal
    change_in_value: Decimal
    closing_nav: Decimal
    closing_as_of: date | None


@dataclass(frozen=True, slots=True)
class Returns:
    twr: Decimal | None
    mwr: Decimal | None
    twr_annualized: Decimal | None = None
    mwr_annualized: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Statement:
    account_number: str
    period_start: date
    period_end: date
    sections: tuple[Section, ...]
    summary: Summary
    totals: tuple[KindTotal, ...]
    transactions: tuple[Transaction, ...] = ()
    positions: tuple[Holding, ...] = ()
    positions_as_of: date | None = None
    fees: tuple[Fee, ...] = ()
    fees_total: Decimal = ZERO
    returns: Returns = field(default_factory=lambda: Returns(None, None))
    accounts: tuple[str, ...] = ()  # a consolidated statement: the linked accounts it combines


# ---- returns ------------------------------------------------------------------------------


def _growth(previous: Decimal, flow: Decimal, nav: Decimal) -> Decimal:
    invested = previous + flow
    if invested <= 0 or nav < 0:
        return ONE
    return nav / invested


def linked_factors(base_nav: Decimal | None, days: Sequence[Day]) -> list[tuple[date, Decimal]]:
    """(day, growth since the base) at every reported day, daily-linked."""
    previous = base_nav if base_nav is not None else ZERO
    factor, pending = ONE, ZERO
    out: list[tuple[date, Decimal]] = []
    with localcontext() as context:
        context.prec = 28
        for row in days:
            pending += row.flow
            if row.nav is None:
                continue
            factor *= _growth(previous, pending, row.nav)
            out.append((row.day, factor))
            previous, pending = row.nav, ZERO
    return out


def time_weighted(base_nav: Decimal | None, days: Sequence[Day]) -> Decimal | None:
    """The daily-linked TWR over ``days`` (None: no value reported in them)."""
    factors = linked_factors(base_nav, days)
    return factors[-1][1] - ONE if factors else None


def _bisect(f: Callable[[Decimal], Decimal], low: Decimal, high: Decimal) -> Decimal | None:
    f_low = f(low)
    if f_low == 0:
        return low
    while f(high) * f_low > 0:  # widen the bracket up to 10**6 (a millionfold)
        if high >= Decimal(10) ** 6:
            return None
        high *= 10
    for _ in range(400):
        middle = (low + high) / 2
        f_middle = f(middle)
        if f_middle == 0 or high - low < Decimal("1e-12"):
            return middle
        if (f_middle > 0) == (f_low > 0):
            low, f_low = middle, f_middle
        else:
            high = middle
    return (low + high) / 2


def money_weighted(
    opening: Decimal, flows: Sequence[tuple[date, Decimal]], closing: Decimal, start: date,
    end: date,
) -> Decimal | None:  # fmt: skip
    """The period's IRR (see the module's docstring); None when nothing was invested or no
    rate brings the flows to the closing value."""
    total_days = Decimal((end - start).days + 1)
    weighted = [
        (amount, (total_days - (day - start).days) / total_days)
        for day, amount in flows
        if amount and start <= day <= end
    ]
    if opening <= 0 and not any(amount > 0 for amount, _ in weighted):
        return None

    def excess(r: Decimal) -> Decimal:
        grown = ONE + r
        return opening * grown + sum((a * grown**w for a, w in weighted), ZERO) - closing

    with localcontext() as context:
        context.prec = 28
        return _bisect(excess, Decimal("-0.999999999"), ONE)


def annualized(period_return: Decimal | None, days: int) -> Decimal | None:
    """A period's return as a yearly rate, for periods of a year or more only."""
    if period_return is None or days < 365 or period_return <= -1:
        return None
    with localcontext() as context:
        context.prec = 28
        return (ONE + period_return) ** (Decimal(365) / Decimal(days)) - ONE


def period_returns(
    base_nav: Decimal | None, days: Sequence[Day], start: date, end: date
) -> Returns:
    """TWR and MWR of the period (``days``: every day after the base report up to ``end``)."""
    carried = sum((d.flow for d in days if d.day < start), ZERO)
    opening = (base_nav or ZERO) + carried
    reported = [d for d in days if d.nav is not None and d.day <= end]
    closing = reported[-1].nav if reported and reported[-1].nav is not None else opening
    twr = time_weighted(base_nav, [d for d in days if d.day <= end])
    mwr = money_weighted(opening, [(d.day, d.flow) for d in days if d.day >= start], closing,
                         start, end)  # fmt: skip
    length = (end - start).days + 1
    return Returns(twr=rate(twr), mwr=rate(mwr), twr_annualized=rate(annualized(twr, length)),
                   mwr_annualized=rate(annualized(mwr, length)))  # fmt: skip


# ---- the statement --------------------------------------------------------------------------


def summarize(
    base: tuple[date, Decimal] | None, days: Sequence[Day], transactions: Sequence[Transaction],
    start: date, end: date,
) -> tuple[Summary, tuple[KindTotal, ...]]:  # fmt: skip
    """The statement's summary and its totals per kind, from the listed transactions."""
    carried = sum((d.flow for d in days if d.day < start), ZERO)
    opening = money((base[1] if base else ZERO) + carried)
    reported = [d for d in days if d.nav is not None and d.day <= end]
    closing_as_of: date | None
    if reported and reported[-1].nav is not None:
        closing, closing_as_of = money(reported[-1].nav), reported[-1].day
    else:
        closing, closing_as_of = opening, base[0] if base else None
    listed = [t for t in transactions if start <= t.booked_on <= end]
    totals: dict[str, KindTotal] = {}
    for t in listed:
        if t.status != "completed":
            continue
        now = totals.get(t.kind, KindTotal(t.kind, 0, ZERO))
        totals[t.kind] = KindTotal(t.kind, now.count + 1, now.amount + t.amount)
    flows = sum((t.flow for t in listed), ZERO)
    dividends = totals["dividend"].amount if "dividend" in totals else ZERO
    interest = totals["interest"].amount if "interest" in totals else ZERO
    change = closing - opening - flows - dividends - interest
    summary = Summary(opening_nav=opening, opening_as_of=base[0] if base else None,
                      net_flows=flows, dividends=dividends, interest=interest,
                      change_in_value=change, closing_nav=closing, closing_as_of=closing_as_of)  # fmt: skip
    return summary, tuple(totals[k] for k in sorted(totals))


def build_statement(
    account_number: str, start: date, end: date, sections: Sequence[Section], *,
    base: tuple[date, Decimal] | None, days: Sequence[Day], transactions: Sequence[Transaction],
    holdings: Sequence[Holding] = (), holdings_as_of: date | None = None,
    fees: Sequence[Fee] = (),
) -> Statement:  # fmt: skip
    """The statement of one account for the period, with the sections asked for (in order)."""
    check_period(start, end)
    chosen = tuple(s for s in Section if s in set(sections)) or tuple(Section)
    summary, totals = summarize(base, days, transactions, start, end)
    listed = tuple(
        sorted(
            (t for t in transactions if start <= t.booked_on <= end),
            key=lambda t: (t.booked_on, t.transaction_id),
        )
    )
    return Statement(
        account_number=account_number, period_start=start, period_end=end, sections=chosen,
        summary=summary, totals=totals, transactions=listed,
        positions=tuple(sorted(holdings, key=lambda h: h.symbol)), positions_as_of=holdings_as_of,
        fees=tuple(fees), fees_total=sum((f.amount - f.reimbursed for f in fees), ZERO),
        returns=period_returns(base[1] if base else None, days, start, end),
    )  # fmt: skip


# ---- consolidated statements (linked accounts) ------------------------------------------------

Series = tuple[tuple[date, Decimal] | None, Sequence[Day]]
"""An account's last value reported before the period, and its days after it (as ``days``)."""


def combine_days(series: Sequence[Series]) -> tuple[tuple[date, Decimal] | None, list[Day]]:
    """The group's base and days from each account's (see the module's docstring): the base is
    the sum of the accounts' bases (dated at the latest), each day's flow the sum of the flows,
    and its value, on a day any account reports one, the sum of every account's current value
    (its value that day, or its last one plus its flows since)."""
    bases = [base for base, _ in series if base is not None]
    base = (max(b[0] for b in bases), sum((b[1] for b in bases), ZERO)) if bases else None
    current = [b[1] if b is not None else ZERO for b, _ in series]
    by_day: dict[date, list[tuple[int, Day]]] = {}
    for index, (_, days) in enumerate(series):
        for row in days:
            by_day.setdefault(row.day, []).append((index, row))
    out: list[Day] = []
    for day in sorted(by_day):
        reported = False
        for index, row in by_day[day]:
            if row.nav is None:
                current[index] += row.flow
            else:
                current[index], reported = row.nav, True
        flow = sum((row.flow for _, row in by_day[day]), ZERO)
        out.append(Day(day, sum(current, ZERO) if reported else None, flow))
    return base, out


def _latest(dates: Sequence[date | None]) -> date | None:
    known = [d for d in dates if d is not None]
    return max(known) if known else None


def consolidate(
    account_number: str, statements: Sequence[Statement], series: Sequence[Series]
) -> Statement:
    """The consolidated statement of a link group, from each account's statement of the same
    period and sections (``statements``) and each account's values (``series``, same order)."""
    if not statements:
        raise Invalid("a consolidated statement needs at least one account", field="account")
    first = statements[0]
    summaries = [s.summary for s in statements]

    def total(name: str) -> Decimal:
        return sum((getattr(s, name) for s in summaries), ZERO)

    summary = Summary(
        opening_nav=total("opening_nav"), opening_as_of=_latest([s.opening_as_of for s in summaries]),
        net_flows=total("net_flows"), dividends=total("dividends"), interest=total("interest"),
        change_in_value=total("change_in_value"), closing_nav=total("closing_nav"),
        closing_as_of=_latest([s.closing_as_of for s in summaries]),
    )  # fmt: skip
    kinds: dict[str, KindTotal] = {}
    for s in statements:
        for t in s.totals:
            now = kinds.get(t.kind, KindTotal(t.kind, 0, ZERO))
            kinds[t.kind] = KindTotal(t.kind, now.count + t.count, now.amount + t.amount)
    held: dict[str, Holding] = {}
    for s in statements:
        for h in s.positions:
            now_held = held.get(h.symbol, Holding(h.symbol, ZERO, ZERO))
            held[h.symbol] = Holding(h.symbol, now_held.quantity + h.quantity,
                                     now_held.market_value + h.market_value)  # fmt: skip
    listed = sorted(
        (replace(t, account_number=s.account_number) for s in statements for t in s.transactions),
        key=lambda t: (t.booked_on, t.account_number or "", t.transaction_id),
    )
    fees = sorted((f for s in statements for f in s.fees), key=lambda f: (f.period_start, f.number))
    base, days = combine_days(series)
    return Statement(
        account_number=account_number, period_start=first.period_start,
        period_end=first.period_end, sections=first.sections, summary=summary,
        totals=tuple(kinds[k] for k in sorted(kinds)), transactions=tuple(listed),
        positions=tuple(held[k] for k in sorted(held)),
        positions_as_of=_latest([s.positions_as_of for s in statements]), fees=tuple(fees),
        fees_total=sum((s.fees_total for s in statements), ZERO),
        returns=period_returns(base[1] if base else None, days, first.period_start, first.period_end),
        accounts=tuple(sorted(s.account_number for s in statements)),
    )  # fmt: skip
