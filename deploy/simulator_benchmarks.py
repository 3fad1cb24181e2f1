"""The simulated market's benchmark (A10): each business day's closing level of an index over
the simulator's securities, published on ``market.benchmarks`` for every master (the benchmark
its performance reports compare with).

The level is 100 times the geometric mean of each security's price relative to its listed
price (``deploy/simulator.py``'s ``SECURITIES``): an equal-weight price index that moves with
the simulated market. It reads the day's prices and draws nothing from the simulator's random
generator (the book stays the same for a seed); its event ids come from the seed, the master and
the day, so a replay is dropped by the consumers' inboxes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from contracts.envelope import Envelope
from contracts.reports import BenchmarkLevelReported

BENCHMARK_ID = "SIM-EW"
BENCHMARK_NAME = "Simulated equal-weight market index"
CLOSE = time(21, 30)
"""When the level is published (UTC), before the accounts' end-of-day values."""


def benchmark_level(prices: Mapping[str, float], listed: Mapping[str, float]) -> Decimal:
    """100 x the geometric mean of the price relatives, to 6 decimals."""
    logs = [math.log(prices[symbol] / base) for symbol, base in listed.items()]
    return Decimal(f"{100 * math.exp(sum(logs) / len(logs)):.6f}")


def benchmark_envelopes(
    masters: Iterable[str],
    day: date,
    prices: Mapping[str, float],
    listed: Mapping[str, float],
    *,
    seed: int,
) -> list[Envelope[Any]]:
    """The day's level, once per master."""
    level = benchmark_level(prices, listed)
    at = datetime.combine(day, CLOSE, UTC)
    event = BenchmarkLevelReported(
        benchmark_id=BENCHMARK_ID, name=BENCHMARK_NAME, as_of=day, level=level
    )
    envelopes = []
    for master in masters:
        wrapped = Envelope.wrap(event, master_account_id=master, occurred_at=at)
        event_id = uuid5(NAMESPACE_URL, f"benchmark/{seed}/{master}/{BENCHMARK_ID}/{day}")
        envelopes.append(wrapped.model_copy(update={"event_id": event_id}))
    return envelopes
