"""Composition root of the analytics service."""

from __future__ import annotations

from fastapi import FastAPI

from contracts import topics
from services.analytics import handlers
from services.analytics.api import statistics
from services.analytics.service_layer.unit_of_work import SqlAnalyticsUnitOfWork
from services.analytics.settings import AnalyticsSettings
from services.runtime.clock import Clock
from services.runtime.service import ServiceDefinition, create_service

DEFINITION = ServiceDefinition(
    name="analytics",
    settings=AnalyticsSettings,
    unit_of_work=SqlAnalyticsUnitOfWork,
    routers=[statistics.router],
    subscriptions=[
        (topics.CONTACTS, handlers.CONTACT_HANDLERS),
        (topics.CRM_RECORDS, handlers.CRM_HANDLERS),
    ],
)


def create_app(settings: AnalyticsSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    return create_service(DEFINITION, settings, clock=clock)
