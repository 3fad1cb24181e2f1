"""Composition root of the staging service."""

from __future__ import annotations

from fastapi import FastAPI

from services.runtime.clock import Clock
from services.runtime.service import ServiceDefinition, create_service
from services.staging.service_layer.unit_of_work import SqlStagingUnitOfWork
from services.staging.settings import StagingSettings

DEFINITION = ServiceDefinition(
    name="staging",
    settings=StagingSettings,
    unit_of_work=SqlStagingUnitOfWork,
)


def create_app(settings: StagingSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    return create_service(DEFINITION, settings, clock=clock)
