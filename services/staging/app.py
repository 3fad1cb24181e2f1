"""Composition root of the staging service."""

from __future__ import annotations

from fastapi import FastAPI

from services.runtime.service import ServiceDefinition, create_service
from services.runtime.settings import ServiceSettings

DEFINITION = ServiceDefinition(name="staging")


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    return create_service(DEFINITION, settings)
