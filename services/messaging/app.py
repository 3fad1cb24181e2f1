"""Composition root of the messaging service."""

from __future__ import annotations

from fastapi import FastAPI

from services.messaging.service_layer.unit_of_work import SqlMessagingUnitOfWork
from services.messaging.settings import MessagingSettings
from services.runtime.clock import Clock
from services.runtime.service import ServiceDefinition, create_service

DEFINITION = ServiceDefinition(
    name="messaging",
    settings=MessagingSettings,
    unit_of_work=SqlMessagingUnitOfWork,
)


def create_app(settings: MessagingSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    return create_service(DEFINITION, settings, clock=clock)
