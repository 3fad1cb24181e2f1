"""In-process services on the real broker and PostgreSQL, started once for the integration tests."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import pytest_asyncio
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from fastapi import FastAPI

from contracts.access import Access
from contracts.envelope import Envelope, Event
from deploy.infrastructure import database_url_for
from services.runtime.service import ServiceDefinition
from services.runtime.settings import LOCAL_INTERNAL_TOKEN

pytestmark = pytest.mark.integration

# Consumer groups of their own: the end-to-end stack may be running on the same broker.
GROUP_PREFIX = f"it-{uuid.uuid4().hex[:8]}."


@dataclass
class RunningService:
    app: FastAPI
    http: httpx.AsyncClient
    database_url: str

    def as_master(
        self, master_account_id: str, user_id: str = "tester", access: Access | None = None
    ) -> dict[str, str]:
        """The headers the gateway sends for a user of the master (the primary user unless
        ``access`` says otherwise)."""
        return {"X-Master-Account-Id": master_account_id, "X-User-Id": user_id,
                "X-Internal-Token": LOCAL_INTERNAL_TOKEN,
                **(access or Access.primary()).to_headers()}  # fmt: skip


@asynccontextmanager
async def running(create_app: Callable[..., FastAPI], definition: ServiceDefinition,
                  kafka: str, database_url: str) -> AsyncIterator[RunningService]:  # fmt: skip
    settings = definition.load_settings(database_url=database_url, kafka_bootstrap_servers=kafka,
                                        outbox_poll_seconds=0.2, kafka_group_prefix=GROUP_PREFIX)  # fmt: skip
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as http:
            yield RunningService(app, http, database_url)


def unique_database(server: str, owner: str) -> str:
    return database_url_for(server, f"it_{owner}_{uuid.uuid4().hex[:8]}")


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def contacts_service(
    kafka_bootstrap: str, postgres_server: str
) -> AsyncIterator[RunningService]:
    from services.contacts.app import DEFINITION, create_app

    async with running(create_app, DEFINITION, kafka_bootstrap,
                       unique_database(postgres_server, "contacts")) as service:  # fmt: skip
        yield service


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def analytics_service(
    kafka_bootstrap: str, postgres_server: str
) -> AsyncIterator[RunningService]:
    from services.analytics.app import DEFINITION, create_app

    async with running(create_app, DEFINITION, kafka_bootstrap,
                       unique_database(postgres_server, "analytics")) as service:  # fmt: skip
        yield service


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
"""A minimal PDF that the documents' type sniffing accepts."""


def a_master() -> str:
    return "T" + str(uuid.uuid4().int)[:7]


class Book:
    """One master's view of a service, as one of its users."""

    def __init__(
        self, service: RunningService, master: str | None = None, user: str = "u-ada"
    ) -> None:
        self.service = service
        self.master = master or a_master()
        self.headers = service.as_master(self.master, user)

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        return await self.service.http.request(method, path, headers=self.headers, **kwargs)

    async def ok(self, method: str, path: str, expected: int = 200, **kwargs: Any) -> Any:
        response = await self.call(method, path, **kwargs)
        assert response.status_code == expected, response.text
        return response.json() if response.content else None

    async def refused(self, status: int, method: str, path: str, **kwargs: Any) -> None:
        response = await self.call(method, path, **kwargs)
        assert response.status_code == status, (method, path, response.text)

    async def contact(self, first: str = "Grace", last: str = "Hopper") -> str:
        created = await self.ok(
            "POST", "/contacts", 201, json={"first_name": first, "last_name": last}
        )
        return str(created["id"])


async def publish(kafka: str, topic: str, event: Event | bytes, *, master: str = "T0000001",
                  envelope: Envelope[Any] | None = None, key: bytes | None = None) -> Envelope[Any] | None:  # fmt: skip
    """Publish an event (wrapped in an envelope unless one is given) or raw bytes."""
    producer = AIOKafkaProducer(bootstrap_servers=kafka, enable_idempotence=False)
    await producer.start()
    try:
        if isinstance(event, bytes):
            await producer.send_and_wait(topic, event, key=key)
            return None
        envelope = envelope or Envelope.wrap(event, master_account_id=master)
        partition_key = event.partition_key()
        await producer.send_and_wait(topic, envelope.model_dump_json().encode(),
                                     key=partition_key.encode() if partition_key else key)  # fmt: skip
        return envelope
    finally:
        await producer.stop()


async def read_topic(kafka: str, topic: str) -> list[dict[str, Any]]:
    """Every message on the topic from the beginning, as JSON (no consumer group)."""
    return [message for _, message in await read_keyed(kafka, topic)]


async def read_keyed(kafka: str, topic: str) -> list[tuple[str | None, dict[str, Any]]]:
    """Every message on the topic from the beginning with its key (in order within a partition,
    none across partitions)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer.topics()  # fetches the metadata
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        messages: list[tuple[str | None, dict[str, Any]]] = []
        deadline = asyncio.get_running_loop().time() + 15
        while asyncio.get_running_loop().time() < deadline:
            positions = [await consumer.position(p) for p in partitions]
            if all(position >= end[p] for position, p in zip(positions, partitions, strict=True)):
                break
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                messages += [
                    (record.key.decode() if record.key else None, json.loads(record.value))
                    for record in records
                ]
        return messages
    finally:
        await consumer.stop()


async def eventually(check: Callable[[], Any], *, within: float = 20, interval: float = 0.2) -> Any:
    """Poll an async check until it returns something truthy; fail with its last value."""
    deadline = asyncio.get_running_loop().time() + within
    result = None
    while asyncio.get_running_loop().time() < deadline:
        result = await check()
        if result:
            return result
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met in {within}s; last result: {result!r}")
