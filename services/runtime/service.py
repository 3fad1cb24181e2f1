"""Composition shared by every service: one process serving its HTTP API, its Kafka subscribers
and its outbox relay, with the same start-up (database, migrations, topics) and health check."""

from __future__ import annotations

import asyncio
import contextlib
import cProfile
import gc
import os
import pstats
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Annotated, Any

import structlog
import uvicorn
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncSession

from contracts.topics import Topic
from services.runtime import migrations
from services.runtime.broker import ensure_topics, make_broker
from services.runtime.clock import Clock, SystemClock
from services.runtime.cluster import cluster_id
from services.runtime.consumers import HandlerTable, subscribe
from services.runtime.db import Database, UnitOfWork, ensure_database
from services.runtime.http_errors import install_error_handler
from services.runtime.logging import configure_logging
from services.runtime.outbox import OutboxRelay
from services.runtime.request_guards import install_request_guards
from services.runtime.settings import ServiceSettings
from services.runtime.telemetry import configure_telemetry, instrument_http

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ServiceContext:
    """What a service's routes and background jobs are handed: built once per process."""

    name: str
    settings: ServiceSettings
    database: Database[Any]
    broker: KafkaBroker
    clock: Clock


Job = Callable[[ServiceContext], Coroutine[Any, Any, None]]
"""A background job: runs for the life of the process (cancelled at shutdown)."""


@dataclass(frozen=True)
class ServiceDefinition:
    """A service as its composition root declares it."""

    name: str
    settings: type[ServiceSettings] = ServiceSettings
    unit_of_work: Callable[[AsyncSession, asyncio.Event], UnitOfWork] = UnitOfWork
    routers: Sequence[APIRouter] = ()
    subscriptions: Sequence[tuple[Topic, HandlerTable]] = ()
    jobs: Sequence[Job] = field(default_factory=tuple)

    def load_settings(self, **overrides: Any) -> ServiceSettings:
        """The service's settings from the environment (``overrides`` win), built once."""
        return self.settings(**{"service_name": self.name, **overrides})


def kafka_publisher(broker: KafkaBroker) -> Any:
    async def publish(
        body: bytes, *, topic: str, key: bytes | None, headers: dict[str, str]
    ) -> None:
        await broker.publish(body, topic=topic, key=key, headers=headers)

    return publish


def create_service(
    definition: ServiceDefinition,
    settings: ServiceSettings | None = None,
    *,
    clock: Clock | None = None,
) -> FastAPI:
    settings = settings or definition.load_settings()
    configure_logging(
        service=definition.name, json_logs=settings.json_logs, level=settings.log_level
    )
    configure_telemetry(service=definition.name, otlp_endpoint=settings.otel_exporter_otlp_endpoint)
    database: Database[Any] = Database(settings.database_url, unit_of_work=definition.unit_of_work)
    broker = make_broker(
        bootstrap_servers=settings.kafka_bootstrap_servers, service=definition.name
    )
    context = ServiceContext(definition.name, settings, database, broker, clock or SystemClock())
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
            broker=partial(cluster_id, settings.kafka_bootstrap_servers),
        )
        tasks = [asyncio.create_task(relay.run_forever(), name="outbox-relay")]
        tasks += [
            asyncio.create_task(job(context), name=getattr(job, "__name__", "job"))
            for job in definition.jobs
        ]
        freeze_startup_objects()
        log.info("service started", port=settings.http_port)
        profile = cProfile.Profile() if settings.profile_dir else None
        if profile is not None:
            profile.enable()
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await broker.stop()
            await database.dispose()
            if profile is not None and settings.profile_dir is not None:
                profile.disable()
                write_profile(profile, settings.profile_dir / f"{definition.name}-{os.getpid()}")

    app = FastAPI(title=f"Advisor Portal — {definition.name}", lifespan=lifespan)
    app.state.context = context
    app.state.settings = settings  # the caller check reads the internal token here
    app.add_api_route("/healthz", _health, methods=["GET"], include_in_schema=False)
    install_error_handler(app)
    install_request_guards(app)
    for router in definition.routers:
        app.include_router(router)
    instrument_http(app)
    return app


def write_profile(profile: cProfile.Profile, path: Path) -> None:
    """``<path>.prof`` (for pstats or snakeviz), and ``<path>.txt``: its top functions."""
    path.parent.mkdir(parents=True, exist_ok=True)
    profile.dump_stats(path.with_suffix(".prof"))
    with path.with_suffix(".txt").open("w") as text:
        stats = pstats.Stats(profile, stream=text)
        for order in ("tottime", "cumulative"):
            text.write(f"=== by {order} ===\n")
            stats.sort_stats(order).print_stats(60)


def freeze_startup_objects() -> None:
    """Objects alive once a process has started (modules, the app, caches) live as long as the
    process: the garbage collector need not scan them again. Left in its generations, each full
    collection walks all of them and stalls every request in flight meanwhile."""
    gc.collect()
    gc.freeze()


async def _health(request: Request) -> JSONResponse:
    context: ServiceContext = request.app.state.context
    checks: dict[str, str] = {}
    try:
        await asyncio.wait_for(context.database.ping(), 3)
        checks["database"] = "ok"
    except Exception as error:
        checks["database"] = f"down: {type(error).__name__}"
    try:
        alive = await context.broker.ping(timeout=3)
        checks["broker"] = "ok" if alive else "down"
    except Exception as error:
        checks["broker"] = f"down: {type(error).__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {
            "status": "ok" if healthy else "down",
            "service": context.name,
            "checks": checks,
        },
        status_code=200 if healthy else 503,
    )


# async: FastAPI runs a plain-def dependency in a worker thread, on every request
async def get_context(request: Request) -> ServiceContext:
    context: ServiceContext = request.app.state.context
    return context


async def get_database(request: Request) -> Database[Any]:
    return (await get_context(request)).database


async def get_clock(request: Request) -> Clock:
    return (await get_context(request)).clock


ContextDep = Annotated[ServiceContext, Depends(get_context)]
DatabaseDep = Annotated[Database[Any], Depends(get_database)]
ClockDep = Annotated[Clock, Depends(get_clock)]


SERVER_KEEP_ALIVE_SECONDS = 30
"""How long a service keeps an idle connection open; its callers give up on theirs sooner, so
a request never goes out on a connection the service is closing at that very moment."""


def run(app_factory: Callable[[], FastAPI]) -> None:
    """Entry point of ``python -m services.<name>``."""
    app = app_factory()
    settings: ServiceSettings = app.state.context.settings
    uvicorn.run(
        app, host=settings.http_host, port=settings.http_port, log_config=None, access_log=False,
        timeout_keep_alive=SERVER_KEEP_ALIVE_SECONDS,
    )  # fmt: skip
