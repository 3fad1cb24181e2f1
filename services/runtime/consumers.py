"""Subscribing a service's handlers to a topic, in batches: parse, claim in the inbox, apply, commit.

Handlers are batch use cases ``async def apply_xs(deliveries, uow) -> None`` registered in one
table per service (event type -> handler); they change state (and may publish through ``uow``) but
never commit. A handler gets every claimed event of its type from one poll, in partition order, so
it can apply them with one set-based statement; ``one_at_a_time`` adapts a per-event use case.

A subscription reads up to ``MAX_RECORDS`` records at a time. A record whose ``event-type``
header names a type the topic's contract declares but the subscription has no handler for is
skipped unparsed (the outbox and the back office set the header); each other record is parsed on
its own, so a malformed one — a type no contract knows included — is dead-lettered alone. The batch's events are then applied in order in one
transaction: one statement claims their ids in the inbox (an unclaimed one is a redelivery, or a
repeat within the batch), the claimed events are cut into runs of consecutive events of one
handler, each run goes to its handler, and it commits once. Runs, not one group per type: events of
two types about one account (an application, then its opening) keep their order. Only then are
the offsets committed (``AckPolicy.NACK_ON_ERROR``), so a crash before the commit redelivers the
batch. If a handler fails, the batch is rolled back and its events are applied again one
transaction each, in order, with the dead-letter policy's retries: a poison event is parked alone
and never blocks its partition.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, contextmanager
from dataclasses import dataclass
from functools import partial
from itertools import groupby
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

import structlog
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.message import StreamMessage
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.trace import SpanKind, set_span_in_context

from contracts.envelope import Envelope, Event
from contracts.topics import Topic
from services.runtime.deadletter import MALFORMED, DeadLetters, dead_letters_of, describe
from services.runtime.telemetry import within_trace

log = structlog.get_logger(__name__)
_tracer = trace.get_tracer(__name__)

EventT = TypeVar("EventT", bound=Event)


@dataclass(frozen=True, slots=True)
class Delivery(Generic[EventT]):
    """One event handed to a handler, with the envelope it came in (master, time, ids) and the
    trace it belongs to: an event published because of it (``uow.publish(...,
    caused_by=delivery)``) continues that trace."""

    event: EventT
    envelope: Envelope[Any]
    trace_context: Context | None = None


BatchHandler = Callable[[Sequence[Delivery[Any]], Any], Awaitable[None]]
HandlerTable = Mapping[type[Event], BatchHandler]
EventHandler = Callable[[Any, Envelope[Any], Any], Awaitable[None]]


def one_at_a_time(handler: EventHandler) -> BatchHandler:
    """A batch handler applying ``handler(event, envelope, uow)`` to each delivery in order."""

    async def apply_each(deliveries: Sequence[Delivery[Any]], uow: Any) -> None:
        for delivery in deliveries:
            with within_trace(delivery.trace_context):
                await handler(delivery.event, delivery.envelope, uow)

    apply_each.__name__ = apply_each.__qualname__ = getattr(handler, "__name__", "apply_each")
    return apply_each


@contextmanager
def traced_deliveries(consumer: str, items: Sequence[Item]) -> Iterator[list[Delivery[Any]]]:
    """The run's deliveries, each with a span of its own parented by the context its event
    carried in the Kafka headers: one trace runs from the request that caused the event to this
    consumer, although the batch is applied together."""
    spans = []
    deliveries = []
    for item in items:
        carried = propagate.extract(_text_headers(item.record))
        span = _tracer.start_span(
            f"{consumer} apply {item.envelope.type}", context=carried, kind=SpanKind.CONSUMER,
            attributes={"messaging.message.id": str(item.envelope.event_id)},
        )  # fmt: skip
        spans.append(span)
        deliveries.append(
            Delivery(item.envelope.payload, item.envelope, set_span_in_context(span, carried))
        )
    try:
        yield deliveries
    finally:
        for span in spans:
            span.end()


def _text_headers(record: Any) -> dict[str, str]:
    return {
        key: value.decode("utf-8", "replace")
        for key, value in (getattr(record, "headers", None) or ())
        if isinstance(value, bytes)
    }


def unhandled_types(topic: Topic, handlers: HandlerTable) -> frozenset[bytes]:
    """The ``event-type`` header values a subscription skips unparsed: the types the topic's
    contract declares that ``handlers`` does not handle. A record naming any other type (or
    none) is parsed, so one of a type no contract knows is dead-lettered as malformed."""
    declared = topic.event_types
    if declared is None:
        return frozenset()
    handled: set[str] = set()
    for event_type in handlers:
        field = event_type.model_fields.get("type")
        if field is None or not isinstance(field.default, str):
            return frozenset()
        handled.add(field.default)
    return frozenset(name.encode() for name in declared - handled)


def _event_type(record: Any) -> bytes | None:
    for key, value in getattr(record, "headers", None) or ():
        if key == "event-type":
            return value if isinstance(value, bytes) else None
    return None


class UnitsOfWork(Protocol):
    """Where a subscription opens its transactions (a ``Database``, or a fake in unit tests)."""

    def unit_of_work(self) -> AbstractAsyncContextManager[Any]: ...


MAX_RECORDS = 200  # per batch
BATCH_TIMEOUT_MS = 50  # how long an idle subscription waits for records before polling again
# How soon a replica that died (SIGKILL, a lost machine) gives its partitions up: the group
# coordinator declares it gone after SESSION_TIMEOUT_MS without a heartbeat, then the others
# rejoin. 6 s is the least a default Apache Kafka accepts (group.min.session.timeout.ms);
# aiokafka's defaults (10 s, 3 s) left partitions idle ~16 s on the embedded broker, which also
# waits half the session timeout for members to rejoin. The rebalance timeout is the session
# timeout (aiokafka's default), so a rejoin is bounded by the same 6 s.
SESSION_TIMEOUT_MS = 6_000
HEARTBEAT_INTERVAL_MS = 2_000  # a third of the session timeout, as Kafka advises


class Item(NamedTuple):
    record: Any  # the Kafka ConsumerRecord
    envelope: Envelope[Any]
    handler: BatchHandler


async def raw_records(message: StreamMessage[Any]) -> Any:
    """The batch as it came (a decoder that parses nothing): records are parsed one by one."""
    return message.raw_message


def subscribe(
    broker: KafkaBroker,
    database: UnitsOfWork,
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
    skipped = unhandled_types(topic, handlers)

    async def apply(items: Sequence[Item]) -> None:
        async with database.unit_of_work() as uow:
            fresh = await uow.claim_all(consumer, [item.envelope.event_id for item in items])
            claimed: list[Item] = []
            for item in items:
                if item.envelope.event_id in fresh:
                    fresh.discard(item.envelope.event_id)  # a repeat later in the batch is skipped
                    claimed.append(item)
            for handler, run in groupby(claimed, key=lambda item: item.handler):
                with traced_deliveries(consumer, list(run)) as deliveries:
                    await handler(deliveries, uow)
            await uow.commit()

    async def consume(records: Any) -> None:
        items: list[Item] = []
        for record in records:
            if _event_type(record) in skipped:
                continue  # a declared type without a handler here, named by its header: not parsed
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
        session_timeout_ms=SESSION_TIMEOUT_MS,
        heartbeat_interval_ms=HEARTBEAT_INTERVAL_MS,
        decoder=raw_records,
        title=f"{service} <- {topic.name}",
        description=topic.description,
    )(consume)
