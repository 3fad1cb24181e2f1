"""Subscribing a service's handlers to a topic, in batches: parse, claim in the inbox, apply, commit.

Handlers are plain functions ``async def apply_x(event, envelope, uow) -> None`` registered in one
table per service; they change state (and may publish through ``uow``) but never commit.

A subscription reads up to ``MAX_RECORDS`` records at a time. Each record is parsed on its own, so
a malformed one is dead-lettered alone. The batch's events are then applied in order in one
transaction: one statement claims their ids in the inbox, the handler of each claimed event runs
(an unclaimed one is a redelivery, or a repeat within the batch) and it commits once. Only then are
the offsets committed (``AckPolicy.NACK_ON_ERROR``), so a crash before the commit redelivers the
batch. If a handler fails, the batch is rolled back and its events are applied again one
transaction each, in order, with the dead-letter policy's retries: a poison event is parked alone
and never blocks its partition.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import partial
from typing import Any, NamedTuple

import structlog
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.message import StreamMessage

from contracts.envelope import Envelope, Event
from contracts.topics import Topic
from services.runtime.db import Database, UnitOfWork
from services.runtime.deadletter import MALFORMED, DeadLetters, dead_letters_of, describe

log = structlog.get_logger(__name__)

Handler = Callable[[Any, Envelope[Any], UnitOfWork], Awaitable[None]]
HandlerTable = Mapping[type[Event], Handler]

MAX_RECORDS = 200  # per batch
BATCH_TIMEOUT_MS = 50  # how long an idle subscription waits for records before polling again


class Item(NamedTuple):
    record: Any  # the Kafka ConsumerRecord
    envelope: Envelope[Any]
    handler: Handler


async def raw_records(message: StreamMessage[Any]) -> Any:
    """The batch as it came (a decoder that parses nothing): records are parsed one by one."""
    return message.raw_message


def subscribe(
    broker: KafkaBroker,
    database: Database,
    *,
    service: str,
    topic: Topic,
    handlers: HandlerTable,
    group_prefix: str = "",
) -> None:
    # One consumer group per subscription: replicas share a topic's partitions, and a
    # rebalance of one subscription never pauses another. The prefix keeps deployments that
    # share a broker (staging next to production, a test run next to a demo) apart.
    consumer = f"{service}.{topic.name}"
    dead_letters = dead_letters_of(broker) or DeadLetters(service)

    async def apply(items: Sequence[Item]) -> None:
        async with database.unit_of_work() as uow:
            fresh = await uow.claim_all(consumer, [item.envelope.event_id for item in items])
            for item in items:
                if item.envelope.event_id in fresh:
                    fresh.discard(item.envelope.event_id)  # a repeat later in the batch is skipped
                    await item.handler(item.envelope.payload, item.envelope, uow)
            await uow.commit()

    async def consume(records: Any) -> None:
        items: list[Item] = []
        for record in records:
            try:
                envelope = topic.envelope.model_validate_json(record.value or b"")
            except MALFORMED as error:
                await dead_letters.park(broker, record, error, attempts=1)
                continue
            handler = handlers.get(type(envelope.payload))
            if handler is not None:
                items.append(Item(record, envelope, handler))
        if not items:
            return
        try:
            await apply(items)
        except Exception as error:
            log.warning("batch failed; applying its events one at a time",
                        topic=topic.name, events=len(items), error=describe(error))  # fmt: skip
            for item in items:
                await dead_letters.attempt(broker, item.record, partial(apply, [item]))

    consume.__name__ = consume.__qualname__ = (
        f"{service}_{topic.name.replace('.', '_').replace('-', '_')}"
    )
    broker.subscriber(
        topic.name,
        group_id=group_prefix + consumer,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        batch=True,
        max_records=MAX_RECORDS,
        batch_timeout_ms=BATCH_TIMEOUT_MS,
        decoder=raw_records,
        title=f"{service} <- {topic.name}",
        description=topic.description,
    )(consume)
