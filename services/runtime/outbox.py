"""Transactional outbox: events are written with the state change and relayed to Kafka after.

The relay takes a per-database advisory lock so that one relay at a time publishes, in the order
rows were written, which keeps each key's events in order even with several replicas running.

A published row is kept for a day, with the id of the cluster it went to. A broker that lost its
log (the embedded, memory-only one after every restart) comes back with a new id, and before its
first batch the relay marks the rows it published elsewhere unpublished again: they go out once
more, in their order, and the consumers' inboxes drop what they had already applied. A real
Kafka cluster keeps its id, so nothing is sent twice there (docs/adr/0008-durable-embedded-stack.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import structlog
from opentelemetry import propagate
from opentelemetry.context import Context
from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    MetaData,
    String,
    Table,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from contracts.envelope import Envelope, Event
from services.runtime.telemetry import within_trace

log = structlog.get_logger(__name__)

TABLE_NAME = "outbox"
RELAY_LOCK_ID = 0x0A0B0C  # one relay per database at a time
KEEP_PUBLISHED = timedelta(days=1)


def define_table(metadata: MetaData) -> Table:
    return Table(
        TABLE_NAME,
        metadata,
        Column("seq", BigInteger, Identity(), primary_key=True),
        Column("topic", String(200), nullable=False),
        Column("key", String(200), nullable=True),
        Column("envelope", JSONB, nullable=False),
        Column("headers", JSONB, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("published_at", DateTime(timezone=True), nullable=True, index=True),
        Column("published_to", String(200), nullable=True),  # the cluster id
    )


_TABLE = define_table(MetaData())


def message_headers(
    envelope: Envelope[Any], trace_context: Context | None = None
) -> dict[str, str]:
    headers = {"event-type": envelope.type, "content-type": "application/json"}
    if envelope.correlation_id:
        headers["correlation_id"] = envelope.correlation_id
    # the trace of the request (or of the event) that caused this event continues
    propagate.inject(headers, context=trace_context)
    return headers


async def add(
    session: AsyncSession,
    topic: str,
    event: Event,
    *,
    master_account_id: str,
    correlation_id: str | None = None,
    trace_context: Context | None = None,
) -> None:
    envelope = Envelope.wrap(
        event, master_account_id=master_account_id, correlation_id=correlation_id
    )
    await session.execute(
        _TABLE.insert().values(
            topic=topic,
            key=event.partition_key(),
            envelope=envelope.model_dump(mode="json"),
            headers=message_headers(envelope, trace_context),
        )
    )


async def add_many(
    session: AsyncSession,
    topic: str,
    events: Sequence[Event],
    *,
    master_account_id: str,
    trace_context: Context | None = None,
) -> None:
    """``add`` for many events with one statement (a fan-out chunk's 500 bulletins)."""
    rows = []
    for event in events:
        envelope = Envelope.wrap(event, master_account_id=master_account_id)
        rows.append({
            "topic": topic, "key": event.partition_key(),
            "envelope": envelope.model_dump(mode="json"),
            "headers": message_headers(envelope, trace_context),
        })  # fmt: skip
    if rows:
        await session.execute(_TABLE.insert(), rows)


async def add_each(
    session: AsyncSession,
    messages: Sequence[tuple[str, Event, str, Context | None]],
) -> None:
    """``add`` for many events of any topics and masters, each continuing its own trace, with
    one statement: ``(topic, event, master_account_id, trace_context)`` each, kept in order."""
    rows = []
    for topic, event, master_account_id, trace_context in messages:
        envelope = Envelope.wrap(event, master_account_id=master_account_id)
        rows.append({
            "topic": topic, "key": event.partition_key(),
            "envelope": envelope.model_dump(mode="json"),
            "headers": message_headers(envelope, trace_context),
        })  # fmt: skip
    if rows:
        await session.execute(_TABLE.insert(), rows)


class Publisher(Protocol):
    async def __call__(
        self, body: bytes, *, topic: str, key: bytes | None, headers: dict[str, str]
    ) -> None: ...


BrokerIdentity = Callable[[], Awaitable[str | None]]
"""The id of the cluster the relay publishes to (None when the broker reports none)."""


class OutboxRelay:
    def __init__(
        self,
        engine: AsyncEngine,
        publish: Publisher,
        *,
        wake_up: asyncio.Event,
        poll_seconds: float = 0.5,
        batch_size: int = 500,
        broker: BrokerIdentity | None = None,
    ) -> None:
        self._engine = engine
        self._publish = publish
        self._wake_up = wake_up
        self._poll_seconds = poll_seconds
        self._batch_size = batch_size
        self._last_cleanup = datetime.now(UTC)
        self._identify_broker = broker
        self._broker: str | None = None
        self._broker_checked = broker is None

    async def run_forever(self) -> None:
        while True:
            try:
                if not self._broker_checked:
                    await self.resend_to_new_broker()
                relayed = await self.relay_once()
                await self._cleanup_if_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("outbox relay failed; retrying")
                relayed = 0
                await asyncio.sleep(1)
            if relayed < self._batch_size:
                self._wake_up.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake_up.wait(), self._poll_seconds)

    async def resend_to_new_broker(self) -> int:
        """Learn which broker this is; mark what was published to another one unpublished again
        and return how many rows that was. Runs before the first batch, so the rows go out again
        before anything newer, in their order. Idempotent: rows published to this broker, rows
        never published and rows of unknown destination are left alone, so replicas starting
        together send each row once more, not once per replica."""
        if self._identify_broker is None:
            return 0
        self._broker = await self._identify_broker()
        again = 0
        if self._broker is not None:
            async with self._engine.begin() as connection:
                result = await connection.execute(
                    update(_TABLE)
                    .where(_TABLE.c.published_to != self._broker)  # NULL (unknown) never matches
                    .values(published_at=None, published_to=None)
                )
            again = int(result.rowcount or 0)
        self._broker_checked = True  # only now: a failure above is retried before any batch
        if again:
            log.warning("the broker is a new one: sending again what it never received",
                        events=again, cluster_id=self._broker)  # fmt: skip
        return again

    async def relay_once(self) -> int:
        """Publish one batch of unpublished rows and mark them; returns how many."""
        async with self._engine.begin() as connection:
            locked = await connection.scalar(
                text("SELECT pg_try_advisory_xact_lock(:id)"), {"id": RELAY_LOCK_ID}
            )
            if not locked:
                return 0
            rows = (
                await connection.execute(
                    select(
                        _TABLE.c.seq,
                        _TABLE.c.topic,
                        _TABLE.c.key,
                        _TABLE.c.envelope,
                        _TABLE.c.headers,
                    )
                    .where(_TABLE.c.published_at.is_(None))
                    .order_by(_TABLE.c.seq)
                    .limit(self._batch_size)
                    .with_for_update(skip_locked=True)
                )
            ).all()
            if not rows:
                return 0
            await self._publish_in_key_order(rows)
            await connection.execute(
                update(_TABLE)
                .where(_TABLE.c.seq.in_([row.seq for row in rows]))
                .values(published_at=func.now(), published_to=self._broker)
            )
        return len(rows)

    async def _publish_in_key_order(self, rows: Sequence[Any]) -> None:
        by_key: dict[tuple[str, str | None], list[Any]] = defaultdict(list)
        for row in rows:
            by_key[(row.topic, row.key)].append(row)

        async def publish_sequentially(same_key: list[Any]) -> None:
            for row in same_key:
                # published inside the context saved with the row: the broker's telemetry
                # then continues the request's trace instead of starting a new one
                with within_trace(propagate.extract(row.headers)):
                    await self._publish(
                        json.dumps(row.envelope).encode(),
                        topic=row.topic,
                        key=row.key.encode() if row.key is not None else None,
                        headers=dict(row.headers),
                    )

        await asyncio.gather(*(publish_sequentially(group) for group in by_key.values()))

    async def _cleanup_if_due(self) -> None:
        now = datetime.now(UTC)
        if now - self._last_cleanup < timedelta(minutes=10):
            return
        self._last_cleanup = now
        async with self._engine.begin() as connection:
            await connection.execute(
                delete(_TABLE).where(_TABLE.c.published_at < now - KEEP_PUBLISHED)
            )
