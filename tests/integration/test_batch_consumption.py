"""Batch consumption on the real broker and PostgreSQL: a burst of events is applied exactly once,
and a malformed record or a redelivered event in a batch changes nothing for the others."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from aiokafka import AIOKafkaProducer
from sqlalchemy import text

from contracts import topics
from contracts.accounts import (
    AccountType,
    Applicant,
    ApplicationStage,
    ApplicationStatusChanged,
    NetAssetValueReported,
)
from contracts.envelope import Envelope
from services.runtime.db import Database, UnitOfWork
from tests.integration.conftest import RunningService, a_master, eventually, read_topic

LIFECYCLE = topics.ACCOUNT_LIFECYCLE.name
CONSUMER = f"contacts.{LIFECYCLE}"
VALUATIONS = topics.ACCOUNT_VALUATIONS.name


def application(master: str, account: str, stage: ApplicationStage) -> Envelope[Any]:
    event = ApplicationStatusChanged(
        account_number=account, stage=stage, account_type=AccountType.INDIVIDUAL,
        applicant=Applicant(first_name="Ada", last_name="Lovelace", email=f"{account.lower()}@example.com"),
    )  # fmt: skip
    return Envelope.wrap(event, master_account_id=master)


Record = tuple[bytes, bytes, list[tuple[str, bytes]]]  # key, value, headers


def record(envelope: Envelope[Any]) -> Record:
    headers = [("content-type", b"application/json"), ("event-type", envelope.type.encode())]
    key = envelope.payload.partition_key().encode()
    return key, envelope.model_dump_json().encode(), headers


async def send_all(
    kafka: str, records: Sequence[Record], partition: int | None = None, topic: str = LIFECYCLE
) -> list[Any]:
    """Publish without waiting for each delivery, as the back office does; their metadata."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka, enable_idempotence=False, linger_ms=5)
    await producer.start()
    try:
        sent = [await producer.send(topic, v, key=k, headers=h, partition=partition)
                for k, v, h in records]  # fmt: skip
        await producer.flush()
        return [await delivery for delivery in sent]
    finally:
        await producer.stop()


async def query(service: RunningService, sql: str, **params: Any) -> list[Any]:
    database: Database[UnitOfWork] = Database(service.database_url, pool_size=1)
    try:
        async with database.read() as session:
            return list((await session.execute(text(sql), params)).all())
    finally:
        await database.dispose()


async def claimed(service: RunningService, ids: Sequence[UUID], consumer: str = CONSUMER) -> int:
    rows = await query(service, "SELECT count(*) FROM inbox WHERE consumer = :consumer "
                       "AND event_id = ANY(:ids)", consumer=consumer, ids=list(ids))  # fmt: skip
    count: int = rows[0][0]
    return count


async def contacts_of(service: RunningService, master: str) -> dict[str, tuple[str, int, int]]:
    """Per account number: status, version, and how many changes were recorded."""
    rows = await query(service, """
        SELECT c.account_number, c.status, c.version, count(h.id)
        FROM contacts c LEFT JOIN contact_changes h ON h.contact_id = c.id
        WHERE c.master_account_id = :master GROUP BY c.id""", master=master)  # fmt: skip
    return {account: (status, version, changes) for account, status, version, changes in rows}


async def test_a_burst_of_events_is_applied_exactly_once(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    master = a_master()
    accounts = [f"U{n:07d}" for n in range(7_000_000, 7_000_150)]
    started = [application(master, a, ApplicationStage.STARTED) for a in accounts]
    submitted = [application(master, a, ApplicationStage.SUBMITTED) for a in accounts]
    envelopes = [e for pair in zip(started, submitted, strict=True) for e in pair]
    redelivered = envelopes[::7]  # as after a crash before the offsets were committed
    await send_all(kafka_bootstrap, [record(e) for e in envelopes + redelivered])

    ids = [e.event_id for e in envelopes]
    await reaches(lambda: claimed(contacts_service, ids), len(ids), within=90)
    found = await contacts_of(contacts_service, master)
    assert len(found) == len(accounts)
    assert set(found.values()) == {("submitted", 2, 2)}, "created, then changed once"
    published = await query(contacts_service, "SELECT count(*) FROM outbox WHERE topic = :topic "
                            "AND envelope->>'master_account_id' = :master",
                            topic=topics.CONTACTS.name, master=master)  # fmt: skip
    assert published[0][0] == 2 * len(accounts)


async def test_a_malformed_record_and_a_redelivered_event_in_a_batch(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    master = a_master()
    earlier = application(master, "U7100001", ApplicationStage.STARTED)
    await send_all(kafka_bootstrap, [record(earlier)], partition=0)
    await reaches(lambda: claimed(contacts_service, [earlier.event_id]), 1)

    first = application(master, "U7100002", ApplicationStage.STARTED)
    last = application(master, "U7100003", ApplicationStage.STARTED)
    key, _, headers = record(first)
    malformed: Record = (key, b'{"type": "application.status-changed", "payload": {', headers)
    batch = [record(first), malformed, record(first), record(earlier), record(last)]
    deliveries = await send_all(kafka_bootstrap, batch, partition=0)  # in order, one partition

    await reaches(lambda: claimed(contacts_service, [first.event_id, last.event_id]), 2)
    found = await contacts_of(contacts_service, master)
    assert found == {a: ("started", 1, 1) for a in ("U7100001", "U7100002", "U7100003")}

    async def dead_letter() -> list[dict[str, Any]]:
        letters = await read_topic(kafka_bootstrap, topics.DEAD_LETTERS.name)
        position = (deliveries[1].partition, deliveries[1].offset)
        return [m["payload"] for m in letters
                if m["payload"]["topic"] == LIFECYCLE and m["payload"]["consumer"] == "contacts"
                and (m["payload"]["partition"], m["payload"]["offset"]) == position]  # fmt: skip

    letters = await eventually(dead_letter)
    assert len(letters) == 1
    assert letters[0]["consumer"] == "contacts" and letters[0]["key"] == "U7100002"
    assert letters[0]["reason"].startswith("malformed message") and letters[0]["attempts"] == 1


async def reaches(read: Callable[[], Awaitable[Any]], expected: Any, within: float = 30) -> None:
    last: list[Any] = []

    async def check() -> bool:
        last[:] = [await read()]
        return bool(last[0] == expected)

    try:
        await eventually(check, within=within)
    except AssertionError:
        raise AssertionError(f"expected {expected!r}, last read {last!r}") from None


def valuation(master: str, account: str, value: str) -> Envelope[Any]:
    event = NetAssetValueReported(
        account_number=account, as_of=date(2026, 3, 2), net_asset_value=Decimal(value)
    )
    return Envelope.wrap(event, master_account_id=master)


async def test_a_batch_of_valuations_keeps_the_last_value_of_each_account(
    contacts_service: RunningService, kafka_bootstrap: str
) -> None:
    master = a_master()
    accounts = ["U7200001", "U7200002", "U7200003"]
    opened = [application(master, account, ApplicationStage.OPEN) for account in accounts]
    await send_all(kafka_bootstrap, [record(e) for e in opened])
    await reaches(lambda: claimed(contacts_service, [e.event_id for e in opened]), 3)

    values = [("U7200001", "100.00"), ("U7200002", "20.00"), ("U7200001", "150.25"),
              ("U7200001", "175.50"), ("U7200002", "25.00"), ("U7299999", "1.00")]  # fmt: skip
    reported = [valuation(master, account, value) for account, value in values]
    await send_all(kafka_bootstrap, [record(e) for e in reported], partition=0, topic=VALUATIONS)
    ids = [e.event_id for e in reported]
    await reaches(lambda: claimed(contacts_service, ids, f"contacts.{VALUATIONS}"), len(ids))

    rows = await query(contacts_service, "SELECT account_number, net_asset_value FROM contacts "
                       "WHERE master_account_id = :master", master=master)  # fmt: skip
    assert dict(rows) == {
        "U7200001": Decimal("175.50"),
        "U7200002": Decimal("25.00"),
        "U7200003": None,
    }
    changes = await contacts_of(contacts_service, master)
    assert {version for _, version, _ in changes.values()} == {1}, "a fact, not a CRM change"
