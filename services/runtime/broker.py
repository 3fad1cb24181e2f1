"""The Kafka broker every service uses: telemetry and dead-lettering as middleware."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from faststream.kafka import KafkaBroker
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware

from contracts.topics import ALL_TOPICS
from services.runtime.deadletter import dead_letter_middleware


class ServiceBroker(KafkaBroker):
    """A broker whose subscribers join their consumer groups at the same time.

    aiokafka's ``start()`` waits until the group has assigned the consumer its partitions (a
    join takes seconds: the group coordinator waits for more members before the first
    rebalance). FastStream starts subscribers one after another, so a service with nine
    subscriptions took nine joins in a row (46 s on the embedded broker) before it served."""

    async def start(self) -> None:
        await self.connect()
        await asyncio.gather(*(subscriber.start() for subscriber in self.subscribers))
        for publisher in self.publishers:
            await publisher.start()
        self.running = True


def make_broker(*, bootstrap_servers: str, service: str) -> KafkaBroker:
    # Never idempotent or transactional producers: exactly-once comes from outbox + inbox.
    return ServiceBroker(
        bootstrap_servers,
        client_id=service,
        enable_idempotence=False,
        acks="all",
        middlewares=[KafkaTelemetryMiddleware(), dead_letter_middleware(service)],
        graceful_timeout=10.0,
        logger=logging.getLogger("faststream"),
    )


async def ensure_topics(bootstrap_servers: str, *, partitions: int) -> None:
    """Create every contract topic that does not exist yet (idempotent, safe in parallel)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(topic.name, num_partitions=partitions, replication_factor=1)
            for topic in ALL_TOPICS
            if topic.name not in existing
        ]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
    finally:
        await admin.close()
