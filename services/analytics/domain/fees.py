"""Fee administration (A9): fee templates, what an invoice for a period charges, reimbursements.

A template is one of three kinds:
- ``aum``: an annual percentage of assets under management in marginal tiers (the first
  1,000,000 at 1%, the next at 0.75%, ...), charged on the period's average daily net asset value
  for the days of the period over a 365-day year;
- ``flat``: an annual amount, charged for the days of the period over 365;
- ``per_trade``: an amount per trade executed in the period.

A template may also state a minimum a year (``aum`` and ``per_trade``; a flat fee is its own
minimum), prorated to the period's days over 365 like a flat fee. The template's charges of a
period are compared with it, and a shortfall is charged once on a line of its own. Accounts linked
under one username (L3) share the minimum: the charges of all the group's accounts on the same
template are consolidated, compared with one minimum, and the shortfall is charged once, on the
invoice of the group's primary account (the account the latest link kept), or of the group's
lowest account number when the primary account is not on that template.

Amounts are ``Decimal``: every step at full precision, each invoice line rounded once, half up, to
the cent; the invoice's total is the sum of its rounded lines (what the client reads adds up).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from uuid import UUID

from services.analytics.domain.account_links import LinkGroup
from services.runtime.errors import Conflict, Invalid

CENT = Decimal("0.01")
DAYS_IN_YEAR = Decimal(365)
MAX_PERIOD_DAYS = 366


class FeeKind(StrEnum):
    AUM = "aum"
    FLAT = "flat"
    PER_TRADE = "per_trade"


@dataclass(frozen=True, slots=True)
class Tier:
    up_to: Decimal | None  # None: everything above the previous tier
    annual_percent: Decimal


@dataclass(frozen=True, slots=True)
class FeeTemplate:
    kind: FeeKind
    tiers: tuple[Tier, ...] = ()
    amount: Decimal = Decimal(0)  # flat: per year; per_trade: per trade
    minimum: Decimal = Decimal(0)  # a year, prorated like a flat fee; 0: none


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_UP)


def check_template(template: FeeTemplate) -> None:
    problems: list[tuple[tuple[str | int, ...], str]] = []
    if template.kind is FeeKind.AUM:
        if not template.tiers:
            problems.append((("tiers",), "an AUM fee needs at least one tier"))
        previous = Decimal(0)
        for index, tier in enumerate(template.tiers):
            last = index == len(template.tiers) - 1
            if not Decimal(0) <= tier.annual_percent <= Decimal(100):
                problems.append((("tiers", index, "annual_percent"), "between 0 and 100"))
            if tier.up_to is None and not last:
                problems.append((("tiers", index, "up_to"), "only the last tier is open-ended"))
            if tier.up_to is not None and tier.up_to <= previous:
                problems.append((("tiers", index, "up_to"), "above the previous tier's bound"))
            if last and tier.up_to is not None:
                problems.append((("tiers", index, "up_to"), "the last tier is open-ended"))
            previous = tier.up_to if tier.up_to is not None else previous
    elif template.tiers:
        problems.append((("tiers",), f"a {template.kind.value} fee has no tiers"))
    if template.kind is not FeeKind.AUM and template.amount <= 0:
        problems.append((("amount",), "above 0"))
    if template.minimum < 0:
        problems.append((("minimum",), "0 or above"))
    elif template.kind is FeeKind.FLAT and template.minimum > 0:
        problems.append((("minimum",), "a flat fee is its own minimum: leave the minimum at 0"))
    if problems:
        raise Invalid.of(problems)


def annual_aum_fee(tiers: tuple[Tier, ...], assets: Decimal) -> Decimal:
    """The year's fee on ``assets`` through the marginal tiers, unrounded."""
    fee, lower = Decimal(0), Decimal(0)
    for tier in tiers:
        upper = assets if tier.up_to is None else min(assets, tier.up_to)
        if upper > lower:
            fee += (upper - lower) * tier.annual_percent / 100
        if tier.up_to is None or assets <= tier.up_to:
            break
        lower = tier.up_to
    return fee


@dataclass(frozen=True, slots=True)
class PeriodActivity:
    """What an account did in a period, from the event stream."""

    average_nav: Decimal
    nav_days: int
    trades: int


@dataclass(frozen=True, slots=True)
class InvoiceLine:
    description: str
    basis: str
    amount: Decimal


def period_days(start: date, end: date) -> int:
    if end < start:
        raise Invalid("the period ends before it starts", field="period_end")
    days = (end - start).days + 1
    if days > MAX_PERIOD_DAYS:
        raise Invalid(f"a period is at most {MAX_PERIOD_DAYS} days", field="period_end")
    return days


def invoice_line(
    template: FeeTemplate, name: str, activity: PeriodActivity, days: int
) -> InvoiceLine:
    """One line: the template's charge for an account's period, rounded half up to the cent."""
    share = Decimal(days) / DAYS_IN_YEAR
    if template.kind is FeeKind.AUM:
        basis = f"average NAV {money(activity.average_nav)} over {activity.nav_days} day(s), {days}/365 of a year"
        amount = annual_aum_fee(template.tiers, activity.average_nav) * share
    elif template.kind is FeeKind.FLAT:
        basis = f"{money(template.amount)} a year, {days}/365 of a year"
        amount = template.amount * share
    else:
        basis = f"{activity.trades} trade(s) at {money(template.amount)}"
        amount = template.amount * activity.trades
    return InvoiceLine(description=name, basis=basis, amount=money(amount))


@dataclass(frozen=True, slots=True)
class MinimumShare:
    """The accounts that share one minimum of one template, and the account it is charged to."""

    template_id: UUID
    payer: str
    accounts: tuple[str, ...]


def minimum_shares(
    configured: Mapping[str, UUID], groups: Mapping[str, LinkGroup]
) -> dict[str, list[MinimumShare]]:
    """The minimum shares of the configured accounts (account -> its template), by payer: the
    accounts of one link group on one template share one minimum; an account in no group has its
    own."""
    units: dict[tuple[UUID, tuple[str, ...]], list[str]] = {}
    for account, template_id in configured.items():
        group = groups.get(account)
        key = group.accounts if group is not None else (account,)
        units.setdefault((template_id, key), []).append(account)
    shares: dict[str, list[MinimumShare]] = {}
    for (template_id, _), accounts in units.items():
        group = groups.get(accounts[0])
        primary = group.primary if group is not None else None
        payer = primary if primary in accounts else min(accounts)
        share = MinimumShare(template_id, payer, tuple(sorted(accounts)))
        shares.setdefault(payer, []).append(share)
    return shares


def minimum_line(template: FeeTemplate, name: str, charges: Decimal, accounts: int,
                 days: int) -> InvoiceLine | None:  # fmt: skip
    """What the period's charges (the sum of the sharing accounts' rounded lines) fall short of
    the template's prorated minimum, rounded half up once; none when they reach it."""
    if template.minimum <= 0:
        return None
    prorated = template.minimum * Decimal(days) / DAYS_IN_YEAR
    shortfall = money(max(Decimal(0), prorated - charges))
    if shortfall == 0:
        return None
    whose = f"consolidated across {accounts} linked accounts" if accounts > 1 else "of this account"
    basis = (f"minimum {money(template.minimum)} a year, {days}/365 of a year: {money(prorated)}; "
             f"charges {whose}: {money(charges)}")  # fmt: skip
    return InvoiceLine(description=f"{name}: minimum fee", basis=basis, amount=shortfall)


def reimbursable(total: Decimal, reimbursed: Decimal, amount: Decimal) -> None:
    """A reimbursement is above zero and never takes more than the invoice charged."""
    if amount <= 0:
        raise Invalid("a reimbursement is above 0", field="amount")
    if money(amount) != amount:
        raise Invalid("an amount has at most two decimal places", field="amount")
    if reimbursed + amount > total:
        raise Conflict(f"only {money(total - reimbursed)} of this invoice is left to reimburse")
