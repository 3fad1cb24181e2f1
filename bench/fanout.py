"""The fan-out benchmark: one message to 10,000 recipients on three channels, from the send
command to all 30,000 deliveries recorded, beside raw aiokafka produce on the same broker.

    python -m bench.fanout [--recipients N] [--json]    (BENCH_TRACE=1: deliveries over time)

On one broker and one PostgreSQL (embedded, unless KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL name
real ones) it starts the messaging service in this process (HTTP through ASGI, its consumers,
outbox relay and email sender running), loads N open client accounts into its read model, then
times ``POST /messages`` (W+E+B to all of them) until the deliveries table holds N x 3 rows
(polled every 20 ms). Raw produce sends N x 3 messages of the size of a bulletin envelope to a
fresh 3-partition topic with a plain AIOKafkaProducer. Targets: at most 2 s end to end, and at
least 0.15x the raw produce rate (deliveries per second over messages per second).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from contracts.access import Access
from deploy.infrastructure import EmbeddedBroker, EmbeddedPostgres, database_url_for
from services.messaging.app import DEFINITION, create_app
from services.messaging.settings import MessagingSettings
from services.runtime.settings import LOCAL_INTERNAL_TOKEN

TARGET_SECONDS = 2.0
TARGET_RATIO = 0.15
MASTER = "B7000001"


async def raw_produce(bootstrap: str, count: int, size: int) -> float:
    topic = f"bench.raw-{uuid.uuid4()}"
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, 3, replication_factor=1)])
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all",
                                    enable_idempotence=False, linger_ms=5,
                                    max_batch_size=256 * 1024)  # fmt: skip
        await producer.start()
        try:
            value = b"x" * size
            began = time.perf_counter()
            pending = []
            for i in range(count):
                pending.append(await producer.send(topic, value=value, key=str(i).encode()))
                if len(pending) >= 2000:
                    await asyncio.gather(*pending)
                    pending.clear()
            await asyncio.gather(*pending)
            await producer.flush()
            return time.perf_counter() - began
        finally:
            await producer.stop()
    finally:
        with contextlib.suppress(Exception):
            await admin.delete_topics([topic])
        await admin.close()


async def seed(url: str, n: int) -> list[str]:
    accounts = [f"F{i:07d}" for i in range(n)]
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.copy_records_to_table("clients", records=[
            (uuid.uuid4(), MASTER, "client", f"First{i}", f"Last{i}", a, f"c{i}@example.com",
             "approved", False, False, 1) for i, a in enumerate(accounts)
        ], columns=["contact_id", "master_account_id", "kind", "first_name", "last_name",
                    "account_number", "email", "status", "closed", "removed", "version"])  # fmt: skip
    finally:
        await connection.close()
    return accounts


async def run(bootstrap: str, server_url: str, n: int) -> dict[str, Any]:
    url = database_url_for(server_url, f"bench_fanout_{uuid.uuid4().hex[:8]}")
    mail = Path(tempfile.mkdtemp(prefix="fanout-mail-"))
    settings = DEFINITION.load_settings(
        database_url=url, kafka_bootstrap_servers=bootstrap, outbox_poll_seconds=0.05,
        kafka_group_prefix=f"bench-{uuid.uuid4().hex[:6]}.", mail_capture_dir=mail,
        log_level="WARNING",
    )  # fmt: skip
    assert isinstance(settings, MessagingSettings)
    app = create_app(settings)
    figures: dict[str, Any] = {"recipients": n, "deliveries": 3 * n, "nproc": os.cpu_count(),
                               "python": platform.python_version()}  # fmt: skip
    async with app.router.lifespan_context(app):
        accounts = await seed(url, n)
        raw = await raw_produce(bootstrap, 3 * n, 520)
        figures["raw_produce_seconds"] = raw
        headers = {"X-Master-Account-Id": MASTER, "X-User-Id": "bench",
                   "X-Internal-Token": LOCAL_INTERNAL_TOKEN, **Access.primary().to_headers(),
                   "Idempotency-Key": "bench-1"}  # fmt: skip
        body = {"subject": "Letter for {{ client_name }}",
                "body": "Dear {{ first_name }},\n\nAccount {{ account_number }}: all is well.",
                "channels": ["W", "E", "B"], "recipients": {"account_numbers": accounts}}  # fmt: skip
        connection = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://s", timeout=60) as http:
            began = time.perf_counter()
            response = await http.post("/messages", json=body, headers=headers)
            figures["accepted_seconds"] = time.perf_counter() - began
            assert response.status_code == 202, response.text
            recorded = 0
            while recorded < 3 * n and time.perf_counter() - began < 120:
                await asyncio.sleep(0.02)
                recorded = await connection.fetchval("SELECT count(*) FROM deliveries")
                if os.environ.get("BENCH_TRACE"):
                    print(f"{time.perf_counter() - began:6.2f} {recorded}", file=sys.stderr)
            figures["seconds"] = time.perf_counter() - began
            figures["recorded"] = recorded
        await connection.close()
    e2e_rate = 3 * n / figures["seconds"]
    raw_rate = 3 * n / raw
    figures |= {"deliveries_per_second": e2e_rate, "raw_produce_per_second": raw_rate,
                "ratio": e2e_rate / raw_rate, "complete": recorded == 3 * n}  # fmt: skip
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=10_000)
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
            postgres = EmbeddedPostgres(Path(tempfile.mkdtemp(prefix="fanout-pg-"))).start()
            stack.callback(postgres.stop)
            server = postgres.url
        figures = asyncio.run(run(bootstrap, server, args.recipients))
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    ok_time = figures["complete"] and figures["seconds"] <= TARGET_SECONDS
    ok_ratio = figures["ratio"] >= TARGET_RATIO
    print(f"""
                                               count   seconds   per second   target
  send -> all deliveries recorded           {figures['recorded']:>8,}  {figures['seconds']:>8.2f}  {figures['deliveries_per_second']:>11,.0f}   <= {TARGET_SECONDS:.1f} s  {'PASS' if ok_time else 'FAIL'}
     POST /messages answered (202)                     {figures['accepted_seconds']:>8.2f}
  raw aiokafka produce (520 B messages)     {figures['deliveries']:>8,}  {figures['raw_produce_seconds']:>8.2f}  {figures['raw_produce_per_second']:>11,.0f}
  end to end / raw produce: {figures['ratio']:.2f}x   (target >= {TARGET_RATIO}x)  {'PASS' if ok_ratio else 'FAIL'}
  {figures['nproc']} cores, Python {figures['python']}, load {os.getloadavg()[0]:.1f}
""")  # fmt: skip
    sys.exit(0 if ok_time and ok_ratio else 1)


if __name__ == "__main__":
    main()
