"""Composition root of the analytics service."""

from __future__ import annotations

from fastapi import FastAPI

from contracts import topics
from services.analytics import handlers
from services.analytics.api import statistics
from services.runtime.service import ServiceDefinition, create_service
from services.runtime.settings import ServiceSettings

DEFINITION = ServiceDefinition(
    name="analytics",
    routers=[statistics.router],
    subscriptions=[(topics.CONTACTS, handlers.CONTACT_HANDLERS)],
)


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    return create_service(DEFINITION, settings)
