"""The staging deadline benchmark: N held messages reaching their deadline at the same moment,
from that moment to every one released (state changed, event in the outbox) and to every release
event published on Kafka, beside raw aiokafka produce on the same broker.

    python -m bench.staging [--holds N] [--batch B] [--json]

On one broker and one PostgreSQL (embedded, unless KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL name
real ones) it starts the staging service in this process with a frozen clock (its consumers,
outbox relay and deadline job running), loads N held messages of 100 masters all due at one
instant, then moves the clock to that instant and polls (every 20 ms) until no hold is left held
and until every outbox row is published. Raw produce sends N messages of the size of a release
envelope to a fresh 3-partition topic with a plain AIOKafkaProducer. No target is set by the
issue: the figures are printed with the ratio to raw produce.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bench.fanout import raw_produce
from deploy.infrastructure import EmbeddedBroker, EmbeddedPostgres, database_url_for
from services.runtime.clock import FrozenClock
from services.staging.app import DEFINITION, create_app
from services.staging.settings import StagingSettings

DEADLINE = datetime(2026, 11, 1, 14, 0, tzinfo=UTC)


async def seed(url: str, n: int) -> None:
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.copy_records_to_table("holds", records=[
            (f"B{i % 100:07d}", f"BM-BENCH-{i}", "fee_schedule_change", "Commission changes",
             ["W", "E"], [f"A{i:07d}"], DEADLINE - timedelta(days=2), DEADLINE, "held")
            for i in range(n)
        ], columns=["master_account_id", "message_id", "message_type", "subject", "channels",
                    "accounts", "received_at", "deadline", "status"])  # fmt: skip
    finally:
        await connection.close()


async def run(bootstrap: str, server_url: str, n: int, batch: int) -> dict[str, Any]:
    url = database_url_for(server_url, f"bench_staging_{uuid.uuid4().hex[:8]}")
    settings = DEFINITION.load_settings(
        database_url=url, kafka_bootstrap_servers=bootstrap, outbox_poll_seconds=0.05,
        kafka_group_prefix=f"bench-{uuid.uuid4().hex[:6]}.", log_level="WARNING",
        staging_release_poll_seconds=0.05, staging_release_batch=batch,
    )  # fmt: skip
    assert isinstance(settings, StagingSettings)
    clock = FrozenClock(DEADLINE - timedelta(hours=1))
    app = create_app(settings, clock=clock)
    figures: dict[str, Any] = {"holds": n, "batch": batch, "nproc": os.cpu_count(),
                               "python": platform.python_version()}  # fmt: skip
    async with app.router.lifespan_context(app):
        await seed(url, n)
        figures["raw_produce_seconds"] = await raw_produce(bootstrap, n, 420)
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            began = time.perf_counter()
            clock.set(DEADLINE)  # every hold is due now
            held = n
            while held and time.perf_counter() - began < 300:
                await asyncio.sleep(0.02)
                held = await connection.fetchval("SELECT count(*) FROM holds WHERE status = 'held'")
            figures["released_seconds"] = time.perf_counter() - began
            unpublished = n
            while unpublished and time.perf_counter() - began < 300:
                await asyncio.sleep(0.02)
                unpublished = await connection.fetchval(
                    "SELECT count(*) FROM outbox WHERE published_at IS NULL"
                )
            figures["published_seconds"] = time.perf_counter() - began
            figures["events"] = await connection.fetchval("SELECT count(*) FROM outbox")
            figures["complete"] = held == 0 and unpublished == 0 and figures["events"] == n
        finally:
            await connection.close()
    figures |= {
        "released_per_second": n / figures["released_seconds"],
        "published_per_second": n / figures["published_seconds"],
        "raw_produce_per_second": n / figures["raw_produce_seconds"],
    }
    figures["ratio"] = figures["published_per_second"] / figures["raw_produce_per_second"]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holds", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if not bootstrap:
            broker = EmbeddedBroker().start()
            stack.callback(broker.stop)
            bootstrap = broker.bootstrap_servers
        server = os.environ.get("DATABASE_URL")
        if not server:
            postgres = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="staging-pg-"))).start()
            stack.callback(postgres.stop)
            server = postgres.url
        figures = asyncio.run(run(bootstrap, server, args.holds, args.batch))
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"""
                                                  count   seconds   per second
  deadline -> every hold released (committed)  {figures['holds']:>8,}  {figures['released_seconds']:>8.2f}  {figures['released_per_second']:>11,.0f}
  deadline -> every release event on Kafka     {figures['events']:>8,}  {figures['published_seconds']:>8.2f}  {figures['published_per_second']:>11,.0f}
  raw aiokafka produce (420 B messages)        {figures['holds']:>8,}  {figures['raw_produce_seconds']:>8.2f}  {figures['raw_produce_per_second']:>11,.0f}
  published / raw produce: {figures['ratio']:.2f}x   complete: {figures['complete']}   batch {figures['batch']}
  {figures['nproc']} cores, Python {figures['python']}, load {os.getloadavg()[0]:.1f}
""")  # fmt: skip


if __name__ == "__main__":
    main()
