"""The broker and PostgreSQL a benchmark runs on (the ones KAFKA_BOOTSTRAP_SERVERS and
DATABASE_URL name, else an embedded broker and an embedded PostgreSQL of its own, stopped again
when the benchmark ends, as ``bench.fanout`` and ``bench.staging`` do), and the raw limit of that
broker: plain aiokafka produce."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer

from deploy.infrastructure import EmbeddedBroker, EmbeddedPostgres

START = date(2026, 1, 5)
"""the simulated book's fixed "today" of the ingest benchmarks: a seed gives the same events on
any day"""
RAW_PARTITIONS = 3
CHUNK = 2000  # sends in flight before awaiting their deliveries (as send_all does)
Message = tuple[bytes | None, bytes, list[tuple[str, bytes]]]


@dataclass(frozen=True)
class Infrastructure:
    bootstrap_servers: str
    server_url: str
    """a URL of the server's ``postgres`` database (``database_url_for`` names another)"""
    broker: str
    """what the report says of the broker: ``embedded (Tansu)`` or the bootstrap servers"""
    database: str
    """``embedded`` or ``external``"""


@contextlib.contextmanager
def infrastructure(prefix: str, *, kafka: bool = True) -> Iterator[Infrastructure]:
    """``kafka=False``: PostgreSQL only (``bootstrap_servers`` is then empty)."""
    with contextlib.ExitStack() as stack:
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or ""
        broker = (bootstrap or "embedded (Tansu)") if kafka else "none"
        if kafka and not bootstrap:
            embedded = EmbeddedBroker().start()
            stack.callback(embedded.stop)
            bootstrap = embedded.bootstrap_servers
        server = os.environ.get("DATABASE_URL") or ""
        database = "external" if server else "embedded"
        if not server:
            directory = Path(tempfile.mkdtemp(prefix=f"{prefix}-pg-"))
            postgres = EmbeddedPostgres(directory / "data").start()
            stack.callback(postgres.stop)
            server = postgres.url
        yield Infrastructure(bootstrap, server, broker, database)


async def raw_produce(bootstrap: str, topic: str, messages: Sequence[Message]) -> float:
    kafka = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=False,  # the embedded broker has no InitProducerId
        linger_ms=5,
        max_batch_size=256 * 1024,  # as the simulator's producer
    )
    await kafka.start()
    try:
        began = time.perf_counter()
        pending: list[asyncio.Future[Any]] = []
        for key, value, headers in messages:
            pending.append(await kafka.send(topic, value=value, key=key, headers=headers))
            if len(pending) >= CHUNK:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
        await kafka.flush()
        return time.perf_counter() - began
    finally:
        await kafka.stop()
