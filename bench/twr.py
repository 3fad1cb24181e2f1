"""The performance query benchmark (A3): time-weighted returns over 10,000 accounts x one year of
daily net asset values with cash flows, through the gateway's API.

    python -m bench.twr [--accounts N] [--days D] [--runs R]

It starts the whole stack (embedded broker and PostgreSQL unless KAFKA_BOOTSTRAP_SERVERS /
DATABASE_URL name real ones; no simulator), feeds one master's NAV and cash-flow events into the
analytics service's database through its batch use cases (``apply_valuations`` and
``apply_transactions``: the code each consumer runs on a poll, one unit of work per batch of 1,000
events, in day order as the back office publishes them) and prints that ingest rate; then it asks
``GET /api/v1/queries/performance`` for the year (a return above -100 %: every account) as that
master's primary user, several times, and prints the latencies against the target (<= 1 s), and
the CPU the gateway, the analytics service and its PostgreSQL backends spent per request
(steadier than latencies on a shared machine).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from bench.cpu import postgres_backends, process_cpu
from contracts.accounts import Deposit, NetAssetValueReported, Withdrawal
from contracts.envelope import Envelope, Event
from deploy.stack import Stack, StackConfig
from gateway.admin import create_user
from services.analytics.service_layer.ingest import apply_transactions, apply_valuations
from services.analytics.service_layer.unit_of_work import SqlAnalyticsUnitOfWork
from services.runtime.consumers import Delivery
from services.runtime.db import Database

MASTER = ("B2000001", "Benchmark Performance Advisors")
USERNAME, PASSWORD = "bench-twr", "bench-twr-password-1"
TARGET_SECONDS = 1.0
BATCH = 1000


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def business_days(count: int, end: date) -> list[date]:
    days: list[date] = []
    day = end
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days[::-1]


def _deliveries(events: list[Event]) -> list[Delivery[Any]]:
    return [Delivery(e, Envelope.wrap(e, master_account_id=MASTER[0])) for e in events]


async def ingest(
    database_url: str, accounts: int, days: list[date], seed: int
) -> tuple[int, int, float]:
    """Every account's daily value (a random walk) and, on about 1 day in 50, a deposit or a
    withdrawal that moves it; returns (values, flows, seconds)."""
    rng = random.Random(seed)
    database = Database(database_url, unit_of_work=SqlAnalyticsUnitOfWork)
    numbers = [f"B{3_000_000 + k}" for k in range(accounts)]
    values = {n: Decimal(rng.randrange(20_000, 2_000_000)) for n in numbers}
    navs = flows = 0
    started = time.perf_counter()
    try:
        for index, day in enumerate(days):
            cash: list[Event] = []
            reported: list[Event] = []
            for number in numbers:
                value = values[number] * Decimal(str(round(rng.gauss(1.0003, 0.01), 6)))
                if rng.random() < 0.02:
                    amount = Decimal(rng.randrange(1, 50)) * 1000
                    out = rng.random() < 0.3 and value > amount * 2
                    kind = Withdrawal if out else Deposit
                    cash.append(kind(account_number=number, transaction_id=f"T{index}-{number}",
                                     amount=amount, booked_on=day))  # fmt: skip
                    value += -amount if out else amount
                values[number] = value.quantize(Decimal("0.01"))
                reported.append(NetAssetValueReported(account_number=number, as_of=day,
                                                      net_asset_value=values[number]))  # fmt: skip
            for handler, events in ((apply_transactions, cash), (apply_valuations, reported)):
                for start in range(0, len(events), BATCH):
                    async with database.unit_of_work() as uow:
                        await handler(_deliveries(events[start : start + BATCH]), uow)
                        await uow.commit()
            navs, flows = navs + len(reported), flows + len(cash)
            if index % 20 == 0:
                rate = (navs + flows) / (time.perf_counter() - started)
                say(f"  day {index + 1}/{len(days)}: {navs + flows:,} events, {rate:,.0f}/s")
        async with database.engine.begin() as connection:  # committed: the planner's statistics
            await connection.exec_driver_sql("ANALYZE")
    finally:
        await database.engine.dispose()
    return navs, flows, time.perf_counter() - started


def cpu_seconds(stack: Stack, database: str) -> dict[str, float]:
    """The CPU the gateway, the analytics service and the analytics database's PostgreSQL
    backends (when PostgreSQL runs on this machine) have used so far."""
    used = {}
    for name in ("gateway", "analytics"):
        process = stack.child(name).process
        used[name] = process_cpu(process.pid if process else None)
    used["postgresql"] = sum(process_cpu(pid) for pid in postgres_backends(database))
    return used


def query(portal_url: str, days: list[date], runs: int) -> tuple[list[float], int]:
    with httpx.Client(base_url=portal_url, timeout=60) as client:
        answer = client.post(
            "/api/v1/auth/login", json={"username": USERNAME, "password": PASSWORD}
        )
        answer.raise_for_status()
        client.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"
        params: dict[str, str | int] = {"date_from": days[0].isoformat(), "date_to": days[-1].isoformat(),
                  "above": -100, "limit": 20_000}  # fmt: skip
        seconds, total = [], 0
        for _ in range(runs):
            started = time.perf_counter()
            answer = client.get("/api/v1/queries/performance", params=params)
            seconds.append(time.perf_counter() - started)
            answer.raise_for_status()
            total = answer.json()["total"]
        return seconds, total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accounts", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=252, help="business days (252: a year)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    config = StackConfig(
        portal_port=0,
        data_dir=Path(os.environ.get("STACK_DATA_DIR", Path(__file__).parent.parent / ".data")),
        kafka_bootstrap_servers=os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or None,
        database_url=os.environ.get("DATABASE_URL") or None,
        database_prefix=f"bench_{uuid.uuid4().hex[:8]}_", simulator=False, demo_users=False,
    )  # fmt: skip
    stack = Stack(config)
    days = business_days(args.days, date.today() - timedelta(days=1))
    try:
        say(f"Starting the stack (logs in {stack.logs})…")
        stack.start()
        asyncio.run(create_user(stack.database_url("gateway"), master_account_id=MASTER[0],
                                master_name=MASTER[1], username=USERNAME, display_name="Bench",
                                password=PASSWORD))  # fmt: skip
        say(f"Feeding {args.accounts:,} accounts x {len(days)} days…")
        navs, flows, seconds = asyncio.run(
            ingest(stack.database_url("analytics"), args.accounts, days, args.seed)
        )
        query(stack.portal_url, days, 1)  # warm: the first request also loads the caches
        database = f"{config.database_prefix}analytics"
        before = cpu_seconds(stack, database)
        latencies, total = query(stack.portal_url, days, args.runs)
        after = cpu_seconds(stack, database)
    finally:
        stack.stop()
    cpu = {name: (after[name] - before[name]) / args.runs for name in after}
    median, best = statistics.median(latencies), min(latencies)
    print(
        f"ingest: {navs:,} NAV + {flows:,} cash-flow events in {seconds:,.1f} s = "
        f"{(navs + flows) / seconds:,.0f} events/s (batch use cases, {BATCH} per unit of work)"
    )
    print(
        f"TWR query over {total:,} accounts x {len(days)} days through GET "
        f"/api/v1/queries/performance: median {median:.3f} s, best {best:.3f} s, "
        f"worst {max(latencies):.3f} s (target <= {TARGET_SECONDS:.1f} s: "
        f"{'met' if median <= TARGET_SECONDS else 'NOT met'}, ratio {median / TARGET_SECONDS:.2f})"
    )
    print("CPU per request (the login included): " + ", ".join(
        f"{name} {used * 1000:.0f} ms" for name, used in sorted(cpu.items())))  # fmt: skip
    return 0 if median <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
