"""Composition root of the linkage service."""

from __future__ import annotations

from dataclasses import replace

from fastapi import FastAPI

from contracts import topics
from services.linkage import handlers, jobs
from services.linkage.api import devices, links
from services.linkage.service_layer.unit_of_work import SqlLinkageUnitOfWork
from services.linkage.settings import LinkageSettings
from services.runtime.clock import Clock
from services.runtime.service import ServiceDefinition, create_service

DEFINITION = ServiceDefinition(
    name="linkage",
    settings=LinkageSettings,
    unit_of_work=SqlLinkageUnitOfWork,
    routers=[links.router, devices.router],
    subscriptions=[
        (topics.ACCOUNT_PROFILES, handlers.PROFILE_HANDLERS),
        (topics.ACCOUNT_LIFECYCLE, handlers.LIFECYCLE_HANDLERS),
        (topics.CONTACTS, handlers.CONTACT_HANDLERS),
        (topics.CRM_RECORDS, handlers.CRM_HANDLERS),
        (topics.USERS, handlers.USER_HANDLERS),
    ],
    jobs=(jobs.link_batch, jobs.device_activation),
)


def create_app(settings: LinkageSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    if settings is None:
        loaded = DEFINITION.load_settings()
        assert isinstance(loaded, LinkageSettings)
        settings = loaded
    definition = replace(DEFINITION, subscriptions=[
        *DEFINITION.subscriptions,
        (topics.SECURITY_DEVICES, handlers.device_handlers(settings.device_activation_days)),
    ])  # fmt: skip
    return create_service(definition, settings, clock=clock)
