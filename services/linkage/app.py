"""Composition root of the linkage service."""

from __future__ import annotations

from fastapi import FastAPI

from services.runtime.service import ServiceDefinition, create_service
from services.runtime.settings import ServiceSettings

DEFINITION = ServiceDefinition(name="linkage")


def create_app(settings: ServiceSettings | None = None) -> FastAPI:
    return create_service(DEFINITION, settings)
