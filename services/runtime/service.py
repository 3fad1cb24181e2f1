"""Composition shared by every service: one process serving its HTTP API, its Kafka subscribers
and its outbox relay, with the same start-up (database, migrations, topics) and health check."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import structlog
import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker

from contracts.topics import Topic
from services.runtime import migrations
from services.runtime.broker import ensure_topics, make_broker
from services.runtime.consumers import HandlerTable, subscribe
from services.runtime.db import Database, ensure_database
from services.runtime.logging import configure_logging
from services.runtime.outbox import OutboxRelay
from services.runtime.settings import ServiceSettings
from services.runtime.telemetry import configure_telemetry, instrument_http

log = structlog.get_logger(__name__)


@dataclass
class ServiceDefinition:
    name: str
    routers: Sequence[APIRouter] = ()
    subscriptions: Sequence[tuple[Topic, HandlerTable]] = ()
    background: Sequence[Callable[[Database, KafkaBroker], Any]] = field(default_factory=tuple)


def kafka_publisher(broker: KafkaBroker) -> Any:
    async def publish(
        body: bytes, *, topic: str, key: bytes | None, headers: dict[str, str]
    ) -> None:
        await broker.publish(body, topic=topic, key=key, headers=headers)

    return publish


def create_service(
    definition: ServiceDefinition, settings: ServiceSettings | None = None
) -> FastAPI:
    settings = settings or ServiceSettings(service_name=definition.name)  # type: ignore[call-arg]
    configure_logging(
        service=definition.name, json_logs=settings.json_logs, level=settings.log_level
    )
    configure_telemetry(service=definition.name, otlp_endpoint=settings.otel_exporter_otlp_endpoint)
    database = Database(settings.database_url)
    broker = make_broker(
        bootstrap_servers=settings.kafka_bootstrap_servers, service=definition.name
    )
    for topic, handlers in definition.subscriptions:
        subscribe(broker, database, service=definition.name, topic=topic, handlers=handlers,
                  group_prefix=settings.kafka_group_prefix)  # fmt: skip

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await ensure_database(settings.database_url)
        await migrations.upgrade(definition.name, settings.database_url)
        await ensure_topics(settings.kafka_bootstrap_servers, partitions=settings.kafka_partitions)
        await broker.start()
        relay = OutboxRelay(
            database.engine,
            kafka_publisher(broker),
            wake_up=database.outbox_signal,
            poll_seconds=settings.outbox_poll_seconds,
        )
        tasks = [asyncio.create_task(relay.run_forever(), name="outbox-relay")]
        tasks += [asyncio.create_task(job(database, broker)) for job in definition.background]
        freeze_startup_objects()
        log.info("service started", port=settings.http_port)
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await broker.stop()
            await database.dispose()

    app = FastAPI(title=f"Advisor Portal — {definition.name}", lifespan=lifespan)
    app.state.settings = settings
    app.state.database = database
    app.state.broker = broker
    app.state.service_name = definition.name
    app.add_api_route("/healthz", _health, methods=["GET"], include_in_schema=False)
    for router in definition.routers:
        app.include_router(router)
    instrument_http(app)
    return app


def freeze_startup_objects() -> None:
    """Objects alive once a process has started (modules, the app, caches) live as long as the
    process: the garbage collector need not scan them again. Left in its generations, each full
    collection walks all of them and stalls every request in flight meanwhile."""
    gc.collect()
    gc.freeze()


async def _health(request: Request) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        await asyncio.wait_for(request.app.state.database.ping(), 3)
        checks["database"] = "ok"
    except Exception as error:
        checks["database"] = f"down: {type(error).__name__}"
    try:
        alive = await request.app.state.broker.ping(timeout=3)
        checks["broker"] = "ok" if alive else "down"
    except Exception as error:
        checks["broker"] = f"down: {type(error).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {
            "status": "ok" if healthy else "down",
            "service": request.app.state.service_name,
            "checks": checks,
        },
        status_code=200 if healthy else 503,
    )


async def get_database(request: Request) -> Database:
    # async: FastAPI runs a plain-def dependency in a worker thread, on every request
    database: Database = request.app.state.database
    return database


DatabaseDep = Annotated[Database, Depends(get_database)]


SERVER_KEEP_ALIVE_SECONDS = 30
"""How long a service keeps an idle connection open; its callers give up on theirs sooner, so
a request never goes out on a connection the service is closing at that very moment."""


def run(app_factory: Callable[[], FastAPI]) -> None:
    """Entry point of ``python -m services.<name>``."""
    app = app_factory()
    settings: ServiceSettings = app.state.settings
    uvicorn.run(
        app, host=settings.http_host, port=settings.http_port, log_config=None, access_log=False,
        timeout_keep_alive=SERVER_KEEP_ALIVE_SECONDS,
    )  # fmt: skip
