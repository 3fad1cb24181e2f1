"""The running log-growth kept at ingest (``ingest._link`` with ``domain/twr.merge``) against a
reference computed from scratch with exact fractions, on random books: values and flows arrive
in random batches and in any order (late values, flows on days without a value, accounts that
start late or pause), as the two consumers bring them; any period's return read from the kept
running sums equals the product of that period's daily factors."""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from contracts.accounts import Deposit, NetAssetValueReported
from contracts.envelope import Envelope, Event
from services.analytics.domain.twr import AccountDay, merge, period_return
from services.analytics.service_layer.ingest import apply_transactions, apply_valuations
from services.analytics.service_layer.unit_of_work import LedgerUnitOfWork
from services.runtime.consumers import Delivery
from tests.unit.analytics.ledger_fakes import ledger_uow
from tests.unit.analytics.twr_books import DAY0, MASTER, a_book, events_of, reference_return


def delivered(events: list[Event]) -> list[Delivery[Any]]:
    return [Delivery(e, Envelope.wrap(e, master_account_id=MASTER)) for e in events]


async def ingest(uow: LedgerUnitOfWork, events: list[Event], rng: random.Random) -> None:
    """Random batches, each split between the two consumers as the topics split them."""
    rng.shuffle(events)
    while events:
        cut = rng.randint(1, 60)
        batch, events = events[:cut], events[cut:]
        values: list[Event] = [e for e in batch if isinstance(e, NetAssetValueReported)]
        flows = [e for e in batch if not isinstance(e, NetAssetValueReported)]
        if rng.random() < 0.5:
            values, flows = flows, values  # the other consumer's batch first
        for part in (values, flows):
            if part:
                apply = apply_valuations if isinstance(part[0], NetAssetValueReported) else (
                    apply_transactions)  # fmt: skip
                await apply(delivered(part), uow)


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
async def test_any_periods_return_from_the_kept_sums_equals_the_definition(seed: int) -> None:
    rng = random.Random(seed)
    book = a_book(rng, accounts=12, days=45)
    fake, uow = ledger_uow()
    await ingest(uow, events_of(book), rng)

    for account, series in book.items():
        stored = fake.account_days.days(account)
        assert [(d.day, d.nav, d.flow) for d in stored] == [
            (day, nav, flow) for day, (nav, flow) in sorted(series.items())
        ], "every value and every flow is kept once"
        for _ in range(15):
            date_from = DAY0 + timedelta(days=rng.randrange(-3, 40))
            date_to = date_from + timedelta(days=rng.randrange(1, 20))
            reported = [d for d in stored if d.nav is not None]
            start = max((d for d in reported if d.day <= date_from), key=lambda d: d.day,
                        default=None)  # fmt: skip
            end = max((d for d in reported if d.day <= date_to), key=lambda d: d.day,
                      default=None)  # fmt: skip
            if end is None or end.day <= date_from:
                continue  # no value in the period: the query leaves the account out
            assert end.cum_log is not None
            kept = period_return(start.cum_log if start else None, end.cum_log)
            assert kept == pytest.approx(reference_return(series, date_from, date_to),
                                         rel=1e-9, abs=1e-12)  # fmt: skip


async def test_a_late_flow_before_kept_values_relinks_them_and_writes_each_day_once() -> None:
    fake, uow = ledger_uow()
    account, days = "U7200001", [DAY0 + timedelta(days=k) for k in range(4)]
    navs = [Decimal(v) for v in (1000, 1100, 1210, 1331)]
    await apply_valuations(delivered([NetAssetValueReported(account_number=account, as_of=d,
                                                            net_asset_value=v)
                                      for d, v in zip(days, navs, strict=True)]), uow)  # fmt: skip
    assert fake.account_days.writes == [4]
    # a deposit of 100 booked on day 2 arrives last: day 2 grew 1210/(1100+100), not 10 %
    await apply_transactions(delivered([Deposit(account_number=account, transaction_id="T1",
                                                amount=Decimal(100), booked_on=days[2])]), uow)  # fmt: skip
    assert fake.account_days.writes == [4, 2], "day 2 (its flow) and day 3 (its sum)"
    cum = {d.day: d.cum_log for d in fake.account_days.days(account)}
    assert period_return(cum[days[0]], cum[days[3]] or 0.0) == pytest.approx(
        1.1 * (1210 / 1200) * 1.1 - 1, abs=1e-12
    )
    # the same deposit again (redelivered) changes nothing
    await apply_transactions(delivered([Deposit(account_number=account, transaction_id="T1",
                                                amount=Decimal(100), booked_on=days[2])]), uow)  # fmt: skip
    assert fake.account_days.writes == [4, 2]


def test_merge_keeps_flow_only_days_without_a_running_sum() -> None:
    """A Saturday deposit (no value that day) is written with its flow and no sum; Monday's
    factor counts it: 76,500 / (50,000 + 25,000) = 1.02."""
    friday = AccountDay(date(2025, 3, 7), Decimal(50_000), cum_log=0.0)
    saturday, monday = date(2025, 3, 8), date(2025, 3, 10)
    written = merge(friday, [], values={monday: Decimal(76_500)},
                    flows={saturday: Decimal(25_000)})  # fmt: skip
    assert [(d.day, d.flow, d.cum_log is None) for d in written] == [
        (saturday, Decimal(25_000), True), (monday, Decimal(0), False)]  # fmt: skip
    assert math.expm1(written[1].cum_log or 0) == pytest.approx(0.02, abs=1e-12)
