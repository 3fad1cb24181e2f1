"""Composition root of the staging service."""

from __future__ import annotations

from dataclasses import replace

from fastapi import FastAPI

from contracts import topics
from services.runtime.clock import Clock
from services.runtime.service import ServiceDefinition, create_service
from services.staging import handlers
from services.staging.api import staging
from services.staging.domain.schedule import StagingRules
from services.staging.service_layer.release import DeadlineRelease
from services.staging.service_layer.unit_of_work import SqlStagingUnitOfWork
from services.staging.settings import StagingSettings

DEFINITION = ServiceDefinition(
    name="staging",
    settings=StagingSettings,
    unit_of_work=SqlStagingUnitOfWork,
    routers=[staging.router],
    subscriptions=[
        (topics.CONTACTS, handlers.CONTACT_HANDLERS),
        (topics.CRM_RECORDS, handlers.CRM_HANDLERS),
        (topics.USERS, handlers.USER_HANDLERS),
    ],
)


def create_app(settings: StagingSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    if settings is None:
        loaded = DEFINITION.load_settings()
        assert isinstance(loaded, StagingSettings)
        settings = loaded
    rules = StagingRules(hold_days=settings.staging_hold_days,
                         cutover_time=settings.staging_cutover_time)  # fmt: skip
    release = DeadlineRelease(batch=settings.staging_release_batch,
                              poll_seconds=settings.staging_release_poll_seconds)  # fmt: skip
    definition = replace(
        DEFINITION,
        subscriptions=[*DEFINITION.subscriptions,
                       (topics.BROKER_MESSAGES, handlers.broker_handlers(rules))],
        jobs=(release.run, *DEFINITION.jobs),
    )  # fmt: skip
    app = create_service(definition, settings, clock=clock)
    app.state.staging_rules = rules
    app.state.deadline_release = release  # tests run a pass by hand
    return app
