"""What the fault campaign reads to count (``bench/faults.py``): the services' databases (inbox,
outbox, contacts, deliveries), the captured mail, and the broker (consumer groups' committed
offsets, partitions read to their end, the dead-letter topic). Read-only throughout; every
database read opens its own connection, so a PostgreSQL restart costs a retry, not the run."""

from __future__ import annotations

import asyncio
import contextlib
import email.parser
import email.policy
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from uuid import UUID

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from bench.fault_report import PartitionLag
from contracts import topics
from contracts.deadletter import MessageDeadLettered
from contracts.envelope import Envelope

T = TypeVar("T")


def plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


@contextlib.asynccontextmanager
async def connected(url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(
        plain(url), timeout=10, server_settings={"default_transaction_read_only": "on"}
    )
    try:
        yield connection
    finally:
        await connection.close()


async def patiently(read: Callable[[], Awaitable[T]], *, within: float = 120) -> T:
    """``read()``, again while the database is away (a restart): up to ``within`` seconds."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        try:
            return await read()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError):
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(1)


# --------------------------------------------------------------------------- databases


async def inbox_totals(url: str) -> dict[str, int]:
    """Inbox rows per consumer (all events, for progress)."""
    async with connected(url) as db:
        rows = await db.fetch("SELECT consumer, count(*) AS n FROM inbox GROUP BY consumer")
    return {row["consumer"]: row["n"] for row in rows}


async def applied(url: str, consumer: str, event_ids: Sequence[UUID]) -> int:
    async with connected(url) as db:
        found = await db.fetchval(
            "SELECT count(*) FROM inbox WHERE consumer = $1 AND event_id = ANY($2::uuid[])",
            consumer, list(event_ids),
        )  # fmt: skip
    return int(found or 0)


@dataclass(frozen=True)
class OutboxEvent:
    topic: str
    event_id: UUID
    type: str


async def outbox_events(url: str) -> list[OutboxEvent]:
    """Every event the database's outbox holds (published or not)."""
    async with connected(url) as db:
        rows = await db.fetch(
            "SELECT topic, envelope->>'event_id' AS id, envelope->>'type' AS type FROM outbox"
        )
    return [OutboxEvent(row["topic"], UUID(row["id"]), row["type"]) for row in rows]


async def unpublished(url: str) -> int:
    async with connected(url) as db:
        return int(await db.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"))


async def contacts_per_account(url: str, master: str) -> list[str]:
    """One account number per contact of the master that has one (a duplicate shows twice)."""
    async with connected(url) as db:
        rows = await db.fetch(
            "SELECT account_number FROM contacts WHERE master_account_id = $1 "
            "AND account_number IS NOT NULL", master,
        )  # fmt: skip
    return [row["account_number"] for row in rows]


async def contact_event_versions(url: str) -> list[tuple[str, str]]:
    """(contact, version) of every contact event in contacts' outbox: each version once."""
    async with connected(url) as db:
        rows = await db.fetch(
            "SELECT envelope->'payload'->'contact'->>'contact_id' AS contact, "
            "envelope->'payload'->'contact'->>'version' AS version FROM outbox WHERE topic = $1",
            topics.CONTACTS.name,
        )  # fmt: skip
    return [(row["contact"], row["version"]) for row in rows]


@dataclass(frozen=True)
class FanoutState:
    deliveries: list[tuple[str, str]]  # (contact, channel), one per row
    queued: int
    failed: int
    inbox_items: int
    chunks: list[str]  # chunk numbers, one per fan-out event in the outbox
    bulletins: list[str]  # recipients, one per bulletin in the outbox


async def fanout_state(url: str, message_id: UUID) -> FanoutState:
    async with connected(url) as db:
        deliveries = await db.fetch(
            "SELECT contact_id::text AS contact, channel, status FROM deliveries "
            "WHERE message_id = $1", message_id,
        )  # fmt: skip
        items = await db.fetchval("SELECT count(*) FROM inbox_items WHERE message_id = $1",
                                  message_id)  # fmt: skip
        chunks = await db.fetch(
            "SELECT envelope->'payload'->>'chunk' AS chunk FROM outbox WHERE topic = $1 "
            "AND envelope->'payload'->>'message_id' = $2",
            topics.MESSAGING_FANOUT.name, str(message_id),
        )  # fmt: skip
        bulletins = await db.fetch(
            "SELECT b->>'contact_id' AS contact FROM outbox, "
            "jsonb_array_elements(envelope->'payload'->'bulletins') AS b "
            "WHERE topic = $1 AND envelope->'payload'->>'message_id' = $2",
            topics.BULLETINS.name, str(message_id),
        )  # fmt: skip
    return FanoutState(
        deliveries=[(row["contact"], row["channel"]) for row in deliveries],
        queued=sum(1 for row in deliveries if row["status"] == "queued"),
        failed=sum(1 for row in deliveries if row["status"] == "failed"),
        inbox_items=int(items or 0),
        chunks=[row["chunk"] for row in chunks],
        bulletins=[row["contact"] for row in bulletins],
    )


async def deliveries_recorded(db: asyncpg.Connection, message_id: UUID) -> tuple[int, int]:
    """The message's deliveries recorded so far, and of those the ones no longer queued."""
    row = await db.fetchrow(
        "SELECT count(*) AS recorded, count(*) FILTER (WHERE status <> 'queued') AS settled "
        "FROM deliveries WHERE message_id = $1", message_id,
    )  # fmt: skip
    return (int(row["recorded"]), int(row["settled"])) if row else (0, 0)


def captured_emails(directory: Path, marker: str) -> list[tuple[str, str]]:
    """(To, Message-ID) of each captured .eml file whose subject holds ``marker``."""
    parser = email.parser.BytesHeaderParser(policy=email.policy.default)
    found = []
    for path in directory.glob("*.eml") if directory.is_dir() else ():
        with contextlib.suppress(OSError), path.open("rb") as file:
            headers = parser.parse(file)
            if marker in str(headers.get("Subject", "")):
                found.append((str(headers.get("To", "")), str(headers.get("Message-ID", ""))))
    return found


# --------------------------------------------------------------------------- the broker


async def consumer_groups(bootstrap: str, prefix: str) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        listed = await admin.list_consumer_groups()
    finally:
        await admin.close()
    return sorted(group for group, *_ in listed if str(group).startswith(prefix))


@dataclass(frozen=True)
class TopicEnd:
    end: dict[int, int]  # read by consuming to the end
    reported: dict[int, int]  # ListOffsets


async def read_to_end(
    bootstrap: str,
    topic: str,
    start: dict[int, int],
    *,
    on_record: Callable[[Any], None] | None = None,
) -> TopicEnd:
    """Each partition's end offset, found by reading from ``start`` (an offset per partition,
    the beginning when absent) until a poll brings nothing and every partition's position has
    reached the high watermark its fetches report: the watermark, or the last record's offset + 1
    if that is more. ListOffsets' answer is kept beside it."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                max_partition_fetch_bytes=4 * 1024 * 1024)  # fmt: skip
    await consumer.start()
    try:
        partitions = await partitions_of(consumer, topic)
        if not partitions:
            return TopicEnd({}, {})
        consumer.assign(partitions)
        reported = {
            tp.partition: offset for tp, offset in (await consumer.end_offsets(partitions)).items()
        }
        for tp in partitions:
            if tp.partition in start:
                consumer.seek(tp, start[tp.partition])
            else:
                await consumer.seek_to_beginning(tp)
        end = {tp.partition: 0 for tp in partitions}
        deadline = asyncio.get_running_loop().time() + 120
        while True:  # until a poll brings nothing and every partition's position is its end
            batches = await consumer.getmany(timeout_ms=1000, max_records=10_000)
            for tp, records in batches.items():
                end[tp.partition] = max(end[tp.partition], records[-1].offset + 1)
                if on_record is not None:
                    for record in records:
                        on_record(record)
            marks = {tp: consumer.highwater(tp) for tp in partitions}  # known once fetched
            caught_up = [mark is not None and await consumer.position(tp) >= mark
                         for tp, mark in marks.items()]  # fmt: skip
            if not batches and all(caught_up):
                break
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"could not read {topic} to its end")
        for tp, mark in marks.items():
            end[tp.partition] = max(end[tp.partition], mark or 0)
        return TopicEnd(end, reported)
    finally:
        await consumer.stop()


async def partitions_of(consumer: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    await consumer.topics()  # a metadata request: the topic's partitions are known after it
    return [TopicPartition(topic, n) for n in sorted(consumer.partitions_for_topic(topic) or ())]


async def group_lags(bootstrap: str, prefix: str) -> list[PartitionLag]:
    """Every consumer group of the run (its id starts with ``prefix``): committed offset against
    the end offset of each partition of its topic (``<prefix><service>.<topic>``)."""
    groups = await consumer_groups(bootstrap, prefix)
    by_topic: dict[str, list[str]] = {}
    for group in groups:
        by_topic.setdefault(group[len(prefix) :].split(".", 1)[1], []).append(group)
    lags = []
    for topic, members in sorted(by_topic.items()):
        committed = {}
        for group in members:
            consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group,
                                        enable_auto_commit=False)  # fmt: skip
            await consumer.start()  # never joins the group: only fetches its offsets
            try:
                committed[group] = {tp: await consumer.committed(tp)
                                    for tp in await partitions_of(consumer, topic)}  # fmt: skip
            finally:
                await consumer.stop()
        lowest = {tp.partition: offset for offsets in committed.values()
                  for tp, offset in offsets.items() if offset is not None}  # fmt: skip
        ends = await read_to_end(bootstrap, topic, lowest)
        for group, offsets in committed.items():
            lags += [PartitionLag(group, topic, tp.partition, offset, ends.end[tp.partition],
                                  ends.reported.get(tp.partition))
                     for tp, offset in sorted(offsets.items(), key=lambda i: i[0].partition)]  # fmt: skip
    return lags


async def dead_letters(bootstrap: str) -> list[MessageDeadLettered]:
    """Everything on the dead-letter topic."""
    parked: list[MessageDeadLettered] = []

    def keep(record: Any) -> None:
        with contextlib.suppress(ValueError):
            envelope = Envelope[MessageDeadLettered].model_validate_json(record.value or b"")
            parked.append(envelope.payload)

    await read_to_end(bootstrap, topics.DEAD_LETTERS.name, {}, on_record=keep)
    return parked
