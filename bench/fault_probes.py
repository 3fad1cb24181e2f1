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

from contracts import topics
from contracts.deadletter import MessageDeadLettered
from contracts.envelope import Envelope
from services.runtime.lag import group_lags as group_lags  # the campaign's lag probe
from services.runtime.lag import read_to_end

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
# (consumer groups, their lag, partitions read to their end: services/runtime/lag.py)


async def dead_letters(bootstrap: str) -> list[MessageDeadLettered]:
    """Everything on the dead-letter topic."""
    parked: list[MessageDeadLettered] = []

    def keep(record: Any) -> None:
        with contextlib.suppress(ValueError):
            envelope = Envelope[MessageDeadLettered].model_validate_json(record.value or b"")
            parked.append(envelope.payload)

    await read_to_end(bootstrap, topics.DEAD_LETTERS.name, {}, on_record=keep)
    return parked
