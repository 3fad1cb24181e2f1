"""Composition root of the linkage service."""

from __future__ import annotations

from fastapi import FastAPI

from services.linkage.service_layer.unit_of_work import SqlLinkageUnitOfWork
from services.linkage.settings import LinkageSettings
from services.runtime.clock import Clock
from services.runtime.service import ServiceDefinition, create_service

DEFINITION = ServiceDefinition(
    name="linkage",
    settings=LinkageSettings,
    unit_of_work=SqlLinkageUnitOfWork,
)


def create_app(settings: LinkageSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    return create_service(DEFINITION, settings, clock=clock)
