"""Composition root of the gateway."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from gateway import pages
from gateway.api import routes
from gateway.api.responses import EVERY_ROUTE
from gateway.api.routes import health
from gateway.auth.rights import AccessDenied, LoginRequired
from gateway.auth.session_cache import SignedInCache, UserChanges, unit_of_work_noticed_by
from gateway.clients.http import ServiceClients
from gateway.pages.deps import ProfileForms, access_denied, login_redirect
from gateway.security_headers import SecurityHeaders
from gateway.settings import GatewaySettings
from gateway.users.events import announce_everyone
from services.runtime import migrations
from services.runtime.broker import make_broker
from services.runtime.cluster import cluster_id
from services.runtime.db import Database, UnitOfWork, ensure_database
from services.runtime.http_errors import install_error_handler
from services.runtime.logging import configure_logging
from services.runtime.outbox import OutboxRelay
from services.runtime.request_guards import install_request_guards
from services.runtime.service import freeze_startup_objects, kafka_publisher
from services.runtime.settings import async_database_url
from services.runtime.telemetry import configure_telemetry, instrument_http

API_PREFIX = "/api/v1"
DATABASE_POOL_SIZE = 5
"""The gateway's own queries are few once signed-in users are kept in memory (logins, settings,
the audit log): a burst waits here for one of five connections rather than running dozens of
queries at once on PostgreSQL (two cores on the reference machine). The listener of the user
change notices holds one more."""


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()  # type: ignore[call-arg]
    configure_logging(service="gateway", json_logs=settings.json_logs, level=settings.log_level)
    configure_telemetry(service="gateway", otlp_endpoint=settings.otel_exporter_otlp_endpoint)
    # the signed-in users, kept between requests and forgotten as they change
    signed_in_cache = SignedInCache()
    user_changes = UserChanges(signed_in_cache, async_database_url(settings.database_url))
    database: Database[UnitOfWork] = Database(
        settings.database_url, pool_size=DATABASE_POOL_SIZE,
        unit_of_work=unit_of_work_noticed_by(user_changes),
    )  # fmt: skip
    broker = make_broker(bootstrap_servers=settings.kafka_bootstrap_servers, service="gateway")
    clients = ServiceClients(settings)

    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await ensure_database(settings.database_url)
        await migrations.upgrade("gateway", settings.database_url)
        await broker.connect()
        # the events the gateway publishes (users changed) go out through its outbox
        relay = OutboxRelay(
            database.engine, kafka_publisher(broker), wake_up=database.outbox_signal,
            broker=partial(cluster_id, settings.kafka_bootstrap_servers),
        )  # fmt: skip
        relaying = asyncio.create_task(relay.run_forever(), name="outbox-relay")
        listening = asyncio.create_task(user_changes.run(), name="user-change-notices")
        await announce_everyone(database)
        freeze_startup_objects()
        try:
            yield
        finally:
            relaying.cancel()
            listening.cancel()
            await asyncio.gather(relaying, listening, return_exceptions=True)
            await clients.close()
            await broker.stop()
            await database.dispose()

    app = FastAPI(
        title="Advisor Portal API",
        version="1.0.0",
        description="The public REST API behind the Advisor Portal.",
        lifespan=lifespan,
        docs_url=f"{API_PREFIX}/docs",
        openapi_url=f"{API_PREFIX}/openapi.json",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.database = database
    app.state.signed_in_cache = signed_in_cache
    app.state.user_changes = user_changes
    app.state.broker = broker
    app.state.clients = clients
    app.state.profile_forms = ProfileForms()

    api = APIRouter(prefix=API_PREFIX, responses=EVERY_ROUTE)
    for module in routes.API_ROUTERS:
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(health.router)
    for module in pages.PAGE_ROUTERS:
        app.include_router(module.router)
    install_error_handler(app)
    install_request_guards(app)
    app.add_exception_handler(LoginRequired, login_redirect)
    app.add_exception_handler(AccessDenied, access_denied)
    app.mount(
        "/static", StaticFiles(directory=Path(__file__).parent / "pages" / "static"), "static"
    )
    app.add_middleware(
        SecurityHeaders, docs_path=f"{API_PREFIX}/docs", api_prefix=f"{API_PREFIX}/",
        hsts=settings.environment != "local",
    )  # fmt: skip
    instrument_http(app)
    return app
