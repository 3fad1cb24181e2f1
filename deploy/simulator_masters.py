"""The masters' own accounts (A1's Master Account Balance): each business day's net asset value
of every master account itself, its firm capital, sub-accounts (the clients) excluded.

The capital is fixed per master (from its id) and moves with the simulated market (the level of
``deploy/simulator_benchmarks.py``'s index). It draws nothing from the simulator's random
generator (the book stays the same for a seed); its event ids come from the seed, the master and
the day, so a replay is dropped by the consumers' inboxes.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, uuid5

from contracts.accounts import NetAssetValueReported
from contracts.envelope import Envelope
from deploy.simulator_benchmarks import benchmark_level

VALUED_AT = time(22, 0)
"""When the masters' values are published (UTC), with the accounts' end-of-day values."""
CENT = Decimal("0.01")


def capital_of(master: str) -> Decimal:
    """The master's own capital at the listed prices: 250,000 to 1,000,000, fixed per master."""
    return Decimal(250_000 + zlib.crc32(master.encode()) % 750_001)


def master_value_envelopes(
    masters: Iterable[str],
    day: date,
    prices: Mapping[str, float],
    listed: Mapping[str, float],
    *,
    seed: int,
) -> list[Envelope[Any]]:
    """The day's value of each master's own account (its number is the master's id)."""
    level = benchmark_level(prices, listed) / 100
    at = datetime.combine(day, VALUED_AT, UTC)
    envelopes = []
    for master in masters:
        value = (capital_of(master) * level).quantize(CENT)
        event = NetAssetValueReported(account_number=master, as_of=day, net_asset_value=value)
        wrapped = Envelope.wrap(event, master_account_id=master, occurred_at=at)
        event_id = uuid5(NAMESPACE_URL, f"master-value/{seed}/{master}/{day}")
        envelopes.append(wrapped.model_copy(update={"event_id": event_id}))
    return envelopes
