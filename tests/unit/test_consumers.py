"""The subscriber wiring, with FastStream's in-memory TestKafkaBroker and an in-memory inbox."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import date
from typing import Any
from uuid import UUID

from faststream.kafka import KafkaBroker, TestKafkaBroker

from contracts import topics
from contracts.accounts import AccountClosed, AccountOpened, AccountType
from contracts.envelope import Envelope
from services.runtime.consumers import (
    BatchHandler,
    Delivery,
    HandlerTable,
    one_at_a_time,
    subscribe,
)
from services.runtime.deadletter import dead_letter_middleware

LIFECYCLE = topics.ACCOUNT_LIFECYCLE.name


class RecordingUnitOfWork:
    """Like the real one: the inbox claims and the effects only count once committed."""

    def __init__(self, database: InMemoryDatabase) -> None:
        self._database = database
        self._claimed: set[tuple[str, UUID]] = set()
        self.applied: list[Any] = []  # what the handlers did in this transaction
        self.session: Any = None

    async def claim(self, consumer: str, event_id: UUID) -> bool:
        return bool(await self.claim_all(consumer, [event_id]))

    async def claim_all(self, consumer: str, event_ids: list[UUID]) -> set[UUID]:
        fresh = {i for i in event_ids if (consumer, i) not in self._database.inbox}
        self._claimed |= {(consumer, i) for i in fresh}
        return fresh

    async def commit(self) -> None:
        self._database.inbox |= self._claimed
        self._database.applied += self.applied
        self._database.commits.append(len(self.applied))


class InMemoryDatabase:
    def __init__(self) -> None:
        self.inbox: set[tuple[str, UUID]] = set()
        self.applied: list[Any] = []  # committed effects, in order
        self.commits: list[int] = []  # events applied by each commit

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[RecordingUnitOfWork]:
        yield RecordingUnitOfWork(self)


def opened(account: str = "U1234567") -> Envelope[Any]:
    event = AccountOpened(account_number=account, account_type=AccountType.INDIVIDUAL,
                          opened_on=date(2026, 1, 2))  # fmt: skip
    return Envelope.wrap(event, master_account_id="F1000001")


def body(envelope: Envelope[Any]) -> bytes:
    return envelope.model_dump_json().encode()


def accounts(database: InMemoryDatabase) -> list[str]:
    return [event.account_number for event in database.applied]


def a_broker(
    database: InMemoryDatabase,
    dead: list[Any],
    *,
    poison: str = "",
    attempts: list[str] | None = None,
    max_attempts: int = 5,
) -> KafkaBroker:
    """A broker with the subscription under test; the handler fails for account ``poison``."""
    broker = KafkaBroker(
        middlewares=[dead_letter_middleware("test", max_attempts=max_attempts, first_backoff=0)]
    )

    async def apply_opened(event: AccountOpened, envelope: Envelope[Any], uow: Any) -> None:
        if attempts is not None:
            attempts.append(event.account_number)
        if event.account_number == poison:
            raise RuntimeError("database down")
        uow.applied.append(event)

    subscribe(broker, database, service="test", topic=topics.ACCOUNT_LIFECYCLE,  # type: ignore[arg-type]
              handlers={AccountOpened: one_at_a_time(apply_opened)})  # fmt: skip

    @broker.subscriber(topics.DEAD_LETTERS.name)
    async def collect(envelope: topics.DEAD_LETTERS.envelope) -> None:  # type: ignore[name-defined]
        dead.append(envelope.payload)

    return broker


async def test_an_event_reaches_the_handler_for_its_type_and_commits() -> None:
    database = InMemoryDatabase()
    async with TestKafkaBroker(a_broker(database, [])) as broker:
        await broker.publish(body(opened()), LIFECYCLE)
    assert accounts(database) == ["U1234567"]
    assert database.commits == [1]


async def test_a_batch_is_applied_in_order_in_one_commit() -> None:
    database = InMemoryDatabase()
    numbers = [f"U{n:07d}" for n in range(50)]
    async with TestKafkaBroker(a_broker(database, [])) as broker:
        await broker.publish_batch(*(body(opened(n)) for n in numbers), topic=LIFECYCLE)
    assert accounts(database) == numbers
    assert database.commits == [50]


async def test_a_redelivered_event_is_applied_once() -> None:
    database = InMemoryDatabase()
    again = body(opened())
    async with TestKafkaBroker(a_broker(database, [])) as broker:
        await broker.publish(again, LIFECYCLE)
        await broker.publish(again, LIFECYCLE)
    assert accounts(database) == ["U1234567"]


async def test_duplicates_within_and_across_batches_are_applied_once() -> None:
    database = InMemoryDatabase()
    first, second, third = (body(opened(n)) for n in ("U0000001", "U0000002", "U0000003"))
    async with TestKafkaBroker(a_broker(database, [])) as broker:
        await broker.publish_batch(first, second, first, topic=LIFECYCLE)
        await broker.publish_batch(second, third, first, third, topic=LIFECYCLE)
    assert accounts(database) == ["U0000001", "U0000002", "U0000003"]
    assert database.commits == [2, 1]


async def test_events_without_a_handler_are_skipped() -> None:
    database = InMemoryDatabase()
    closed = Envelope.wrap(AccountClosed(account_number="U1234567", closed_on=date(2026, 1, 3)),
                           master_account_id="F1")  # fmt: skip
    async with TestKafkaBroker(a_broker(database, [])) as broker:
        await broker.publish(body(closed), LIFECYCLE)
    assert database.applied == [] and database.commits == []


async def test_a_malformed_message_is_dead_lettered_with_its_reason() -> None:
    database = InMemoryDatabase()
    dead: list[Any] = []
    async with TestKafkaBroker(a_broker(database, dead)) as broker:
        await broker.publish(b'{"type": "account.opened", "payload": {}}', LIFECYCLE)
        await broker.publish(body(opened()), LIFECYCLE)
        await asyncio.sleep(0)
    assert len(dead) == 1
    assert dead[0].topic == LIFECYCLE and dead[0].consumer == "test"
    assert "master_account_id" in dead[0].reason
    assert len(database.applied) == 1, "the consumer keeps going after a bad message"


async def test_a_malformed_record_in_a_batch_is_dead_lettered_alone() -> None:
    database = InMemoryDatabase()
    dead: list[Any] = []
    async with TestKafkaBroker(a_broker(database, dead)) as broker:
        await broker.publish_batch(body(opened("U0000001")), b"\x00not json",
                                   body(opened("U0000003")), topic=LIFECYCLE)  # fmt: skip
    assert accounts(database) == ["U0000001", "U0000003"]
    assert database.commits == [2]
    assert [(d.body, d.attempts) for d in dead] == [("\x00not json", 1)]
    assert dead[0].reason.startswith("malformed message")


async def test_a_record_its_header_names_as_a_type_without_a_handler_is_not_parsed() -> None:
    database = InMemoryDatabase()
    dead: list[Any] = []
    unparsable = b'{"type": "account.closed", "payload": {'
    async with TestKafkaBroker(a_broker(database, dead)) as broker:
        await broker.publish(unparsable, LIFECYCLE, headers={"event-type": "account.closed"})
        await broker.publish(unparsable, LIFECYCLE, headers={"event-type": "account.opened"})
        await broker.publish(body(opened()), LIFECYCLE, headers={"event-type": "account.opened"})
        await asyncio.sleep(0)
    assert len(dead) == 1, "only the record of a type the consumer handles was parsed"
    assert accounts(database) == ["U1234567"]


async def test_a_record_its_header_names_as_a_type_no_contract_knows_is_dead_lettered() -> None:
    database = InMemoryDatabase()
    dead: list[Any] = []
    teleported = opened().model_dump_json().replace('"account.opened"', '"account.teleported"')
    async with TestKafkaBroker(a_broker(database, dead)) as broker:
        await broker.publish(teleported.encode(), LIFECYCLE,
                             headers={"event-type": "account.teleported"})  # fmt: skip
        await broker.publish(body(opened()), LIFECYCLE, headers={"event-type": "account.opened"})
        await asyncio.sleep(0)
    assert len(dead) == 1, "an unknown type is parsed, found malformed and parked, not dropped"
    assert dead[0].reason.startswith("malformed message")
    assert accounts(database) == ["U1234567"]


async def test_a_handler_that_keeps_failing_is_retried_then_dead_lettered() -> None:
    attempts: list[str] = []
    dead: list[Any] = []
    broker = a_broker(InMemoryDatabase(), dead, poison="U1234567", attempts=attempts,
                      max_attempts=3)  # fmt: skip
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(body(opened()), LIFECYCLE)
    assert len(attempts) == 1 + 3, "the batch of one, then three attempts on its own"
    assert dead[0].attempts == 3 and "database down" in dead[0].reason


async def test_a_failing_event_falls_back_to_one_transaction_per_event() -> None:
    database = InMemoryDatabase()
    attempts: list[str] = []
    dead: list[Any] = []
    broker = a_broker(database, dead, poison="U0000002", attempts=attempts, max_attempts=3)
    numbers = ["U0000001", "U0000002", "U0000003", "U0000004"]
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish_batch(*(body(opened(n)) for n in numbers), topic=LIFECYCLE)
    assert accounts(database) == ["U0000001", "U0000003", "U0000004"], "in order, once each"
    assert database.commits == [1, 1, 1], "the batch rolled back, then one commit per event"
    assert attempts == ["U0000001", "U0000002"] + ["U0000001"] + ["U0000002"] * 3 + numbers[2:]
    assert [(d.attempts, d.key) for d in dead] == [(3, None)]
    assert "database down" in dead[0].reason and "U0000002" in dead[0].body


# --- batch handlers -------------------------------------------------------------------------


def closed(account: str) -> Envelope[Any]:
    event = AccountClosed(account_number=account, closed_on=date(2026, 1, 3))
    return Envelope.wrap(event, master_account_id="F1000001")


def a_batch_broker(database: InMemoryDatabase, calls: list[list[str]]) -> KafkaBroker:
    """A broker whose handlers record each call: the kind and accounts of the deliveries."""

    def recording(kind: str) -> BatchHandler:
        async def apply_all(deliveries: Sequence[Delivery[Any]], uow: Any) -> None:
            calls.append([f"{kind} {d.event.account_number}" for d in deliveries])
            uow.applied.extend(d.event for d in deliveries)

        return apply_all

    broker = KafkaBroker()
    handlers: HandlerTable = {
        AccountOpened: recording("opened"),
        AccountClosed: recording("closed"),
    }
    subscribe(broker, database, service="test", topic=topics.ACCOUNT_LIFECYCLE,  # type: ignore[arg-type]
              handlers=handlers)  # fmt: skip
    return broker


async def test_a_batch_handler_gets_every_delivery_of_its_type_in_one_call() -> None:
    database, calls = InMemoryDatabase(), list[list[str]]()
    numbers = [f"U{n:07d}" for n in range(20)]
    async with TestKafkaBroker(a_batch_broker(database, calls)) as broker:
        await broker.publish_batch(*(body(opened(n)) for n in numbers), topic=LIFECYCLE)
    assert calls == [[f"opened {n}" for n in numbers]]
    assert accounts(database) == numbers and database.commits == [20]


async def test_interleaved_types_are_handed_over_in_runs_that_keep_the_order() -> None:
    database, calls = InMemoryDatabase(), list[list[str]]()
    batch = [opened("U0000001"), opened("U0000002"), closed("U0000001"), opened("U0000003"),
             closed("U0000002"), closed("U0000003")]  # fmt: skip
    async with TestKafkaBroker(a_batch_broker(database, calls)) as broker:
        await broker.publish_batch(*(body(envelope) for envelope in batch), topic=LIFECYCLE)
    assert calls == [
        ["opened U0000001", "opened U0000002"],
        ["closed U0000001"],
        ["opened U0000003"],
        ["closed U0000002", "closed U0000003"],
    ]
    assert database.commits == [6], "one transaction for the whole batch"
