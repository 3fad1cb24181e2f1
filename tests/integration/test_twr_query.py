"""The performance query's set-based path on PostgreSQL (A3): a random book of values and flows
ingested by the two consumers' batch use cases running at the same time, in random batches and
order, then ``/queries/performance`` for random periods against the time-weighted return
computed by its definition with exact fractions (``tests/unit/analytics/twr_books.py``).

Accounts that skip days, open late or stop reporting are missing from the master's last
reporting day of a period's end: the query looks those up one by one."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from contracts.accounts import NetAssetValueReported
from contracts.envelope import Envelope, Event
from services.analytics.service_layer.ingest import apply_transactions, apply_valuations
from services.analytics.service_layer.unit_of_work import SqlAnalyticsUnitOfWork
from services.runtime.consumers import Delivery
from services.runtime.db import Database
from tests.integration.conftest import RunningService, a_master
from tests.unit.analytics.twr_books import Series, a_book, events_of, reference_return

DAY0 = datetime.now(UTC).date() - timedelta(days=80)


async def consume(database: Database[Any], master: str, apply: Any, events: Sequence[Event],
                  rng: random.Random) -> None:  # fmt: skip
    """One consumer: its events in batches of random size, a transaction each."""
    events = list(events)
    while events:
        cut = rng.randint(1, 80)
        batch, events = events[:cut], events[cut:]
        async with database.transaction() as uow:
            await apply([Delivery(e, Envelope.wrap(e, master_account_id=master)) for e in batch],
                        uow)  # fmt: skip


async def test_the_query_equals_the_definition_on_a_random_book_ingested_concurrently(
    analytics_service: RunningService,
) -> None:
    rng = random.Random(11)
    master = a_master()
    prefix = "Q" + str(uuid.uuid4().int)[:2]
    book: dict[str, Series] = a_book(rng, accounts=40, days=60, prefix=prefix, day0=DAY0)
    for account in rng.sample(sorted(book), 5):  # these stop reporting a while before the end
        book[account] = {d: v for d, v in book[account].items() if d < DAY0 + timedelta(days=40)}
    events = events_of(book)
    rng.shuffle(events)
    values = [e for e in events if isinstance(e, NetAssetValueReported)]
    flows = [e for e in events if not isinstance(e, NetAssetValueReported)]
    database = Database(analytics_service.database_url, unit_of_work=SqlAnalyticsUnitOfWork)
    try:  # the two consumers at once, as the service runs them
        await asyncio.gather(consume(database, master, apply_valuations, values, rng),
                             consume(database, master, apply_transactions, flows, rng))  # fmt: skip
    finally:
        await database.engine.dispose()

    headers = analytics_service.as_master(master, "u-ada")
    for _ in range(6):
        date_from = DAY0 + timedelta(days=rng.randrange(-2, 45))
        date_to = date_from + timedelta(days=rng.randrange(1, 25))
        period = {"date_from": date_from.isoformat(), "date_to": date_to.isoformat()}
        answer = await analytics_service.http.get(
            "/queries/performance", headers=headers, params={**period, "above": -100,
                                                             "limit": 1000})  # fmt: skip
        assert answer.status_code == 200, answer.text
        found = {row["account_number"]: row for row in answer.json()["rows"]}
        expected = {
            account: reference_return(series, date_from, date_to)
            for account, series in book.items()
            if any(date_from < d <= date_to and nav is not None for d, (nav, _) in series.items())
        }
        assert set(found) == set(expected), period
        assert answer.json()["total"] == len(expected)
        for account, twr in expected.items():
            assert abs(found[account]["twr_percent"] - twr * 100) < 2e-6, (account, period)
            series = book[account]
            before = [d for d, (nav, _) in series.items() if nav is not None and d <= date_from]
            start = series[max(before)][0] if before else 0
            end = series[max(d for d, (nav, _) in series.items()
                              if nav is not None and d <= date_to)][0]  # fmt: skip
            assert (float(found[account]["start_value"]), float(found[account]["end_value"])) == (
                float(start or 0), float(end or 0))  # fmt: skip
        twrs = [row["twr_percent"] for row in answer.json()["rows"]]
        assert twrs == sorted(twrs, reverse=True), "best first"
